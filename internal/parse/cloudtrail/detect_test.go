package cloudtrail_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/cloudtrail"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestDetectOthers checks that Detect gives 0 to the records of every
// other format (parsetest.Samples and the other decoders' test inputs, but
// for the CloudTrail records among the generic JSON lines of jsonl's).
func TestDetectOthers(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{cloudtrail.Name: cloudtrail.Detect}, `{"eventVersion":`)
}

// TestFormatsDetect checks that formats.Detect picks cloudtrail for its
// typical records and for the golden NDJSON lines that decode.
func TestFormatsDetect(t *testing.T) {
	parsetest.DetectPicks(t, formats.Detect, cloudtrail.Name, parsetest.Samples()[cloudtrail.Name])
	parsetest.DetectPicks(t, formats.Detect, cloudtrail.Name, parsetest.GoldenLines(t, cloudtrail.Decode, nil, "testdata/golden/*.ndjson"))
}
