package cef

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestGolden decodes every line of testdata/golden/cef*.log (with Decode)
// and leef*.log (with DecodeLEEF) and compares the events with the .golden
// file beside each. Run with -rewrite to regenerate, then review the diff.
func TestGolden(t *testing.T) {
	parsetest.Golden(t, Decode, testMeta, "testdata/golden/cef*.log")
	parsetest.Golden(t, DecodeLEEF, testMeta, "testdata/golden/leef*.log")
}
