package parsetest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// Rewrite is the -rewrite flag of every test binary that imports
// parsetest: golden comparisons then write what they got instead.
var Rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs of golden tests (testdata/golden, testdata/*.golden)")

// DecodeFunc is parse.Format.Decode.
type DecodeFunc = func(record []byte, meta *parse.Meta, ev *event.Event) error

// DecodeAllFunc is parse.Format.DecodeAll.
type DecodeAllFunc = func(data []byte, meta *parse.Meta, emit func(*event.Event) error) error

// Golden decodes every line of each input matching pattern (a
// slash-separated glob such as "testdata/golden/*.log") with decode, in a
// subtest named after the input, and compares RenderLines with the file
// named like the input with the extension ".golden" (GoldenFile). It fails
// when nothing matches.
func Golden(t *testing.T, decode DecodeFunc, meta *parse.Meta, pattern string) {
	t.Helper()
	for _, in := range inputs(t, pattern) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			GoldenFile(t, goldenName(in), RenderLines(decode, meta, readFile(t, in)))
		})
	}
}

// GoldenAll is Golden for whole-input formats: it decodes each input as a
// whole with decodeAll and compares RenderAll with its .golden file.
func GoldenAll(t *testing.T, decodeAll DecodeAllFunc, meta *parse.Meta, pattern string) {
	t.Helper()
	for _, in := range inputs(t, pattern) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			GoldenFile(t, goldenName(in), RenderAll(decodeAll, meta, readFile(t, in)))
		})
	}
}

// RenderLines decodes data line by line (a final newline ends the last
// line rather than starting an empty one) into one line per record: the
// event as event.AppendJSON, or "error: " and the error.
func RenderLines(decode DecodeFunc, meta *parse.Meta, data []byte) []byte {
	var out bytes.Buffer
	var ev event.Event
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		ev.Reset()
		if err := decode([]byte(line), meta, &ev); err != nil {
			out.WriteString("error: " + err.Error() + "\n")
			continue
		}
		out.Write(ev.AppendJSON(nil))
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// RenderAll decodes data whole into one line per emitted event
// (event.AppendJSON), followed by "error: " and the error when decodeAll
// fails.
func RenderAll(decodeAll DecodeAllFunc, meta *parse.Meta, data []byte) []byte {
	var out bytes.Buffer
	err := decodeAll(data, meta, func(ev *event.Event) error {
		out.Write(ev.AppendJSON(nil))
		out.WriteByte('\n')
		return nil
	})
	if err != nil {
		out.WriteString("error: " + err.Error() + "\n")
	}
	return out.Bytes()
}

// GoldenFile compares got with the golden file line by line, reporting
// each line that differs, or writes got to it under -rewrite.
func GoldenFile(t testing.TB, golden string, got []byte) {
	t.Helper()
	if *Rewrite {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("%s line %d:\n got %s\nwant %s", filepath.Base(golden), i+1, g, w)
		}
	}
}

// GoldenLines returns the lines of the inputs matching pattern that decode
// without error, for benchmarks and detection tests. It fails when there
// are none.
func GoldenLines(t testing.TB, decode DecodeFunc, meta *parse.Meta, pattern string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, in := range inputs(t, pattern) {
		for _, l := range bytes.Split(readFile(t, in), []byte("\n")) {
			if decode(l, meta, new(event.Event)) == nil {
				out = append(out, l)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no decodable lines in %s", pattern)
	}
	return out
}

// inputs returns the files matching the slash-separated pattern, failing
// when there are none.
func inputs(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.FromSlash(pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs match %s: %v", pattern, err)
	}
	return files
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// goldenName is the golden file of an input: its name with the extension
// replaced by ".golden".
func goldenName(in string) string {
	return strings.TrimSuffix(in, filepath.Ext(in)) + ".golden"
}
