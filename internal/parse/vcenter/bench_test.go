package vcenter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

// BenchmarkDecode decodes the golden vpxd and hostd lines (events and plain
// lines).
func BenchmarkDecode(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "vcenter.log"))
	if err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	for _, l := range strings.Split(string(data), "\n") {
		if Decode([]byte(l), testMeta, new(event.Event)) == nil {
			lines = append(lines, []byte(l))
		}
	}
	b.ReportAllocs()
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	b.SetBytes(int64(total / len(lines)))
	var ev event.Event
	n := 0
	cpu0 := cpuSeconds()
	for b.Loop() {
		ev.Reset()
		if err := Decode(lines[n%len(lines)], testMeta, &ev); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu, "events/cpu-s")
	}
}
