package local

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/store/local/vfs"
)

// The write-ahead log. See docs/format/wal.md for the byte layout.
//
// A segment is a file wal/NNNNNNNNNNNNNNNN.wal (16 hex digits, increasing):
// an 8-byte magic followed by records. A record is
//
//	[len u32][crc32c u32][body: firstSeq u64, payloadLen u32, compressed payload]
//
// with len = len(body) and the CRC (Castagnoli) over body. The payload is
// appendEvents' encoding; the events get Seq firstSeq, firstSeq+1, ...
// The sequence number sits outside the compressed payload so that callers
// can compress their batches concurrently, before the single WAL writer
// assigns sequence numbers in commit order.
//
// The magic names the codec of every payload in the segment: version 2
// (written now) holds S2 blocks, version 1 (written before) zstd frames.
// A segment is only ever written by one process (a new one starts at each
// Open), so a WAL left by the previous version replays as it was written.

const (
	walMagic        = "SKWAL\x00\x00\x02" // written: S2 payloads
	walMagicV1      = "SKWAL\x00\x00\x01" // read only: zstd payloads
	walHeaderLen    = 8
	walRecHeaderLen = 8
	// maxWALRecord bounds a record's body and its decompressed payload, so a
	// corrupt length never makes the reader allocate without bound.
	maxWALRecord  = 256 << 20
	maxWALPayload = 128 << 20
	walBodyHeader = 12
	walExt        = ".wal"
)

// walCodec is the compression of a segment's record payloads.
type walCodec uint8

const (
	walZstd walCodec = 1 // zstd frame (klauspost, SpeedFastest); read only
	walS2   walCodec = 2 // S2 block (klauspost/compress/s2)
)

// segmentCodec returns the codec that a segment magic announces.
func segmentCodec(magic []byte) (walCodec, bool) {
	switch string(magic) {
	case walMagic:
		return walS2, true
	case walMagicV1:
		return walZstd, true
	}
	return 0, false
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// walDecoder decompresses the zstd payloads of version 1 segments.
var walDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxWALPayload), zstd.WithDecodeAllCapLimit(true))

var (
	walPayloads sync.Pool // *[]byte: uncompressed batches being encoded
	walRecords  sync.Pool // *[]byte: compression scratch
)

// encodeWALBatch returns the record payload for events, [rawLen u32][S2
// block]: the body is completed by the WAL writer, which prefixes the first
// sequence number. The head keeps the result as the batch's compact form.
//
// S2 rather than zstd: on log batches it compresses about 3× faster and
// decompresses about 1.7× faster, for about 1.4× the bytes (see
// BenchmarkWALCodec); the WAL is written once and read at most once, while
// its compression sits on every Append.
func encodeWALBatch(events []*event.Event) ([]byte, error) {
	// The uncompressed payload is scratch: pooled, so that a busy ingest
	// does not allocate (and fault in) megabytes per batch. Its capacity
	// follows the batches it served; append grows it when one is larger.
	bp, _ := walPayloads.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer walPayloads.Put(bp)
	p := appendEvents((*bp)[:0], events)
	*bp = p
	if len(p) > maxWALPayload {
		return nil, fmt.Errorf("batch of %d events encodes to %d bytes, more than the %d a WAL record holds; split it", len(events), len(p), maxWALPayload)
	}
	cp, _ := walRecords.Get().(*[]byte)
	if cp == nil {
		cp = new([]byte)
	}
	defer walRecords.Put(cp)
	// Room for the worst case, so that the encoder never allocates.
	need := 4 + s2.MaxEncodedLen(len(p))
	c := slices.Grow((*cp)[:0], need)[:need]
	*cp = c
	binary.LittleEndian.PutUint32(c, uint32(len(p)))
	blk := s2.Encode(c[4:], p)
	if !expansionOK(uint64(len(p)), len(blk)) {
		// A batch of near-identical events can compress past what the
		// reader accepts from a corrupt record (maxExpansion); the
		// Snappy subset of S2 expands at most ~22×.
		blk = s2.EncodeSnappy(c[4:], p)
	}
	c = c[:4+len(blk)]
	if len(c)+8 > maxWALRecord {
		return nil, fmt.Errorf("batch of %d events compresses to %d bytes, more than the %d a WAL record holds; split it", len(events), len(c), maxWALRecord)
	}
	// The record is kept by the head until flushed: an exact-size copy.
	return slices.Clone(c), nil
}

// expansionOK reports whether rawLen bytes may come from n compressed
// bytes: the bound that decompression enforces against corrupt lengths.
func expansionOK(rawLen uint64, n int) bool {
	return rawLen <= maxWALPayload && rawLen <= uint64(n)*maxExpansion+1<<20
}

// decompress returns the events encoding held by p, a payload compressed
// with c: [rawLen u32][zstd frame or S2 block]. The result is a fresh
// buffer, never reused (decoded strings share it).
func (c walCodec) decompress(p []byte) ([]byte, error) { return c.decompressTo(nil, p) }

// decompressTo is decompress into dst's memory when it is large enough.
func (c walCodec) decompressTo(dst, p []byte) ([]byte, error) {
	if len(p) < 4 {
		return nil, formatErr("WAL payload of %d bytes", len(p))
	}
	rawLen, src := binary.LittleEndian.Uint32(p), p[4:]
	switch c {
	case walZstd:
		return decompress(walDecoder, src, uint64(rawLen), maxWALPayload)
	case walS2:
		if !expansionOK(uint64(rawLen), len(src)) {
			return nil, formatErr("declared length %d for %d compressed bytes", rawLen, len(src))
		}
		n, err := s2.DecodedLen(src)
		if err != nil {
			return nil, formatErr("s2 block header: %v", err)
		}
		if uint64(n) != uint64(rawLen) {
			return nil, formatErr("s2 block of %d bytes, %d declared", n, rawLen)
		}
		if uint64(cap(dst)) < uint64(rawLen) {
			dst = make([]byte, rawLen)
		}
		out, err := s2.Decode(dst[:rawLen], src)
		if err != nil {
			return nil, formatErr("s2: %v", err)
		}
		return out, nil
	}
	return nil, formatErr("unknown WAL codec %d", c)
}

// decodeBody decodes one record body (after the CRC was checked).
func (c walCodec) decodeBody(body []byte) (firstSeq uint64, events []*event.Event, err error) {
	if len(body) < walBodyHeader {
		return 0, nil, formatErr("record body of %d bytes", len(body))
	}
	firstSeq = binary.LittleEndian.Uint64(body)
	p, err := c.decompress(body[8:])
	if err != nil {
		return 0, nil, err
	}
	events, err = decodeEvents(p)
	if err != nil {
		return 0, nil, err
	}
	if firstSeq == 0 || firstSeq+uint64(len(events)) < firstSeq {
		return 0, nil, formatErr("bad sequence number %d", firstSeq)
	}
	for i, e := range events {
		e.Seq = firstSeq + uint64(i)
	}
	return firstSeq, events, nil
}

// decodeRecord decodes one whole record of a segment written with c at the
// start of b: it returns the record's length in b.
func (c walCodec) decodeRecord(b []byte) (n int, firstSeq uint64, events []*event.Event, err error) {
	if len(b) < walRecHeaderLen {
		return 0, 0, nil, io.ErrUnexpectedEOF
	}
	l := binary.LittleEndian.Uint32(b)
	sum := binary.LittleEndian.Uint32(b[4:])
	if l < walBodyHeader || l > maxWALRecord {
		return 0, 0, nil, formatErr("record length %d", l)
	}
	if uint64(len(b)-walRecHeaderLen) < uint64(l) {
		return 0, 0, nil, io.ErrUnexpectedEOF
	}
	body := b[walRecHeaderLen : walRecHeaderLen+int(l)]
	if crc32.Checksum(body, crcTable) != sum {
		return 0, 0, nil, errCRC
	}
	firstSeq, events, err = c.decodeBody(body)
	return walRecHeaderLen + int(l), firstSeq, events, err
}

// decodeWALRecord decodes one record of a segment written now (S2) at the
// start of b; see walCodec.decodeRecord.
func decodeWALRecord(b []byte) (n int, firstSeq uint64, events []*event.Event, err error) {
	return walS2.decodeRecord(b)
}

var errCRC = formatErr("checksum mismatch")

type walSegment struct {
	index   uint64
	lastSeq uint64 // highest sequence number in it; 0 when it holds none
}

// wal appends records to the current segment. It is used by one goroutine
// at a time (the store's commit loop, or Open before that starts), except
// for removeUpTo, which takes mu.
type wal struct {
	fs     vfs.FS
	dir    string
	noSync bool
	segMax int64

	segs    []walSegment // closed segments, oldest first (guarded by the store's walMu)
	cur     vfs.File
	curSeg  walSegment
	curSize int64
	buf     []byte
	broken  error // set after a failed write or sync: the WAL refuses further writes
}

func segmentName(index uint64) string { return fmt.Sprintf("%016x%s", index, walExt) }

func parseSegmentName(name string) (uint64, bool) {
	if !strings.HasSuffix(name, walExt) || len(name) != 16+len(walExt) {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(name, walExt), 16, 64)
	return n, err == nil
}

// listSegments returns the segment indexes in dir, ascending.
func listSegments(fsys vfs.FS, dir string) ([]uint64, error) {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, e := range ents {
		if n, ok := parseSegmentName(e.Name()); ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// replayWAL reads every segment in order and calls fn for each record. A
// torn record at the end of the last segment (a crash during a write) is cut
// off; anything else that does not decode is a corruption error. It returns
// the segments found, with their highest sequence numbers.
func replayWAL(fsys vfs.FS, dir string, fn func(firstSeq uint64, events []*event.Event) error) ([]walSegment, error) {
	idx, err := listSegments(fsys, dir)
	if err != nil {
		return nil, err
	}
	segs := make([]walSegment, 0, len(idx))
	for i, n := range idx {
		last := i == len(idx)-1
		path := filepath.Join(dir, segmentName(n))
		seg := walSegment{index: n}
		data, err := readAll(fsys, path)
		if err != nil {
			return nil, err
		}
		good, err := scanSegment(path, data, last, func(first uint64, events []*event.Event) error {
			if len(events) > 0 {
				seg.lastSeq = first + uint64(len(events)) - 1
			}
			return fn(first, events)
		})
		if err != nil {
			return nil, err
		}
		if good < int64(len(data)) {
			// Torn tail: cut it off so new records never follow garbage.
			if err := truncateFile(fsys, path, good); err != nil {
				return nil, fmt.Errorf("truncate torn WAL tail of %s: %w", path, err)
			}
		}
		segs = append(segs, seg)
	}
	return segs, nil
}

// scanSegment decodes the records of one segment's bytes and returns the
// length of its valid prefix. last says whether a torn tail is acceptable.
func scanSegment(path string, data []byte, last bool, fn func(uint64, []*event.Event) error) (int64, error) {
	if len(data) < walHeaderLen {
		// Both magics share their first 7 bytes.
		if last && bytes.HasPrefix([]byte(walMagic), data) {
			return 0, nil
		}
		return 0, corruptf(path, 0, "short WAL segment header")
	}
	codec, ok := segmentCodec(data[:walHeaderLen])
	if !ok {
		return 0, corruptf(path, 0, "bad WAL segment magic %q", data[:walHeaderLen])
	}
	off := walHeaderLen
	var prevEnd uint64
	for off < len(data) {
		n, first, events, err := codec.decodeRecord(data[off:])
		if err == nil {
			if prevEnd != 0 && first != prevEnd {
				return 0, corruptf(path, int64(off), "sequence %d does not follow %d", first, prevEnd-1)
			}
			prevEnd = first + uint64(len(events))
			if err := fn(first, events); err != nil {
				return 0, err
			}
			off += n
			continue
		}
		if last && tornTail(data[off:], err) {
			return int64(off), nil
		}
		return 0, &corruptionError{path: path, off: int64(off), msg: "bad WAL record", err: err}
	}
	return int64(off), nil
}

// tornTail reports whether the undecodable bytes rest (the end of the last
// segment) look like a write cut short by a crash rather than corruption:
// the record runs past the end of the file, or it is the final record and
// its checksum fails, or everything from it on is zeros (a file extended
// without its data reaching the disk).
func tornTail(rest []byte, err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	if allZero(rest) {
		return true
	}
	if errors.Is(err, errCRC) {
		l := binary.LittleEndian.Uint32(rest)
		return walRecHeaderLen+int(l) == len(rest)
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func readAll(fsys vfs.FS, path string) ([]byte, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func truncateFile(fsys vfs.FS, path string, size int64) error {
	f, err := fsys.OpenAppend(path)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// openWAL prepares a WAL whose existing segments are segs (already replayed);
// new records go to a fresh segment after them.
func openWAL(fsys vfs.FS, dir string, segs []walSegment, noSync bool, segMax int64) (*wal, error) {
	w := &wal{fs: fsys, dir: dir, noSync: noSync, segMax: segMax, segs: segs}
	next := uint64(1)
	if len(segs) > 0 {
		next = segs[len(segs)-1].index + 1
	}
	if err := w.openSegment(next); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *wal) openSegment(index uint64) error {
	path := filepath.Join(w.dir, segmentName(index))
	f, err := w.fs.Create(path)
	if err != nil {
		return fmt.Errorf("create WAL segment: %w", err)
	}
	if _, err := f.Write([]byte(walMagic)); err != nil {
		f.Close()
		return fmt.Errorf("write WAL segment header: %w", err)
	}
	if !w.noSync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("sync WAL segment: %w", err)
		}
		if err := vfs.SyncDir(w.fs, w.dir); err != nil {
			f.Close()
			return fmt.Errorf("sync WAL directory: %w", err)
		}
	}
	w.cur, w.curSeg, w.curSize = f, walSegment{index: index}, walHeaderLen
	return nil
}

// rotate closes the current segment and starts the next one.
func (w *wal) rotate() error {
	if w.broken != nil {
		return w.broken
	}
	if err := w.cur.Close(); err != nil {
		w.broken = fmt.Errorf("close WAL segment: %w", err)
		return w.broken
	}
	w.segs = append(w.segs, w.curSeg)
	if err := w.openSegment(w.curSeg.index + 1); err != nil {
		w.broken = err
		return err
	}
	return nil
}

// rotateIfUsed rotates unless the current segment holds no records yet.
func (w *wal) rotateIfUsed() error {
	if w.curSize <= walHeaderLen {
		return w.broken
	}
	return w.rotate()
}

// walBatch is one Append call's record on its way to the WAL.
type walBatch struct {
	payload  []byte // encodeWALBatch's output
	events   []*event.Event
	firstSeq uint64
}

// write appends one record per batch, assigning sequence numbers from
// *nextSeq, and syncs once. On error nothing is acknowledged and the WAL is
// unusable: after a failed fsync the state of the file is unknown.
func (w *wal) write(batches []*walBatch, nextSeq *uint64) error {
	if w.broken != nil {
		return w.broken
	}
	if w.curSize > walHeaderLen && w.curSize >= w.segMax {
		if err := w.rotate(); err != nil {
			return err
		}
	}
	buf := w.buf[:0]
	seq := *nextSeq
	for _, b := range batches {
		b.firstSeq = seq
		start := len(buf)
		buf = append(buf, make([]byte, walRecHeaderLen)...)
		buf = binary.LittleEndian.AppendUint64(buf, seq)
		buf = append(buf, b.payload...)
		body := buf[start+walRecHeaderLen:]
		binary.LittleEndian.PutUint32(buf[start:], uint32(len(body)))
		binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(body, crcTable))
		seq += uint64(len(b.events))
	}
	if cap(buf) <= 64<<20 {
		w.buf = buf
	}
	if _, err := w.cur.Write(buf); err != nil {
		w.broken = fmt.Errorf("write WAL: %w", err)
		return w.broken
	}
	if !w.noSync {
		if err := w.cur.Sync(); err != nil {
			w.broken = fmt.Errorf("sync WAL: %w", err)
			return w.broken
		}
	}
	w.curSize += int64(len(buf))
	if seq > *nextSeq {
		w.curSeg.lastSeq = seq - 1
	}
	*nextSeq = seq
	return nil
}

// removeUpTo deletes closed segments whose records all have seq <= seq.
func (w *wal) removeUpTo(seq uint64) error {
	keep := w.segs[:0]
	var firstErr error
	for i, s := range w.segs {
		if s.lastSeq <= seq && firstErr == nil {
			if err := w.fs.Remove(filepath.Join(w.dir, segmentName(s.index))); err != nil {
				firstErr = err
				keep = append(keep, w.segs[i:]...)
				break
			}
			continue
		}
		keep = append(keep, s)
	}
	w.segs = keep
	return firstErr
}

func (w *wal) close() error {
	if w.cur == nil {
		return nil
	}
	err := w.cur.Close()
	w.cur = nil
	return err
}

// size returns the bytes held by the WAL's segments (the closed ones as
// estimated from disk).
func (w *wal) diskSize() int64 {
	var n int64
	for _, s := range w.segs {
		if fi, err := w.fs.Stat(filepath.Join(w.dir, segmentName(s.index))); err == nil {
			n += fi.Size()
		}
	}
	return n + w.curSize
}
