package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/shoseki/shoseki/internal/parse/winevent"
)

// Layout constants (libyal "File header", "Chunk", "Event record").
const (
	fileHeaderSize   = 4096
	chunkSize        = 65536
	chunkHeaderSize  = 512
	recordHeaderSize = 24
	minRecordSize    = recordHeaderSize + 4
	maxProblems      = 1000 // problems kept in detail; the rest are only counted
)

var (
	fileMagic   = []byte("ElfFile\x00")
	chunkMagic  = []byte("ElfChnk\x00")
	recordMagic = []byte("**\x00\x00")
)

// File header flags.
const (
	FlagDirty uint32 = 0x1 // the file was not closed cleanly
	FlagFull  uint32 = 0x2
)

// ErrNotEVTX is returned by NewReader for input that does not start with
// the EVTX file signature.
var ErrNotEVTX = errors.New("evtx: not an EVTX file (no ElfFile signature)")

// Header is the EVTX file header.
type Header struct {
	FirstChunk   uint64
	LastChunk    uint64
	NextRecordID uint64
	HeaderSize   uint32
	MinorVersion uint16
	MajorVersion uint16
	BlockSize    uint16 // offset of the first chunk, 4096
	Chunks       uint16 // number of chunks the header claims
	Flags        uint32
	Checksum     uint32 // CRC32 of the first 120 bytes
	ChecksumOK   bool
}

// Problem is a piece of the file that was corrupt, inconsistent or not
// readable. Offset is a file offset.
type Problem struct {
	Offset   int64
	Chunk    int    // chunk index, -1 for the file header
	RecordID uint64 // 0 when unknown
	Msg      string
}

func (p Problem) String() string {
	s := fmt.Sprintf("offset %d", p.Offset)
	if p.Chunk >= 0 {
		s += fmt.Sprintf(" (chunk %d)", p.Chunk)
	}
	if p.RecordID != 0 {
		s += fmt.Sprintf(" record %d", p.RecordID)
	}
	return s + ": " + p.Msg
}

// CorruptError is returned by Next for a chunk or record that could not be
// decoded. The reader has moved past it: the caller may call Next again.
type CorruptError struct{ Problem }

func (e *CorruptError) Error() string { return "evtx: corrupt: " + e.Problem.String() }

// IsCorrupt reports whether err marks corrupt input (as opposed to an I/O
// error).
func IsCorrupt(err error) bool {
	_, ok := errors.AsType[*CorruptError](err)
	return ok
}

// Stats counts what a Reader has seen so far.
type Stats struct {
	Chunks         int // chunk slots visited (file size / 64 KiB, rounded up)
	EmptyChunks    int // never-used (all-zero) chunks
	BadChunks      int // chunks skipped as unreadable
	Records        int // records decoded
	BadRecords     int // records skipped as corrupt
	ChecksumErrors int // header, chunk header and record-data CRC mismatches
	Problems       int // all problems, including those not kept in detail
	Bytes          int64
}

// Reader reads the event records of an EVTX file in file order.
type Reader struct {
	ra     io.ReaderAt
	size   int64
	hdr    Header
	nslots int

	slot     int   // next chunk slot to load
	chunkOff int64 // file offset of the loaded chunk
	buf      []byte
	loaded   bool
	pos, end int // next record and end of record data in the chunk

	p     parser
	res   resolver
	roots []int32
	root  int32 // root element of the current record
	recID uint64
	recAt int64
	wrote time.Time

	raw      []byte // see Raw
	problems []Problem
	stats    Stats
	scratch  []byte
}

// NewReader reads the file header. It fails only for input that is not an
// EVTX file at all or cannot be read; a bad header checksum is a Problem.
func NewReader(ra io.ReaderAt, size int64) (*Reader, error) {
	var hb [128]byte
	if size < int64(len(hb)) {
		if size >= 8 {
			var m [8]byte
			if _, err := ra.ReadAt(m[:], 0); err == nil && !bytes.Equal(m[:], fileMagic) {
				return nil, ErrNotEVTX
			}
		}
		return nil, fmt.Errorf("evtx: file of %d bytes is shorter than a file header", size)
	}
	if _, err := ra.ReadAt(hb[:], 0); err != nil {
		return nil, fmt.Errorf("evtx: reading file header: %w", err)
	}
	if !bytes.Equal(hb[:8], fileMagic) {
		return nil, ErrNotEVTX
	}
	le := binary.LittleEndian
	r := &Reader{ra: ra, size: size, buf: make([]byte, chunkSize), root: none}
	r.res.p = &r.p
	r.hdr = Header{
		FirstChunk:   le.Uint64(hb[8:]),
		LastChunk:    le.Uint64(hb[16:]),
		NextRecordID: le.Uint64(hb[24:]),
		HeaderSize:   le.Uint32(hb[32:]),
		MinorVersion: le.Uint16(hb[36:]),
		MajorVersion: le.Uint16(hb[38:]),
		BlockSize:    le.Uint16(hb[40:]),
		Chunks:       le.Uint16(hb[42:]),
		Flags:        le.Uint32(hb[120:]),
		Checksum:     le.Uint32(hb[124:]),
	}
	r.hdr.ChecksumOK = crc32.ChecksumIEEE(hb[:120]) == r.hdr.Checksum
	if !r.hdr.ChecksumOK {
		r.stats.ChecksumErrors++
		r.problem(0, -1, 0, fmt.Sprintf("file header checksum mismatch (stored %#08x, computed %#08x)",
			r.hdr.Checksum, crc32.ChecksumIEEE(hb[:120])))
	}
	if r.hdr.BlockSize != fileHeaderSize {
		r.problem(40, -1, 0, fmt.Sprintf("file header block size %d, expected %d (using %d)", r.hdr.BlockSize, fileHeaderSize, fileHeaderSize))
	}
	if size > fileHeaderSize {
		r.nslots = int((size - fileHeaderSize + chunkSize - 1) / chunkSize)
	}
	if int(r.hdr.Chunks) > r.nslots {
		r.problem(42, -1, 0, fmt.Sprintf("header lists %d chunks, file holds %d: truncated", r.hdr.Chunks, r.nslots))
	}
	return r, nil
}

// Header returns the file header.
func (r *Reader) Header() Header { return r.hdr }

// Problems returns the corrupt or inconsistent parts seen so far (at most
// 1000 in detail; Stats().Problems counts all).
func (r *Reader) Problems() []Problem { return r.problems }

// Stats returns counts of what was read so far.
func (r *Reader) Stats() Stats { return r.stats }

// RecordOffset returns the file offset of the record last returned by Next.
func (r *Reader) RecordOffset() int64 { return r.recAt }

// Written returns the written time of the record last returned by Next.
func (r *Reader) Written() time.Time { return r.wrote }

func (r *Reader) problem(off int64, chunk int, id uint64, msg string) Problem {
	p := Problem{Offset: off, Chunk: chunk, RecordID: id, Msg: msg}
	r.stats.Problems++
	if len(r.problems) < maxProblems {
		r.problems = append(r.problems, p)
	}
	return p
}

func (r *Reader) corrupt(off int64, id uint64, msg string) error {
	return &CorruptError{r.problem(off, r.slot-1, id, msg)}
}

// Next decodes the next record into rec, overwriting it (rec.Data's backing
// array is reused). It returns io.EOF after the last record, a *CorruptError
// for a chunk or record it had to skip (call Next again to go on), or
// another error if reading failed.
func (r *Reader) Next(rec *winevent.Record) error {
	r.raw = nil
	for {
		if !r.loaded {
			if r.slot >= r.nslots {
				return io.EOF
			}
			if err := r.loadChunk(); err != nil {
				return err
			}
			continue
		}
		if r.pos+minRecordSize > r.end {
			r.loaded = false
			continue
		}
		return r.nextRecord(rec)
	}
}

// loadChunk reads chunk slot r.slot and checks its header. An all-zero
// (never used) chunk is skipped silently.
func (r *Reader) loadChunk() error {
	i := r.slot
	r.slot++
	r.stats.Chunks++
	off := int64(fileHeaderSize) + int64(i)*chunkSize
	n := int64(chunkSize)
	if r.size-off < n {
		n = r.size - off
	}
	buf := r.buf[:chunkSize]
	m, err := r.ra.ReadAt(buf[:n], off)
	if err != nil && !(errors.Is(err, io.EOF) && int64(m) == n) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			n = int64(m)
		} else {
			return fmt.Errorf("evtx: reading chunk %d at offset %d: %w", i, off, err)
		}
	}
	r.buf = buf[:n]
	r.chunkOff = off
	r.stats.Bytes += n
	if allZero(r.buf[:min(len(r.buf), chunkHeaderSize)]) {
		r.stats.EmptyChunks++
		return nil
	}
	r.raw = r.buf[:min(len(r.buf), chunkHeaderSize)]
	if n < chunkHeaderSize {
		r.stats.BadChunks++
		return r.corrupt(off, 0, fmt.Sprintf("chunk truncated to %d bytes, shorter than its header", n))
	}
	if !bytes.Equal(r.buf[:8], chunkMagic) {
		r.stats.BadChunks++
		return r.corrupt(off, 0, fmt.Sprintf("bad chunk signature %q", r.buf[:8]))
	}
	le := binary.LittleEndian
	h := r.buf
	crc := crc32.Update(crc32.ChecksumIEEE(h[:120]), crc32.IEEETable, h[128:chunkHeaderSize])
	if stored := le.Uint32(h[124:]); crc != stored {
		r.stats.ChecksumErrors++
		r.problem(off+124, i, 0, fmt.Sprintf("chunk header checksum mismatch (stored %#08x, computed %#08x); reading it anyway", stored, crc))
	}
	if n < chunkSize {
		r.problem(off, i, 0, fmt.Sprintf("chunk truncated to %d bytes", n))
	}
	free := int(le.Uint32(h[48:]))
	r.end = free
	if free < chunkHeaderSize || free > len(r.buf) {
		r.problem(off+48, i, 0, fmt.Sprintf("free-space offset %d out of range; scanning the whole chunk", free))
		r.end = len(r.buf)
	} else if stored := le.Uint32(h[52:]); crc32.ChecksumIEEE(r.buf[chunkHeaderSize:free]) != stored {
		r.stats.ChecksumErrors++
		r.problem(off+52, i, 0, fmt.Sprintf("event records checksum mismatch (stored %#08x); reading records anyway", stored))
	}
	r.raw = nil
	r.p.reset(r.buf)
	r.pos = chunkHeaderSize
	r.loaded = true
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// validRecordAt reports whether a well-framed record starts at chunk offset
// pos: signature, a size that fits the chunk, and the trailing size copy.
func (r *Reader) validRecordAt(pos int) bool {
	b := r.buf
	if pos < 0 || pos+minRecordSize > len(b) || !bytes.Equal(b[pos:pos+4], recordMagic) {
		return false
	}
	size := int(binary.LittleEndian.Uint32(b[pos+4:]))
	if size < minRecordSize || size > len(b)-pos {
		return false
	}
	return int(binary.LittleEndian.Uint32(b[pos+size-4:])) == size
}

// resync finds the next well-framed record after a corrupt one.
func (r *Reader) resync(from int) {
	for p := from; p+minRecordSize <= r.end; p++ {
		if r.buf[p] == '*' && r.validRecordAt(p) {
			r.pos = p
			return
		}
	}
	r.pos = r.end
}

func (r *Reader) nextRecord(rec *winevent.Record) error {
	pos := r.pos
	at := r.chunkOff + int64(pos)
	if !r.validRecordAt(pos) {
		r.stats.BadRecords++
		msg := "bad record framing (signature, size or size copy)"
		if !bytes.Equal(r.buf[pos:pos+4], recordMagic) {
			msg = fmt.Sprintf("bad record signature %q", r.buf[pos:pos+4])
		}
		r.resync(pos + 1)
		r.raw = r.buf[pos:r.pos]
		if r.pos >= r.end && allZero(r.buf[pos:r.end]) {
			// Zero padding after the last record, not corruption.
			r.stats.BadRecords--
			return r.Next(rec)
		}
		if r.pos >= r.end {
			msg += "; rest of chunk skipped"
		}
		return r.corrupt(at, 0, msg)
	}
	le := binary.LittleEndian
	size := int(le.Uint32(r.buf[pos+4:]))
	id := le.Uint64(r.buf[pos+8:])
	r.pos = pos + size
	r.raw = r.buf[pos:r.pos]
	r.recID, r.recAt = id, at
	r.wrote = filetimeToTime(le.Uint64(r.buf[pos+16:]))
	if err := r.decode(pos+recordHeaderSize, pos+size-4); err != nil {
		r.stats.BadRecords++
		r.root = none
		return r.corrupt(at, id, err.Error())
	}
	r.fill(rec)
	r.stats.Records++
	return nil
}

// decode parses and resolves the BinXML in [start, end) of the chunk.
func (r *Reader) decode(start, end int) error {
	r.p.vals = r.p.vals[:0]
	r.p.depth = 0
	r.p.work = 0
	r.res.reset()
	r.roots = r.roots[:0]
	r.root = none
	c := cursor{pos: start, end: end}
	nodes, err := r.p.parseDocument(&c)
	if err != nil {
		return err
	}
	r.p.depth = 0
	if err := r.res.resolve(none, nodes, nil, override{}, &r.roots); err != nil {
		return err
	}
	if len(r.roots) == 0 {
		return &parseError{off: start, msg: "record holds no element"}
	}
	r.root = r.roots[0]
	return nil
}
