package awslb

import (
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

func benchmarkLines(b *testing.B, decode func([]byte, *parse.Meta, *event.Event) error, lines [][]byte) {
	b.ReportAllocs()
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	b.SetBytes(int64(total / len(lines)))
	var ev event.Event
	n := 0
	for b.Loop() {
		ev.Reset()
		if err := decode(lines[n%len(lines)], testMeta, &ev); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecodeALB decodes the golden ALB lines (AWS's documented
// examples).
func BenchmarkDecodeALB(b *testing.B) {
	benchmarkLines(b, DecodeALB, goldenLines(b, DecodeALB, "alb.log"))
}

// BenchmarkDecodeELB decodes the golden Classic Load Balancer lines.
func BenchmarkDecodeELB(b *testing.B) {
	benchmarkLines(b, DecodeELB, goldenLines(b, DecodeELB, "elb.log"))
}
