package parsetest

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/parse"
)

// DetectFunc is formats.Detect, which tests pass in (see the package
// comment).
type DetectFunc = func(samples [][]byte) (parse.Format, bool)

// OtherSamples returns the non-blank lines of the test inputs of the other
// decoders in internal/parse (the files of their testdata and
// testdata/golden directories, except .golden outputs and binary files),
// by file. The decoder under test is the package whose directory the test
// runs in. It fails when it finds none.
func OtherSamples(t testing.TB) map[string][][]byte {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	self := filepath.Join("..", filepath.Base(wd)) + string(filepath.Separator)
	var files []string
	for _, pat := range []string{"../*/testdata/*", "../*/testdata/golden/*"} {
		m, _ := filepath.Glob(filepath.FromSlash(pat))
		files = append(files, m...)
	}
	out := map[string][][]byte{}
	for _, f := range files {
		if strings.HasPrefix(f, self) || strings.HasSuffix(f, ".golden") {
			continue
		}
		st, err := os.Stat(f)
		if err != nil || st.IsDir() {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil || bytes.IndexByte(data, 0) >= 0 {
			continue
		}
		for _, l := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				out[f] = append(out[f], l)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no samples of other formats found")
	}
	return out
}

// DetectsNothingElse checks that each detector, keyed by the name of its
// format, gives 0 to every record of another format: each line of
// OtherSamples (the test inputs of the other decoders) and each record of
// Samples filed under another format's name. Lines of other decoders'
// inputs that begin with one of shared are left out: records that are of
// these formats too (a CloudTrail record among generic JSON lines).
func DetectsNothingElse(t *testing.T, detectors map[string]func(record []byte) int, shared ...string) {
	t.Helper()
	others := OtherSamples(t)
	samples := Samples()
	for _, name := range sortedKeys(detectors) {
		detect := detectors[name]
		for _, file := range sortedKeys(others) {
			for _, l := range others[file] {
				if slices.ContainsFunc(shared, func(p string) bool { return bytes.HasPrefix(l, []byte(p)) }) {
					continue
				}
				if s := detect(l); s != 0 {
					t.Errorf("%s: %s Detect gives %d to %.80q", file, name, s, l)
				}
			}
		}
		for _, other := range sortedKeys(samples) {
			if other == name {
				continue
			}
			for _, l := range samples[other] {
				if s := detect(l); s != 0 {
					t.Errorf("%s Detect gives %d to a %s record: %.80q", name, s, other, l)
				}
			}
		}
	}
}

// DetectPicks checks that detect (formats.Detect) picks the format named
// want, one with a description, for the records taken together and for
// each record alone.
func DetectPicks(t *testing.T, detect DetectFunc, want string, records [][]byte) {
	t.Helper()
	if len(records) == 0 {
		t.Fatalf("no %s records to detect", want)
	}
	got, ok := detect(records)
	if !ok || got.Name != want {
		t.Errorf("formats.Detect of %d %s records = %q, %v; want %s", len(records), want, got.Name, ok, want)
	} else if !strings.Contains(got.Description, " ") {
		t.Errorf("format %s has no description", got.Name)
	}
	if len(records) == 1 {
		return
	}
	for _, r := range records {
		if got, ok := detect([][]byte{r}); !ok || got.Name != want {
			t.Errorf("formats.Detect(%.80q) = %q, %v; want %s", r, got.Name, ok, want)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
