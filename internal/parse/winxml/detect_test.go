package winxml_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/winxml"
)

// otherSamples returns the non-blank lines of the test inputs of the other
// decoders in internal/parse (their golden inputs and testdata files),
// skipping binary files.
func otherSamples(t *testing.T, self string) map[string][][]byte {
	t.Helper()
	var files []string
	for _, pat := range []string{"../*/testdata/*", "../*/testdata/golden/*"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	out := map[string][][]byte{}
	for _, f := range files {
		if strings.HasPrefix(f, filepath.Join("..", self)+string(filepath.Separator)) || strings.HasSuffix(f, ".golden") {
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

// TestDetectOtherFormats checks that the winevent-xml detector gives 0 to the
// samples of every other format, and that formats.Detect picks winevent-xml for
// the first bytes of each golden TSV input and for each JSON golden line
// that decodes.
func TestDetectOtherFormats(t *testing.T) {
	for file, lines := range otherSamples(t, "winxml") {
		for _, l := range lines {
			if s := winxml.Detect(l); s != 0 {
				t.Errorf("%s: winxml.Detect(%.80q) = %d", file, l, s)
			}
		}
	}
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.xml"))
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		samples := [][]byte{data[:min(len(data), 4096)]}
		if data[0] == '{' {
			samples = nil
			for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
				if winxml.Decode(l, nil, new(event.Event)) == nil {
					samples = append(samples, l)
				}
			}
		}
		got, ok := formats.Detect(samples)
		if !ok || got.Name != winxml.Name {
			t.Errorf("%s: formats.Detect = %q, %v; want winevent-xml", in, got.Name, ok)
		}
	}
}
