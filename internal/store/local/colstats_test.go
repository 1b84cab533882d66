package local

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/shoseki/shoseki/internal/event"
)

// colStatsEvents gives TestColumnSizes its events: the package generator's,
// or with -tags demobench the real parsers' output of the demo generator.
var colStatsEvents = func(tb testing.TB, n int) ([]*event.Event, int64) { return benchEvents(n) }

// TestColumnSizes prints where the bytes of a part go (per column values
// and bloom bytes). Diagnostic; run with SHOSEKI_COLSTATS=1.
func TestColumnSizes(t *testing.T) {
	if os.Getenv("SHOSEKI_COLSTATS") == "" {
		t.Skip("diagnostic; set SHOSEKI_COLSTATS=1")
	}
	pool, raw := colStatsEvents(t, 200_000)
	dir := t.TempDir()
	opts := Options{Dir: dir, NoSync: true, FlushInterval: time.Hour, FlushEvents: 1 << 30, FlushBytes: 1 << 40}
	if l, err := strconv.Atoi(os.Getenv("SHOSEKI_LEVEL")); err == nil {
		opts.PartCompression = zstd.EncoderLevel(l)
	}
	opts.BlockRows, _ = strconv.Atoi(os.Getenv("SHOSEKI_BLOCKROWS"))
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for off := 0; off < len(pool); off += 5000 {
		if err := s.Append(context.Background(), cloneBatch(pool[off:off+5000])); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("flush took %v", time.Since(start))
	type agg struct {
		name            string
		val, raw, bloom int64
	}
	m := map[string]*agg{}
	var meta int64
	var total int64
	for _, p := range s.parts {
		if err := p.load(); err != nil {
			t.Fatal(err)
		}
		total += p.meta.size()
		for _, b := range p.blocks {
			meta += int64(b.metaLen)
			for _, c := range b.cols {
				a := m[p.cols[c.col]]
				if a == nil {
					a = &agg{name: p.cols[c.col]}
					m[a.name] = a
				}
				a.val += int64(c.valLen)
				a.raw += int64(c.rawLen)
				a.bloom += int64(c.bloomLen)
			}
		}
	}
	if os.Getenv("SHOSEKI_ZSTD_LEVELS") != "" {
		// Recompress every column block at each level: CPU and size.
		var raws [][]byte
		for _, p := range s.parts {
			for _, b := range p.blocks {
				for i := range b.cols {
					c := &b.cols[i]
					raw, err := p.readBlock(c.valOff, c.valLen, c.rawLen)
					if err != nil {
						t.Fatal(err)
					}
					raws = append(raws, raw)
				}
			}
		}
		for _, l := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression} {
			enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(l), zstd.WithEncoderConcurrency(1))
			var out []byte
			var size int
			start := time.Now()
			for _, r := range raws {
				out = enc.EncodeAll(r, out[:0])
				size += len(out)
			}
			t.Logf("zstd %-8s %6.2f µs/event, %5.1f B/event", l, float64(time.Since(start).Microseconds())/float64(len(pool)), float64(size)/float64(len(pool)))
		}
	}
	var list []*agg
	for _, a := range m {
		list = append(list, a)
	}
	slices.SortFunc(list, func(a, b *agg) int { return int(b.val + b.bloom - a.val - a.bloom) })
	n := float64(len(pool))
	t.Logf("raw %.1f B/event, disk %.1f B/event (%.3f), rowmeta %.1f B/event", float64(raw)/n, float64(total)/n, float64(total)/float64(raw), float64(meta)/n)
	for _, a := range list {
		t.Logf("%-45s values %6.1f B/ev (raw %6.1f) bloom %6.1f B/ev", a.name, float64(a.val)/n, float64(a.raw)/n, float64(a.bloom)/n)
	}
}
