package zeek_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/zeek"
)

// TestDetectOtherFormats checks that the zeek detector gives 0 to the
// records of every other format, and that formats.Detect picks zeek for
// the first bytes of each golden TSV input and for the JSON golden lines
// that decode.
func TestDetectOtherFormats(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{zeek.Name: zeek.Detect})
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.log"))
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		samples := [][]byte{data[:min(len(data), 4096)]}
		if data[0] == '{' {
			samples = nil
			for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
				if zeek.Decode(l, nil, new(event.Event)) == nil {
					samples = append(samples, l)
				}
			}
		}
		t.Run(filepath.Base(in), func(t *testing.T) { parsetest.DetectPicks(t, formats.Detect, zeek.Name, samples) })
	}
}
