package winxml_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/winxml"
)

// TestDetectOtherFormats checks that the winevent-xml detector gives 0 to
// the records of every other format, and that formats.Detect picks
// winevent-xml for the first bytes of each golden XML input.
func TestDetectOtherFormats(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{winxml.Name: winxml.Detect})
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.xml"))
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(in), func(t *testing.T) {
			parsetest.DetectPicks(t, formats.Detect, winxml.Name, [][]byte{data[:min(len(data), 4096)]})
		})
	}
}
