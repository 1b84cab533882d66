package cef_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/cef"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestDetectOtherFormats checks that the cef and leef detectors give 0 to
// the records of every other format, and that formats.Detect picks cef or
// leef for the golden input lines that decode.
func TestDetectOtherFormats(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{cef.NameCEF: cef.Detect, cef.NameLEEF: cef.DetectLEEF})
	parsetest.DetectPicks(t, formats.Detect, cef.NameCEF, parsetest.GoldenLines(t, cef.Decode, nil, "testdata/golden/cef.log"))
	parsetest.DetectPicks(t, formats.Detect, cef.NameLEEF, parsetest.GoldenLines(t, cef.DecodeLEEF, nil, "testdata/golden/leef.log"))
}
