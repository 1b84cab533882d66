package zeek

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestGolden decodes each testdata/golden/*.log whole with DecodeAll and
// compares the events (event.AppendJSON, one a line; pipeline_error events
// included) with the .golden file beside it. Run with -rewrite to
// regenerate, then review the diff.
func TestGolden(t *testing.T) {
	parsetest.GoldenAll(t, DecodeAll, testMeta, "testdata/golden/*.log")
}
