package cloudfront_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/cloudfront"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestDetectOthers checks that Detect gives 0 to the records of every
// other format (parsetest.Samples and the other decoders' test inputs).
func TestDetectOthers(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{cloudfront.Name: cloudfront.Detect})
}

// TestFormatsDetect checks that formats.Detect picks cloudfront for its typical
// records and for the golden lines that decode.
func TestFormatsDetect(t *testing.T) {
	parsetest.DetectPicks(t, formats.Detect, cloudfront.Name, parsetest.Samples()[cloudfront.Name])
	parsetest.DetectPicks(t, formats.Detect, cloudfront.Name, parsetest.GoldenLines(t, cloudfront.Decode, nil, "testdata/golden/*.log"))
}
