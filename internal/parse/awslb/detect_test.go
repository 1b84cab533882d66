package awslb_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/awslb"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestDetectOthers checks that DetectALB and DetectELB give 0 to the
// records of every other format (each other's included).
func TestDetectOthers(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{awslb.ALB: awslb.DetectALB, awslb.ELB: awslb.DetectELB})
}

// TestFormatsDetect checks that formats.Detect picks alb and elb for their
// typical records and for the golden lines that decode.
func TestFormatsDetect(t *testing.T) {
	for _, tt := range []struct {
		format  string
		decode  parsetest.DecodeFunc
		pattern string
	}{
		{awslb.ALB, awslb.DecodeALB, "testdata/golden/alb*.log"},
		{awslb.ELB, awslb.DecodeELB, "testdata/golden/elb*.log"},
	} {
		parsetest.DetectPicks(t, formats.Detect, tt.format, parsetest.Samples()[tt.format])
		parsetest.DetectPicks(t, formats.Detect, tt.format, parsetest.GoldenLines(t, tt.decode, nil, tt.pattern))
	}
}
