package jsonl

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestGolden decodes every line of testdata/golden/*.ndjson and compares the
// events (event.AppendJSON, one a line; "error: ..." for a failed line)
// with the .golden file beside it. Run with -rewrite to regenerate, then
// review the diff.
func TestGolden(t *testing.T) {
	parsetest.Golden(t, Decode, testMeta, "testdata/golden/*.ndjson")
}
