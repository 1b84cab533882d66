//go:build demobench

// The demo benchmarks decode events with the real parsers (internal/ingest
// and every format), so they build only with -tags demobench: the store's
// own tests must not depend on packages outside it.

package local

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/shoseki/shoseki/internal/demo"
	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/ingest"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/formats"
)

// demoEvents returns n events decoded by the real decoders from the demo
// generator's records (sshd, sudo and nginx syslog lines and CloudTrail
// JSON: the mix cmd bench sends over HTTP), and their raw input bytes.
var demoCache sync.Map

func init() {
	colStatsEvents = func(tb testing.TB, n int) ([]*event.Event, int64) { return demoEvents(tb, n) }
}

func demoEvents(tb testing.TB, n int) ([]*event.Event, int64) {
	type cached struct {
		evs []*event.Event
		raw int64
	}
	if c, ok := demoCache.Load(n); ok {
		return c.(cached).evs, c.(cached).raw
	}
	end := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	g := demo.New(42, end.Add(-24*time.Hour), end, time.UTC)
	bufs := map[string]*bytes.Buffer{"syslog": {}, "cloudtrail": {}}
	var raw int64
	for range n {
		r := g.Next()
		bufs[r.Format].Write(r.Data)
		bufs[r.Format].WriteByte('\n')
		raw += int64(len(r.Data)) + 1
	}
	var evs []*event.Event
	for name, b := range bufs {
		f, ok := formats.ByName(name)
		if !ok {
			tb.Fatalf("no format %q", name)
		}
		// Decode in chunks of whole lines, as requests would carry them.
		data := b.Bytes()
		for len(data) > 0 {
			cut := min(len(data), 4<<20)
			if i := bytes.LastIndexByte(data[:cut], '\n'); i >= 0 && cut < len(data) {
				cut = i + 1
			}
			got, _, err := ingest.DecodeInput(data[:cut], &f, demoMeta())
			if err != nil {
				tb.Fatal(err)
			}
			evs = append(evs, got...)
			data = data[cut:]
		}
	}
	demoCache.Store(n, cached{evs, raw})
	return evs, raw
}

func demoMeta() parse.Meta { return parse.Meta{Received: time.Now()} }

// BenchmarkFlushDemo measures the flush of a head of demo events: events/s,
// CPU per event and bytes on disk against the raw input.
func BenchmarkFlushDemo(b *testing.B) {
	n := envInt("SHOSEKI_FLUSH_EVENTS", 200_000)
	pool, raw := demoEvents(b, n)
	b.ReportAllocs()
	b.SetBytes(raw)
	var disk int64
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		s, err := Open(Options{Dir: dir, NoSync: true, FlushInterval: time.Hour, FlushEvents: 1 << 30, FlushBytes: 1 << 40,
			PartCompression: zstd.EncoderLevel(envInt("SHOSEKI_LEVEL", 0))})
		if err != nil {
			b.Fatal(err)
		}
		for off := 0; off < len(pool); off += 5000 {
			if err := s.Append(context.Background(), cloneBatch(pool[off:min(off+5000, len(pool))])); err != nil {
				b.Fatal(err)
			}
		}
		c0 := cpuTime()
		b.StartTimer()
		if err := s.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - c0
		disk = partsSize(b, filepath.Join(dir, "parts"))
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*len(pool))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*len(pool)), "cpu-µs/event")
	b.ReportMetric(float64(disk)/float64(len(pool)), "disk-B/event")
	b.ReportMetric(float64(disk)/float64(raw), "disk/raw")
}
