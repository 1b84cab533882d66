package suricata

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

// BenchmarkDecodeEVE decodes the golden EVE records (alert, dns, http,
// tls, flow, fileinfo, anomaly, stats, ssh; about 600 bytes each).
func BenchmarkDecodeEVE(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "eve.json"))
	if err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if Decode(l, testMeta, new(event.Event)) == nil {
			lines = append(lines, l)
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
