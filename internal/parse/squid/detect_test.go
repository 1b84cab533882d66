package squid_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/squid"
)

// TestDetectOthers checks that Detect gives 0 to the records of every
// other format (parsetest.Samples and the other decoders' test inputs).
func TestDetectOthers(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{squid.Name: squid.Detect})
}

// TestFormatsDetect checks that formats.Detect picks squid for its typical
// records and for the golden lines that decode.
func TestFormatsDetect(t *testing.T) {
	parsetest.DetectPicks(t, formats.Detect, squid.Name, parsetest.Samples()[squid.Name])
	parsetest.DetectPicks(t, formats.Detect, squid.Name, parsetest.GoldenLines(t, squid.Decode, nil, "testdata/golden/*.log"))
}
