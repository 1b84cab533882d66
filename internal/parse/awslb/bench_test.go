package awslb

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// BenchmarkDecodeALB decodes the golden ALB lines (AWS's documented
// examples).
func BenchmarkDecodeALB(b *testing.B) {
	parsetest.BenchmarkLines(b, DecodeALB, testMeta, parsetest.GoldenLines(b, DecodeALB, testMeta, "testdata/golden/alb.log"))
}

// BenchmarkDecodeELB decodes the golden Classic Load Balancer lines.
func BenchmarkDecodeELB(b *testing.B) {
	parsetest.BenchmarkLines(b, DecodeELB, testMeta, parsetest.GoldenLines(b, DecodeELB, testMeta, "testdata/golden/elb.log"))
}
