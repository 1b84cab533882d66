package winxml

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestGolden decodes testdata/golden/*.log line by line with Decode and
// testdata/golden/*.xml whole with DecodeAll, and compares the events
// (event.AppendJSON, one a line; "error: ..." for a failed line) with the
// .golden file beside each. Run with -rewrite to regenerate, then review
// the diff.
func TestGolden(t *testing.T) {
	parsetest.Golden(t, Decode, testMeta, "testdata/golden/*.log")
	parsetest.GoldenAll(t, DecodeAll, testMeta, "testdata/golden/*.xml")
}
