package weblog

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

// BenchmarkDecodeAccess decodes the golden access-log lines (common,
// combined, vhost).
func BenchmarkDecodeAccess(b *testing.B) {
	benchmarkLines(b, DecodeApache, goldenLines(b, DecodeApache, "apache_access.log"))
}

// BenchmarkDecodeApacheError decodes the loghub Apache error-log sample.
func BenchmarkDecodeApacheError(b *testing.B) {
	benchmarkLines(b, DecodeApache, readLines(b, sharedData(b, loghubApache)))
}

// BenchmarkDecodeNginx decodes the golden nginx lines (access and error).
func BenchmarkDecodeNginx(b *testing.B) {
	benchmarkLines(b, DecodeNginx, goldenLines(b, DecodeNginx, "nginx.log"))
}
