package vcenter_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/vcenter"
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

// TestDetectOtherFormats checks that the vcenter detector gives 0 to the
// samples of every other format, and that formats.Detect picks vcenter for
// each golden input line that decodes as an event.
func TestDetectOtherFormats(t *testing.T) {
	for file, lines := range otherSamples(t, "vcenter") {
		for _, l := range lines {
			if s := vcenter.Detect(l); s != 0 {
				t.Errorf("%s: vcenter.Detect(%.80q) = %d", file, l, s)
			}
		}
	}
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "vcenter.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if err := vcenter.Decode(l, nil, new(event.Event)); err != nil {
			continue
		}
		got, ok := formats.Detect([][]byte{l})
		if !ok || got.Name != vcenter.Name {
			t.Errorf("formats.Detect(%.80q) = %q, %v; want vcenter", l, got.Name, ok)
		}
	}
}
