package parsetest

import (
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// BenchmarkLines decodes lines one after the other, round robin, reusing
// one event, and reports bytes (the mean record size), allocations,
// events/s and, where the platform gives CPU time, events/cpu-s, which
// stays meaningful on a machine shared with other work. A line that fails
// to decode fails the benchmark.
func BenchmarkLines(b *testing.B, decode DecodeFunc, meta *parse.Meta, lines [][]byte) {
	b.Helper()
	if len(lines) == 0 {
		b.Fatal("no lines to decode")
	}
	b.ReportAllocs()
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	b.SetBytes(int64(total / len(lines)))
	var ev event.Event
	n := 0
	cpu0 := CPUSeconds()
	for b.Loop() {
		ev.Reset()
		if err := decode(lines[n%len(lines)], meta, &ev); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	if cpu := CPUSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu, "events/cpu-s")
	}
}
