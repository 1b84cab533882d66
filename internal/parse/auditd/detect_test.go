package auditd_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shoseki/shoseki/internal/parse/auditd"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestDetectOtherFormats checks that the auditd detector gives 0 to the
// records of every other format, and that formats.Detect picks auditd for
// the first bytes of each golden TSV input and for the JSON golden lines
// that decode.
func TestDetectOtherFormats(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{auditd.Name: auditd.Detect})
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.log"))
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		samples := [][]byte{data[:min(len(data), 4096)]}
		if data[0] == '{' {
			samples = parsetest.GoldenLines(t, auditd.Decode, nil, filepath.ToSlash(in))
		}
		parsetest.DetectPicks(t, formats.Detect, auditd.Name, samples)
	}
}
