package proxifier_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/proxifier"
)

// TestDetectOthers checks that Detect gives 0 to the records of every
// other format (parsetest.Samples and the other decoders' test inputs).
func TestDetectOthers(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{proxifier.Name: proxifier.Detect})
}

// TestFormatsDetect checks that formats.Detect picks proxifier for its typical
// records and for the golden lines that decode.
func TestFormatsDetect(t *testing.T) {
	parsetest.DetectPicks(t, formats.Detect, proxifier.Name, parsetest.Samples()[proxifier.Name])
	parsetest.DetectPicks(t, formats.Detect, proxifier.Name, parsetest.GoldenLines(t, proxifier.Decode, nil, "testdata/golden/*.log"))
}
