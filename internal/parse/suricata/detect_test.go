package suricata_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/suricata"
)

// TestDetectOtherFormats checks that the suricata detector gives 0 to the
// records of every other format, and that formats.Detect picks suricata for
// the golden input lines that decode.
func TestDetectOtherFormats(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{suricata.Name: suricata.Detect})
	parsetest.DetectPicks(t, formats.Detect, suricata.Name, parsetest.GoldenLines(t, suricata.Decode, nil, "testdata/golden/eve.json"))
}
