package cloudtrail

import (
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

var testMeta = &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}

// TestGolden decodes testdata/golden/*.ndjson line by line with Decode and
// testdata/golden/*.json whole with DecodeAll, and compares the events
// (event.AppendJSON, one a line; "error: ..." for a failed line) with the
// .golden file beside each. Run with -rewrite to regenerate, then review
// the diff.
func TestGolden(t *testing.T) {
	parsetest.Golden(t, Decode, testMeta, "testdata/golden/*.ndjson")
	parsetest.GoldenAll(t, DecodeAll, testMeta, "testdata/golden/*.json")
}
