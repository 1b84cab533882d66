package cbs_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/cbs"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestDetectOthers checks that Detect gives 0 to the records of every
// other format (parsetest.Samples and the other decoders' test inputs).
func TestDetectOthers(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{cbs.Name: cbs.Detect})
}

// TestFormatsDetect checks that formats.Detect picks cbs for its typical
// records and for the golden lines that decode.
func TestFormatsDetect(t *testing.T) {
	parsetest.DetectPicks(t, formats.Detect, cbs.Name, parsetest.Samples()[cbs.Name])
	parsetest.DetectPicks(t, formats.Detect, cbs.Name, parsetest.GoldenLines(t, cbs.Decode, nil, "testdata/golden/*.log"))
}
