package vpcflow_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/vpcflow"
)

// TestDetectOthers checks that Detect gives 0 to the records of every
// other format (parsetest.Samples and the other decoders' test inputs).
func TestDetectOthers(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{vpcflow.Name: vpcflow.Detect})
}

// TestFormatsDetect checks that formats.Detect picks vpcflow for its typical
// records and for the golden lines that decode.
func TestFormatsDetect(t *testing.T) {
	parsetest.DetectPicks(t, formats.Detect, vpcflow.Name, parsetest.Samples()[vpcflow.Name])
	parsetest.DetectPicks(t, formats.Detect, vpcflow.Name, parsetest.GoldenLines(t, vpcflow.Decode, nil, "testdata/golden/*.log"))
}
