package parsetest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

// SharedData returns the path of ../shared/data/<rel> from the repository
// root (the directory holding go.mod), skipping the test when it is absent.
func SharedData(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root (go.mod) not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("test data %s absent (%v): the shared corpus is not next to the repository", rel, err)
	}
	return p
}

// ReadLines returns the non-blank lines of the file at path, without their
// terminators ("\n" or "\r\n"). It fails on a line longer than 16 MiB.
func ReadLines(t testing.TB, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return lines
}

// Loghub reads a loghub sample under shared/data (skipping the test when it
// is absent) and its _structured.csv ground truth: the sample's lines and
// the CSV rows without the header, one row per line (checked).
func Loghub(t testing.TB, rel string) (lines [][]byte, rows [][]string) {
	t.Helper()
	path := SharedData(t, rel)
	lines = ReadLines(t, path)
	f, err := os.Open(path + "_structured.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err = csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s_structured.csv: %v", rel, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s_structured.csv is empty", rel)
	}
	rows = rows[1:] // the header
	if len(rows) != len(lines) {
		t.Fatalf("%s: %d log lines but %d ground-truth rows", rel, len(lines), len(rows))
	}
	return lines, rows
}
