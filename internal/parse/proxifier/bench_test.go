package proxifier

import (
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

// BenchmarkDecode decodes the decodable golden lines one by one.
func BenchmarkDecode(b *testing.B) {
	lines := goldenLines(b, Decode, "*.log")
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
		if err := Decode(lines[n%len(lines)], testMeta, &ev); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
