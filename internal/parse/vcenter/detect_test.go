package vcenter_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/vcenter"
)

// TestDetectOtherFormats checks that the vcenter detector gives 0 to the
// records of every other format, and that formats.Detect picks vcenter for
// the golden input lines that decode.
func TestDetectOtherFormats(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{vcenter.Name: vcenter.Detect})
	parsetest.DetectPicks(t, formats.Detect, vcenter.Name, parsetest.GoldenLines(t, vcenter.Decode, nil, "testdata/golden/vcenter.log"))
}
