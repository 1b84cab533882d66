package s3access_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/s3access"
)

// TestDetectOthers checks that Detect gives 0 to the records of every
// other format (parsetest.Samples and the other decoders' test inputs).
func TestDetectOthers(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{s3access.Name: s3access.Detect})
}

// TestFormatsDetect checks that formats.Detect picks s3access for its typical
// records and for the golden lines that decode.
func TestFormatsDetect(t *testing.T) {
	parsetest.DetectPicks(t, formats.Detect, s3access.Name, parsetest.Samples()[s3access.Name])
	parsetest.DetectPicks(t, formats.Detect, s3access.Name, parsetest.GoldenLines(t, s3access.Decode, nil, "testdata/golden/*.log"))
}
