package local

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/store/local/vfs"
)

// walV1Encoder is the previous version's record compressor: version 1
// segments hold its zstd frames.
var walV1Encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
	zstd.WithLowerEncoderMem(true))

// encodeWALBatchV1 is the previous version's encodeWALBatch:
// [rawLen u32][zstd frame of appendEvents].
func encodeWALBatchV1(events []*event.Event) []byte {
	p := appendEvents(nil, events)
	return walV1Encoder.EncodeAll(p, binary.LittleEndian.AppendUint32(nil, uint32(len(p))))
}

// walRecord frames a payload as a record with sequence number first.
func walRecord(first uint64, payload []byte) []byte {
	body := binary.LittleEndian.AppendUint64(nil, first)
	body = append(body, payload...)
	rec := binary.LittleEndian.AppendUint32(nil, uint32(len(body)))
	rec = binary.LittleEndian.AppendUint32(rec, crc32.Checksum(body, crcTable))
	return append(rec, body...)
}

// readCorpusBytes returns the []byte value of a `go test fuzz v1` corpus
// file holding one []byte argument.
func readCorpusBytes(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lit, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "go test fuzz v1\n[]byte(")
	lit, ok2 := strings.CutSuffix(lit, ")")
	if !ok || !ok2 {
		t.Fatalf("%s: not a one-[]byte fuzz corpus file", path)
	}
	s, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}

// v1GoldenEvents are the events of testdata/fuzz/FuzzWALSegment/
// v1-previous-version, a segment written by the previous version's own WAL
// writer (encodeWALBatch and wal.write before S2) from these batches, with
// sequence numbers from 1.
func v1GoldenEvents() [][]*event.Event {
	g := newEventGen(5)
	var out [][]*event.Event
	for _, n := range []int{1, 4, 12} {
		evs := g.batch(n)
		evs[0].Set("arr", event.Array(event.Int(1), event.Array(event.String("\xff"))))
		out = append(out, evs)
	}
	return out
}

// TestWALReplayV1 opens stores whose WAL was written by the previous
// version (zstd payloads, magic ...\x01): every event replays once, new
// records go to an S2 segment after it, a WAL mixing both replays, and a
// flush removes the old segments.
func TestWALReplayV1(t *testing.T) {
	golden := readCorpusBytes(t, filepath.Join("testdata", "fuzz", "FuzzWALSegment", "v1-previous-version"))
	if !bytes.HasPrefix(golden, []byte(walMagicV1)) {
		t.Fatalf("golden segment starts %q, want the version 1 magic", golden[:min(8, len(golden))])
	}
	tests := []struct {
		name    string
		batches [][]*event.Event
		// segments returns the v1 WAL segments' bytes, oldest first.
		segments func(batches [][]*event.Event) [][]byte
	}{
		{"previous version's bytes", v1GoldenEvents(), func([][]*event.Event) [][]byte { return [][]byte{golden} }},
		{"two segments", newEventGen(8).batches(50, 1, 200, 7), func(batches [][]*event.Event) [][]byte {
			segs := [][]byte{[]byte(walMagicV1), []byte(walMagicV1)}
			seq := uint64(1)
			for i, b := range batches {
				segs[i*2/len(batches)] = append(segs[i*2/len(batches)], walRecord(seq, encodeWALBatchV1(b))...)
				seq += uint64(len(b))
			}
			return segs
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			walDir := filepath.Join(dir, "wal")
			if err := os.MkdirAll(walDir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i, seg := range tt.segments(tt.batches) {
				if err := os.WriteFile(filepath.Join(walDir, segmentName(uint64(i+1))), seg, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			model := map[uint64]*event.Event{}
			seq := uint64(1)
			for _, b := range tt.batches {
				for _, e := range b {
					e.Seq = seq
					model[seq] = e
					seq++
				}
			}

			s := openT(t, Options{Dir: dir, NoSync: true, BlockRows: 50})
			checkExactlyOnce(t, all(t, s), model)
			appendT(t, s, newEventGen(9).batch(30), model)
			s.crashForTest()

			segs, err := listSegments(vfs.OS, walDir)
			if err != nil {
				t.Fatal(err)
			}
			var v1, v2 int
			for _, n := range segs {
				data, err := os.ReadFile(filepath.Join(walDir, segmentName(n)))
				if err != nil {
					t.Fatal(err)
				}
				switch string(data[:walHeaderLen]) {
				case walMagicV1:
					v1++
				case walMagic:
					v2++
				}
			}
			if v1 == 0 || v2 == 0 {
				t.Fatalf("%d version 1 and %d version 2 segments: want both before the flush", v1, v2)
			}

			s = openT(t, Options{Dir: dir, NoSync: true, BlockRows: 50})
			checkExactlyOnce(t, all(t, s), model)
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			for _, n := range mustSegments(t, walDir) {
				data, err := os.ReadFile(filepath.Join(walDir, segmentName(n)))
				if err != nil {
					t.Fatal(err)
				}
				if bytes.HasPrefix(data, []byte(walMagicV1)) {
					t.Fatalf("version 1 segment %d left after a flush", n)
				}
			}
			s = openT(t, Options{Dir: dir, NoSync: true})
			defer s.Close()
			checkExactlyOnce(t, all(t, s), model)
		})
	}
}

func mustSegments(t *testing.T, walDir string) []uint64 {
	t.Helper()
	segs, err := listSegments(vfs.OS, walDir)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

// batches returns one batch per size.
func (g *eventGen) batches(sizes ...int) [][]*event.Event {
	var out [][]*event.Event
	for _, n := range sizes {
		out = append(out, g.batch(n))
	}
	return out
}

// TestWALSegmentCodec checks that a record decodes with the codec its
// segment's magic announces, and not as the other one.
func TestWALSegmentCodec(t *testing.T) {
	evs := newEventGen(3).batch(40)
	s2Payload, err := encodeWALBatch(evs)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		magic   string
		payload []byte
		wantErr bool
	}{
		{"v2 magic, S2 payload", walMagic, s2Payload, false},
		{"v1 magic, zstd payload", walMagicV1, encodeWALBatchV1(evs), false},
		{"v1 magic, S2 payload", walMagicV1, s2Payload, true},
		{"v2 magic, zstd payload", walMagic, encodeWALBatchV1(evs), true},
		{"unknown magic", "SKWAL\x00\x00\x03", s2Payload, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seg := append([]byte(tt.magic), walRecord(11, tt.payload)...)
			var got []*event.Event
			n, err := scanSegment("seg", seg, false, func(first uint64, events []*event.Event) error {
				if first != 11 {
					t.Errorf("first seq %d, want 11", first)
				}
				got = append(got, events...)
				return nil
			})
			if tt.wantErr {
				if err == nil || !IsCorruption(err) {
					t.Fatalf("got %v, want a corruption error", err)
				}
				return
			}
			if err != nil || n != int64(len(seg)) {
				t.Fatalf("scan: %d of %d bytes, %v", n, len(seg), err)
			}
			if len(got) != len(evs) {
				t.Fatalf("%d events, want %d", len(got), len(evs))
			}
			for i := range evs {
				if d := diffEvent(evs[i], got[i], false); d != "" {
					t.Fatalf("event %d: %s", i, d)
				}
			}
		})
	}
}

// TestWALDecompressRejects feeds broken payloads to both codecs'
// decompression: each fails with a format error, without allocating the
// declared length first.
func TestWALDecompressRejects(t *testing.T) {
	raw := appendEvents(nil, newEventGen(4).batch(20))
	good := s2.Encode(nil, raw)
	withLen := func(n uint32, blk []byte) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, n), blk...)
	}
	tests := []struct {
		name  string
		codec walCodec
		p     []byte
	}{
		{"short", walS2, []byte{1, 0}},
		{"declared length differs from the block's", walS2, withLen(uint32(len(raw)+1), good)},
		{"declared length beyond the expansion bound", walS2, withLen(maxWALPayload, s2.Encode(nil, make([]byte, 10)))},
		{"block length lies", walS2, withLen(uint32(len(raw)), append(binary.AppendUvarint(nil, uint64(len(raw))), good[len(binary.AppendUvarint(nil, uint64(len(raw)))):len(good)/2]...))},
		{"bad block header", walS2, withLen(5, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})},
		{"truncated block", walS2, withLen(uint32(len(raw)), good[:len(good)-3])},
		{"zstd frame in an S2 segment", walS2, encodeWALBatchV1(newEventGen(4).batch(20))},
		{"S2 block in a zstd segment", walZstd, withLen(uint32(len(raw)), good)},
		{"unknown codec", walCodec(9), withLen(uint32(len(raw)), good)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.codec.decompress(tt.p)
			if !errors.Is(err, errFormat) {
				t.Fatalf("got %d bytes, %v; want a format error", len(out), err)
			}
		})
	}
	// And the good block decodes.
	out, err := walS2.decompress(withLen(uint32(len(raw)), good))
	if err != nil || !bytes.Equal(out, raw) {
		t.Fatalf("good block: %v", err)
	}
}

// TestWALHighlyCompressible checks that a batch which S2 compresses beyond
// the expansion bound the reader enforces is still written readable.
func TestWALHighlyCompressible(t *testing.T) {
	e := &event.Event{Time: genStart}
	e.Set("message", event.String(strings.Repeat("a", 200)))
	evs := make([]*event.Event, 60_000)
	for i := range evs {
		evs[i] = e.Clone()
	}
	raw := appendEvents(nil, evs)
	if blk := s2.Encode(nil, raw); expansionOK(uint64(len(raw)), len(blk)) {
		t.Fatalf("%d bytes compress to %d: within the bound, the test needs a more compressible batch", len(raw), len(blk))
	}
	payload, err := encodeWALBatch(evs)
	if err != nil {
		t.Fatal(err)
	}
	_, first, got, err := decodeWALRecord(walRecord(1, payload))
	if err != nil {
		t.Fatalf("%d bytes compressed to %d: %v", len(raw), len(payload), err)
	}
	if first != 1 || len(got) != len(evs) || diffEvent(evs[0], got[len(got)-1], false) != "" {
		t.Fatalf("first %d, %d events", first, len(got))
	}
}

// walSegmentSeeds returns whole segments of both versions.
func walSegmentSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, enc := range []struct {
		magic string
		enc   func([]*event.Event) []byte
	}{
		{walMagic, func(evs []*event.Event) []byte {
			p, err := encodeWALBatch(evs)
			if err != nil {
				tb.Fatal(err)
			}
			return p
		}},
		{walMagicV1, encodeWALBatchV1},
	} {
		g := newEventGen(22)
		seg := []byte(enc.magic)
		seq := uint64(1)
		for _, n := range []int{2, 5} {
			evs := g.batch(n)
			evs[0].Set("arr", event.Array(event.Int(1), event.Array(event.String("\xff"))))
			seg = append(seg, walRecord(seq, enc.enc(evs))...)
			seq += uint64(n)
		}
		out = append(out, seg)
	}
	return out
}

// FuzzWALSegment feeds arbitrary bytes to the segment reader as the last
// segment and as an earlier one, for both magics: it must return an error
// or records whose events re-encode to the same events, never panic or
// allocate without bound; a torn tail is only ever accepted at the end of
// the last segment.
func FuzzWALSegment(f *testing.F) {
	for _, s := range walSegmentSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}
		for _, last := range []bool{false, true} {
			var seqs []uint64
			good, err := scanSegment("seg", b, last, func(first uint64, events []*event.Event) error {
				seqs = append(seqs, first)
				again, err := decodeEvents(appendEvents(nil, events))
				if err != nil {
					return fmt.Errorf("re-encoded events do not decode: %v", err)
				}
				for i := range events {
					if events[i].Seq != first+uint64(i) {
						return fmt.Errorf("event %d of record %d has seq %d", i, first, events[i].Seq)
					}
					if d := diffEvent(events[i], again[i], false); d != "" {
						return fmt.Errorf("round trip of event %d (first seq %d): %s", i, first, d)
					}
				}
				return nil
			})
			if err != nil {
				if !IsCorruption(err) {
					t.Fatalf("last=%v: %v", last, err)
				}
				continue
			}
			if good > int64(len(b)) || (!last && good != int64(len(b))) {
				t.Fatalf("last=%v: valid prefix %d of %d bytes", last, good, len(b))
			}
			if !slices.IsSorted(seqs) {
				t.Fatalf("records out of order: %v", seqs)
			}
		}
	})
}
