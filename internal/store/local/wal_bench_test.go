package local

import (
	"fmt"
	"testing"

	"github.com/klauspost/compress/s2"

	"github.com/shoseki/shoseki/internal/event"
)

// walCodecs are the payload compressors compared by BenchmarkWALCodec.
var walCodecs = []struct {
	name string
	enc  func(dst, src []byte) []byte
	dec  func(dst, src []byte) ([]byte, error)
}{
	{"zstd-fastest", func(dst, src []byte) []byte { return walV1Encoder.EncodeAll(src, dst[:0]) },
		func(dst, src []byte) ([]byte, error) { return walDecoder.DecodeAll(src, dst[:0]) }},
	{"s2", s2.Encode, s2.Decode},
	{"s2-better", s2.EncodeBetter, s2.Decode},
}

// BenchmarkWALCodec compares payload compressors on WAL batches: the
// events of colStatsEvents (the package generator's, or with -tags
// demobench the real parsers' output of the demo generator), in batches.
// ns/op is per batch; ns/event and the ratio are reported as metrics.
func BenchmarkWALCodec(b *testing.B) {
	const total = 100_000
	pool, _ := colStatsEvents(b, total)
	for _, batch := range []int{1000} {
		var raws [][]byte
		var rawBytes int
		for off := 0; off < len(pool); off += batch {
			p := appendEvents(nil, pool[off:min(off+batch, len(pool))])
			raws = append(raws, p)
			rawBytes += len(p)
		}
		b.Logf("batch %d: %d payload bytes/event", batch, rawBytes/len(pool))
		for _, c := range walCodecs {
			var comp [][]byte
			var compBytes int
			for _, p := range raws {
				z := c.enc(nil, p)
				comp = append(comp, append([]byte(nil), z...))
				compBytes += len(z)
			}
			b.Run(fmt.Sprintf("batch=%d/%s/encode", batch, c.name), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(rawBytes))
				var dst []byte
				for b.Loop() {
					for _, p := range raws {
						dst = c.enc(dst[:cap(dst)], p)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pool)), "ns/event")
				b.ReportMetric(float64(rawBytes)/float64(compBytes), "ratio")
				b.ReportMetric(float64(compBytes)/float64(len(pool)), "B/event")
			})
			// fresh: a new buffer per record, as the head decodes; reused:
			// the codec alone.
			for _, fresh := range []bool{true, false} {
				name := map[bool]string{true: "fresh", false: "reused"}[fresh]
				b.Run(fmt.Sprintf("batch=%d/%s/decode-%s", batch, c.name, name), func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(rawBytes))
					var dst []byte
					for b.Loop() {
						for i, z := range comp {
							if fresh || cap(dst) < len(raws[i]) {
								dst = make([]byte, len(raws[i]))
							}
							out, err := c.dec(dst, z)
							if err != nil || len(out) != len(raws[i]) {
								b.Fatal(err)
							}
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pool)), "ns/event")
				})
			}
		}
	}
}

// BenchmarkWALEncode measures encodeWALBatch (payload encoding and
// compression), batches of 1000 events.
func BenchmarkWALEncode(b *testing.B) {
	const total, batch = 100_000, 1000
	pool, raw := colStatsEvents(b, total)
	b.ReportAllocs()
	b.SetBytes(raw)
	var comp int
	for b.Loop() {
		comp = 0
		for off := 0; off < len(pool); off += batch {
			p, err := encodeWALBatch(pool[off:min(off+batch, len(pool))])
			if err != nil {
				b.Fatal(err)
			}
			comp += len(p)
		}
	}
	b.ReportMetric(float64(b.N*len(pool))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pool)), "ns/event")
	b.ReportMetric(float64(comp)/float64(len(pool)), "B/event")
}

// BenchmarkWALDecode measures the decoding of whole records (checksum,
// decompression into a fresh buffer, events) as replay and the head do,
// for records written now (S2) and by the previous version (zstd).
func BenchmarkWALDecode(b *testing.B) {
	const total, batch = 100_000, 1000
	pool, raw := colStatsEvents(b, total)
	for _, c := range []struct {
		name  string
		codec walCodec
		enc   func([]*event.Event) ([]byte, error)
	}{
		{"s2", walS2, encodeWALBatch},
		{"zstd-v1", walZstd, func(evs []*event.Event) ([]byte, error) { return encodeWALBatchV1(evs), nil }},
	} {
		var recs [][]byte
		for off := 0; off < len(pool); off += batch {
			p, err := c.enc(pool[off:min(off+batch, len(pool))])
			if err != nil {
				b.Fatal(err)
			}
			recs = append(recs, walRecord(uint64(off+1), p))
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(raw)
			for b.Loop() {
				for _, r := range recs {
					if _, _, _, err := c.codec.decodeRecord(r); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*len(pool))/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pool)), "ns/event")
		})
	}
}

// BenchmarkAppendEvents measures the uncompressed payload encoding alone,
// batches of 1000 events.
func BenchmarkAppendEvents(b *testing.B) {
	const total, batch = 100_000, 1000
	pool, raw := colStatsEvents(b, total)
	b.ReportAllocs()
	b.SetBytes(raw)
	var dst []byte
	for b.Loop() {
		for off := 0; off < len(pool); off += batch {
			dst = appendEvents(dst[:0], pool[off:min(off+batch, len(pool))])
		}
	}
	b.ReportMetric(float64(b.N*len(pool))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pool)), "ns/event")
}
