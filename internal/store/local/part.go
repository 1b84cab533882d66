package local

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store/local/vfs"
)

// A part is an immutable directory parts/YYYY-MM-DD/<16 hex id>/ holding
// meta.json, index.bin, values.bin and bloom.bin. See docs/format/parts.md.

const (
	// partFormat is written in meta.json. Format 2 added the numCovered
	// flag (a reader of format 1 would prune such columns wrongly); format
	// 1 parts are still read.
	partFormat     = 2
	minPartFormat  = 1
	indexMagic     = "SKIDX\x00\x00\x01"
	metaFile       = "meta.json"
	indexFile      = "index.bin"
	valuesFile     = "values.bin"
	bloomFile      = "bloom.bin"
	maxBlockRaw    = 256 << 20 // bound on one decompressed column block
	maxBlockBytes  = 16 << 20  // a block is cut when its rows' strings exceed this
	maxIndexRaw    = 1 << 30
	numHas         = 1
	numPure        = 2
	numCovered     = 4 // rows stored by reference to column 0 at token boundaries are indexed only there
	numFlags       = numHas | numPure | numCovered
	streamField    = event.FieldDataset
	tmpPrefix      = ".tmp-"
	trashPrefix    = ".trash-"
	partIDHexWidth = 16
)

var (
	partDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxIndexRaw), zstd.WithDecodeAllCapLimit(true))
	partEncoders   sync.Map // zstd.EncoderLevel -> *zstd.Encoder
)

func partEncoder(level zstd.EncoderLevel) *zstd.Encoder {
	if e, ok := partEncoders.Load(level); ok {
		return e.(*zstd.Encoder)
	}
	e, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(4))
	actual, _ := partEncoders.LoadOrStore(level, e)
	return actual.(*zstd.Encoder)
}

// partMeta is meta.json.
type partMeta struct {
	Format      int      `json:"format"`
	ID          uint64   `json:"id"`
	Day         string   `json:"day"`
	Rows        int64    `json:"rows"`
	Blocks      int      `json:"blocks"`
	MinTime     int64    `json:"min_time"`
	MaxTime     int64    `json:"max_time"`
	MinSeq      uint64   `json:"min_seq"`
	MaxSeq      uint64   `json:"max_seq"`
	FlushSeq    uint64   `json:"flush_seq"` // the checkpoint value that commits this part
	Sources     []uint64 `json:"sources,omitempty"`
	ValuesBytes int64    `json:"values_bytes"`
	BloomBytes  int64    `json:"bloom_bytes"`
	IndexBytes  int64    `json:"index_bytes"`
}

func (m *partMeta) size() int64 { return m.ValuesBytes + m.BloomBytes + m.IndexBytes }

type colEntry struct {
	col      uint32
	valOff   int64
	valLen   uint32
	rawLen   uint32
	bloomOff int64
	bloomLen uint32
	num      uint8
	min, max float64
}

type blockHeader struct {
	rows           uint32
	minT, maxT     int64
	minSeq, maxSeq uint64
	metaOff        int64
	metaLen        uint32
	metaRaw        uint32
	cols           []colEntry // ascending col
}

func (b *blockHeader) col(id uint32) *colEntry {
	i, ok := slices.BinarySearchFunc(b.cols, id, func(c colEntry, id uint32) int {
		switch {
		case c.col < id:
			return -1
		case c.col > id:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return &b.cols[i]
}

// ---------------------------------------------------------------- writing

type partWriter struct {
	fs        vfs.FS
	dir       string
	blockRows int
	enc       *zstd.Encoder

	valuesF, bloomF vfs.File
	vw, bw          *bufio.Writer
	valOff, bfOff   int64

	cols   []string
	colID  map[string]uint32
	blocks []blockHeader
	meta   partMeta

	rows     []writerRow
	elems    []event.Value // arrays decoded by gatherEncoded share these allocations
	stream   string
	local    []int32 // colID -> index in jobs, -1 when absent from the block
	used     []uint32
	jobs     []colJob
	order    []int // indexes of jobs, largest first
	names    []nameSlot
	workers  []*colWorker
	raw      []byte
	comp     []byte
	times    []int64
	rowBytes int
	err      error
}

// nameSlot caches the column id of the field name last seen at one
// position of an event: rows of a stream share their layout, and decoders
// use constant names, so the comparison is usually a pointer check.
type nameSlot struct {
	name string
	id   uint32
}

// colJob is one column of the block being written: its values, and once
// encoded its compressed bytes, bloom filter and index entry.
type colJob struct {
	id      uint32
	ref     *colJob // event.original: message may be its suffix, others substrings
	message bool    // the column is message
	vals    []event.Value
	size    int // bytes of strings, to hand out the big columns first
	ce      colEntry
	comp    []byte
	bloom   []byte
}

// colWorker is the scratch space of one encoding goroutine.
type colWorker struct {
	enc    columnEncoder
	th     tokenHasher
	hashes []uint64
	set    hashSet
	raw    []byte
}

// encodeWorkers is how many goroutines encode the columns of a block.
var encodeWorkers = min(runtime.GOMAXPROCS(0), 4)

func newPartWriter(fsys vfs.FS, dir string, blockRows int, level zstd.EncoderLevel) (*partWriter, error) {
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	w := &partWriter{fs: fsys, dir: dir, blockRows: blockRows, enc: partEncoder(level), colID: map[string]uint32{}}
	// event.original is always column 0: suffix and substring sections
	// name it by id, so a merge can copy such blocks between parts as they
	// are (copyBlock).
	w.column(event.FieldOriginal)
	if sc, ok := writerScratchPool.Get().(*writerScratch); ok {
		w.jobs, w.workers = sc.jobs, sc.workers
	}
	var err error
	if w.valuesF, err = fsys.Create(filepath.Join(dir, valuesFile)); err != nil {
		return nil, err
	}
	if w.bloomF, err = fsys.Create(filepath.Join(dir, bloomFile)); err != nil {
		w.valuesF.Close()
		return nil, err
	}
	w.vw = bufio.NewWriterSize(w.valuesF, 1<<20)
	w.bw = bufio.NewWriterSize(w.bloomF, 256<<10)
	w.meta.MinTime, w.meta.MinSeq = math.MaxInt64, math.MaxUint64
	w.meta.MaxTime = math.MinInt64
	return w, nil
}

// writerRow is a row of the block being gathered: an event, or (from a
// flush) an event still encoded in its head record, whose fields the
// gather decodes straight into the columns.
type writerRow struct {
	e  *event.Event
	fr *flushRow
	fp *flushPayload
}

func (r *writerRow) timeSeq() (int64, uint64) {
	if r.e != nil {
		return r.e.Time, r.e.Seq
	}
	return r.fr.t, r.fr.seq
}

// add appends one event of the given stream (its event.dataset); rows
// must come sorted by (stream, time, seq).
func (w *partWriter) add(e *event.Event, stream string) error {
	if w.err != nil {
		return w.err
	}
	w.cut(stream)
	w.rows = append(w.rows, writerRow{e: e})
	w.rowBytes += 8 * len(e.Fields)
	for i := range e.Fields {
		w.rowBytes += len(e.Fields[i].Value.Str())
	}
	return w.err
}

// addEncoded is add for an event of a flush that needs no change (no
// folding): it is decoded once, into the block's columns.
func (w *partWriter) addEncoded(fr *flushRow, fp *flushPayload) error {
	if w.err != nil {
		return w.err
	}
	w.cut(fr.stream)
	w.rows = append(w.rows, writerRow{fr: fr, fp: fp})
	w.rowBytes += int(fr.size)
	return w.err
}

// cut writes the block being gathered when the next row, of stream, must
// start a new one.
func (w *partWriter) cut(stream string) {
	if len(w.rows) > 0 && (len(w.rows) >= w.blockRows || w.rowBytes >= maxBlockBytes || (stream != w.stream && len(w.rows) >= w.blockRows/16)) {
		w.flushBlock()
	}
	w.stream = stream
}

func (w *partWriter) writeValues(p []byte) {
	if w.err == nil {
		_, w.err = w.vw.Write(p)
		w.valOff += int64(len(p))
	}
}

// columnID returns the part-wide id of the column of the field at position
// pos of an event.
func (w *partWriter) columnID(pos int, name string) uint32 {
	if pos < len(w.names) && w.names[pos].name == name {
		return w.names[pos].id
	}
	id := w.column(name)
	if pos < len(w.names) {
		w.names[pos] = nameSlot{name, id}
	} else if pos == len(w.names) {
		w.names = append(w.names, nameSlot{name, id})
	}
	return id
}

// column returns the part-wide id of a column, adding it if new.
func (w *partWriter) column(name string) uint32 {
	id, ok := w.colID[name]
	if !ok {
		id = uint32(len(w.cols))
		w.cols = append(w.cols, name)
		w.colID[name] = id
		w.local = append(w.local, -1)
	}
	return id
}

// copyBlock appends a block of another part as it is stored: row meta,
// column values and bloom filters are copied byte for byte; only column ids
// are renumbered (and the columns put in ascending order of the new ids).
// The caller checks that the block's column references stay valid
// (canCopyBlock). No rows may be pending: add must not have been called.
func (w *partWriter) copyBlock(p *part, bh *blockHeader) error {
	if w.err != nil {
		return w.err
	}
	if len(w.rows) > 0 {
		return fmt.Errorf("store: part writer: copying a block while %d rows are pending", len(w.rows))
	}
	// A block's values (row meta, then its columns in index order) and its
	// bloom filters are contiguous in their files: one read each.
	valEnd, bloomStart, bloomEnd := bh.metaOff+int64(bh.metaLen), int64(-1), int64(0)
	for _, c := range bh.cols {
		valEnd = max(valEnd, c.valOff+int64(c.valLen))
		if c.bloomLen > 0 {
			if bloomStart < 0 {
				bloomStart = c.bloomOff
			}
			bloomEnd = c.bloomOff + int64(c.bloomLen)
		}
	}
	vals, err := readAt(p.values, bh.metaOff, uint32(valEnd-bh.metaOff))
	if err != nil {
		return fmt.Errorf("read %s: %w", filepath.Join(p.dir, valuesFile), err)
	}
	var blooms []byte
	if bloomStart >= 0 {
		if blooms, err = readAt(p.bloom, bloomStart, uint32(bloomEnd-bloomStart)); err != nil {
			return fmt.Errorf("read %s: %w", filepath.Join(p.dir, bloomFile), err)
		}
	}
	nb := *bh
	nb.metaOff = w.valOff
	w.writeValues(vals[:bh.metaLen])
	nb.cols = make([]colEntry, len(bh.cols))
	for i, c := range bh.cols {
		if int(c.col) >= len(p.cols) {
			return corruptf(filepath.Join(p.dir, indexFile), -1, "block column %d of %d", c.col, len(p.cols))
		}
		c.col = w.column(p.cols[c.col])
		nb.cols[i] = c
	}
	slices.SortFunc(nb.cols, func(a, b colEntry) int { return cmpInt(int64(a.col), int64(b.col)) })
	for i := range nb.cols {
		c := &nb.cols[i]
		v := vals[c.valOff-bh.metaOff:][:c.valLen]
		c.valOff = w.valOff
		w.writeValues(v)
		if c.bloomLen > 0 {
			b := blooms[c.bloomOff-bloomStart:][:c.bloomLen]
			c.bloomOff = w.bfOff
			if w.err == nil {
				_, w.err = w.bw.Write(b)
			}
			w.bfOff += int64(len(b))
		}
	}
	w.blocks = append(w.blocks, nb)
	w.meta.Rows += int64(nb.rows)
	w.meta.MinTime, w.meta.MaxTime = min(w.meta.MinTime, nb.minT), max(w.meta.MaxTime, nb.maxT)
	w.meta.MinSeq, w.meta.MaxSeq = min(w.meta.MinSeq, nb.minSeq), max(w.meta.MaxSeq, nb.maxSeq)
	return w.err
}

// gather puts the value of the field at position j of row i (of n) into
// its column.
func (w *partWriter) gather(i, j int, name string, v event.Value, n int) {
	id := w.columnID(j, name)
	li := w.local[id]
	if li < 0 {
		li = int32(len(w.used))
		w.local[id] = li
		w.used = append(w.used, id)
		if int(li) >= len(w.jobs) {
			w.jobs = append(w.jobs, colJob{})
		}
		job := &w.jobs[li]
		job.id, job.size = id, 0
		// Null already: a block clears the values of the jobs it used
		// when it is written (or abandoned), and release clears all.
		job.vals = resizeValues(job.vals, n)
	}
	job := &w.jobs[li]
	if job.vals[i].IsNull() { // the first of duplicate names wins, as in Event.Get
		job.vals[i] = v
		job.size += len(v.Str()) + 4
	}
}

// gatherEncoded decodes the event of a head record straight into the
// columns of row i (of n), without building an Event.
func (w *partWriter) gatherEncoded(i int, fr *flushRow, fp *flushPayload, n int) error {
	return fp.eachField(fr, &w.elems, func(_, pos int, name string, v event.Value) {
		if !v.IsNull() && name != event.FieldTimestamp {
			w.gather(i, pos, name, v, n)
		}
	})
}

func (w *partWriter) flushBlock() {
	rows := w.rows
	n := len(rows)
	if n == 0 || w.err != nil {
		return
	}
	bh := blockHeader{rows: uint32(n), minT: math.MaxInt64, maxT: math.MinInt64, minSeq: math.MaxUint64}
	// Row meta: times and sequence numbers as zigzag deltas.
	raw := w.raw[:0]
	w.times = w.times[:0]
	var pt int64
	var ps uint64
	for i := range rows {
		t, seq := rows[i].timeSeq()
		raw = binary.AppendVarint(raw, t-pt)
		raw = binary.AppendVarint(raw, int64(seq-ps))
		pt, ps = t, seq
		w.times = append(w.times, t)
		bh.minT, bh.maxT = min(bh.minT, t), max(bh.maxT, t)
		bh.minSeq, bh.maxSeq = min(bh.minSeq, seq), max(bh.maxSeq, seq)
	}
	w.comp = w.enc.EncodeAll(raw, w.comp[:0])
	w.raw = raw
	bh.metaOff, bh.metaLen, bh.metaRaw = w.valOff, uint32(len(w.comp)), uint32(len(raw))
	w.writeValues(w.comp)

	// Gather the block's columns.
	for _, id := range w.used {
		w.local[id] = -1
	}
	w.used = w.used[:0]
	for i := range rows {
		if e := rows[i].e; e != nil {
			for j := range e.Fields {
				if f := &e.Fields[j]; !f.Value.IsNull() && f.Name != event.FieldTimestamp {
					w.gather(i, j, f.Name, f.Value, n)
				}
			}
			continue
		}
		if err := w.gatherEncoded(i, rows[i].fr, rows[i].fp, n); err != nil {
			w.err = err
			for k := range w.used {
				clear(w.jobs[k].vals)
			}
			return
		}
	}
	jobs := w.jobs[:len(w.used)]
	var orig *colJob
	if id, ok := w.colID[event.FieldOriginal]; ok && w.local[id] >= 0 {
		orig = &jobs[w.local[id]]
	}
	for i := range jobs {
		jobs[i].ref, jobs[i].message = nil, false
		if orig != nil && &jobs[i] != orig {
			// message may be a suffix of event.original, other strings
			// (ids, names) substrings of it.
			jobs[i].ref = orig
			jobs[i].message = w.cols[jobs[i].id] == event.FieldMessage
		}
	}

	// Encode the columns, the biggest first, on up to encodeWorkers
	// goroutines.
	w.order = w.order[:0]
	for i := range jobs {
		w.order = append(w.order, i)
	}
	slices.SortFunc(w.order, func(a, b int) int { return jobs[b].size - jobs[a].size })
	nw := min(encodeWorkers, len(jobs))
	for len(w.workers) < nw {
		w.workers = append(w.workers, &colWorker{})
	}
	var next atomic.Int32
	work := func(wk *colWorker) {
		for {
			k := int(next.Add(1)) - 1
			if k >= len(w.order) {
				return
			}
			j := &jobs[w.order[k]]
			wk.encodeColumn(j, filter.IsTextField(w.cols[j.id]), w.times, w.enc)
		}
	}
	if nw > 1 {
		var wg sync.WaitGroup
		for _, wk := range w.workers[1:nw] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work(wk)
			}()
		}
		work(w.workers[0])
		wg.Wait()
	} else if nw == 1 {
		work(w.workers[0])
	}

	// Write them in column order.
	for i := range jobs {
		jobs[i].ref = nil
	}
	slices.SortFunc(jobs, func(a, b colJob) int { return cmpInt(int64(a.id), int64(b.id)) })
	bh.cols = make([]colEntry, 0, len(jobs))
	for i := range jobs {
		j := &jobs[i]
		ce := j.ce
		ce.valOff = w.valOff
		w.writeValues(j.comp)
		if len(j.bloom) > 0 {
			ce.bloomOff = w.bfOff
			if w.err == nil {
				_, w.err = w.bw.Write(j.bloom)
			}
			w.bfOff += int64(len(j.bloom))
		}
		bh.cols = append(bh.cols, ce)
		clear(j.vals)
	}
	slices.Sort(w.used)
	for i, id := range w.used {
		w.local[id] = int32(i)
	}
	w.blocks = append(w.blocks, bh)
	w.meta.Rows += int64(n)
	w.meta.MinTime, w.meta.MaxTime = min(w.meta.MinTime, bh.minT), max(w.meta.MaxTime, bh.maxT)
	w.meta.MinSeq, w.meta.MaxSeq = min(w.meta.MinSeq, bh.minSeq), max(w.meta.MaxSeq, bh.maxSeq)
	clear(w.rows)
	w.rows = w.rows[:0]
	w.rowBytes = 0
}

// encodeColumn encodes and compresses one column of a block and builds its
// index entry: the bloom filter of its tokens and values, its numeric
// range.
func (wk *colWorker) encodeColumn(j *colJob, text bool, times []int64, enc *zstd.Encoder) {
	ce := colEntry{col: j.id}
	wk.enc.ref = nil
	if j.ref != nil {
		wk.enc.ref, wk.enc.refCol, wk.enc.refSuffix = j.ref.vals, j.ref.id, j.message
	}
	wk.raw = wk.enc.encode(wk.raw[:0], j.vals, times)
	wk.enc.ref = nil
	j.comp = enc.EncodeAll(wk.raw, j.comp[:0])
	ce.valLen, ce.rawLen = uint32(len(j.comp)), uint32(len(wk.raw))

	// Index: strings and addresses once per distinct value (the encoder
	// collected them), other values one by one.
	var nr numRange
	wk.hashes = wk.hashes[:0]
	if wk.enc.strings > 0 {
		nr.impure = true
		for _, s := range wk.enc.distinct {
			wk.indexString(s, text)
		}
	}
	if wk.enc.strings < wk.enc.present {
		for _, v := range j.vals {
			switch v.Type() {
			case event.TypeNull, event.TypeString, event.TypeIP:
			default:
				wk.indexValue(v, text, &nr)
			}
		}
	}
	wk.hashes = wk.set.dedup(wk.hashes)
	j.bloom = j.bloom[:0]
	if len(wk.hashes) > 0 {
		j.bloom = appendBloom(j.bloom, wk.hashes)
		ce.bloomLen = uint32(len(j.bloom))
	}
	if nr.has {
		ce.num |= numHas
		ce.min, ce.max = nr.min, nr.max
	}
	if !nr.impure {
		ce.num |= numPure
	}
	if wk.enc.covered > 0 && j.ref != nil && j.ref.id == 0 {
		ce.num |= numCovered
	}
	j.ce = ce
}

func (wk *colWorker) indexString(s string, text bool) {
	if text {
		wk.hashes = wk.th.addTextTokens(wk.hashes, s)
		return
	}
	wk.hashes = wk.th.addTokens(wk.hashes, s)
	wk.hashes = wk.th.addValue(wk.hashes, s)
}

func (wk *colWorker) indexValue(v event.Value, text bool, nr *numRange) {
	nr.add(v)
	switch v.Type() {
	case event.TypeArray:
		for _, e := range v.Elems() {
			wk.indexValue(e, text, &numRange{})
		}
	case event.TypeString, event.TypeIP:
		wk.indexString(v.Str(), text)
	case event.TypeTime, event.TypeNull:
	default:
		if !text {
			wk.th.scratch = v.AppendText(wk.th.scratch[:0])
			wk.hashes = wk.th.addValue(wk.hashes, string(wk.th.scratch))
		}
	}
}

// finish writes the index and metadata and syncs every file. The caller
// renames the directory into place.
func (w *partWriter) finish(id uint64, day string, flushSeq uint64, sources []uint64) (*partMeta, error) {
	w.flushBlock()
	if w.err == nil {
		w.err = w.vw.Flush()
	}
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	for _, f := range []vfs.File{w.valuesF, w.bloomF} {
		if w.err == nil {
			w.err = f.Sync()
		}
		if err := f.Close(); w.err == nil {
			w.err = err
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	idx := w.encodeIndex()
	m := &w.meta
	m.Format, m.ID, m.Day, m.Blocks, m.FlushSeq, m.Sources = partFormat, id, day, len(w.blocks), flushSeq, sources
	m.ValuesBytes, m.BloomBytes, m.IndexBytes = w.valOff, w.bfOff, int64(len(idx))
	if err := writeSynced(w.fs, filepath.Join(w.dir, indexFile), idx); err != nil {
		return nil, err
	}
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := writeSynced(w.fs, filepath.Join(w.dir, metaFile), append(mj, '\n')); err != nil {
		return nil, err
	}
	if err := vfs.SyncDir(w.fs, w.dir); err != nil {
		return nil, err
	}
	return m, nil
}

// abort closes the files; the caller removes the directory.
func (w *partWriter) abort() {
	w.valuesF.Close()
	w.bloomF.Close()
}

// writerScratch is the per-column scratch of a part writer (tens of
// megabytes for wide events), kept from one flush or merge to the next.
type writerScratch struct {
	jobs    []colJob
	workers []*colWorker
}

var writerScratchPool sync.Pool // *writerScratch

// release hands the writer's scratch to the next writer, without
// references to events.
func (w *partWriter) release() {
	for i := range w.jobs {
		j := &w.jobs[i]
		clear(j.vals)
		j.ref = nil
	}
	for _, wk := range w.workers {
		clear(wk.enc.distinct)
		clear(wk.enc.dictLst)
		clear(wk.enc.dict)
		wk.enc.ref = nil
	}
	clear(w.rows)
	writerScratchPool.Put(&writerScratch{jobs: w.jobs, workers: w.workers})
	w.jobs, w.workers = nil, nil
}

func writeSynced(fsys vfs.FS, path string, data []byte) error {
	f, err := fsys.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// encodeIndex returns index.bin: magic, u32 body length, u32 CRC32C of the
// body, body = zstd(column names, block headers).
func (w *partWriter) encodeIndex() []byte {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(w.cols)))
	for _, c := range w.cols {
		b = binary.AppendUvarint(b, uint64(len(c)))
		b = append(b, c...)
	}
	b = binary.AppendUvarint(b, uint64(len(w.blocks)))
	for i := range w.blocks {
		bh := &w.blocks[i]
		b = binary.AppendUvarint(b, uint64(bh.rows))
		b = binary.AppendVarint(b, bh.minT)
		b = binary.AppendUvarint(b, uint64(bh.maxT-bh.minT))
		b = binary.AppendUvarint(b, bh.minSeq)
		b = binary.AppendUvarint(b, bh.maxSeq-bh.minSeq)
		b = binary.AppendUvarint(b, uint64(bh.metaLen))
		b = binary.AppendUvarint(b, uint64(bh.metaRaw))
		b = binary.AppendUvarint(b, uint64(len(bh.cols)))
		for _, c := range bh.cols {
			b = binary.AppendUvarint(b, uint64(c.col))
			b = binary.AppendUvarint(b, uint64(c.valLen))
			b = binary.AppendUvarint(b, uint64(c.rawLen))
			b = binary.AppendUvarint(b, uint64(c.bloomLen))
			b = append(b, c.num)
			if c.num&numHas != 0 {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(c.min))
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(c.max))
			}
		}
	}
	body := partEncoder(zstd.SpeedDefault).EncodeAll(b, binary.LittleEndian.AppendUint32(nil, uint32(len(b))))
	out := make([]byte, 0, len(indexMagic)+8+len(body))
	out = append(out, indexMagic...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(body, crcTable))
	return append(out, body...)
}

// decodeIndex parses index.bin; valuesSize and bloomSize bound the offsets.
func decodeIndex(data []byte, valuesSize, bloomSize int64) (cols []string, blocks []blockHeader, err error) {
	if len(data) < len(indexMagic)+8 || string(data[:len(indexMagic)]) != indexMagic {
		return nil, nil, formatErr("bad index header")
	}
	l := binary.LittleEndian.Uint32(data[len(indexMagic):])
	sum := binary.LittleEndian.Uint32(data[len(indexMagic)+4:])
	body := data[len(indexMagic)+8:]
	if uint64(l) != uint64(len(body)) {
		return nil, nil, formatErr("index body of %d bytes, header says %d", len(body), l)
	}
	if crc32.Checksum(body, crcTable) != sum {
		return nil, nil, formatErr("index checksum mismatch")
	}
	if len(body) < 4 {
		return nil, nil, formatErr("short index")
	}
	raw, err := decompress(partDecoder, body[4:], uint64(binary.LittleEndian.Uint32(body)), maxIndexRaw)
	if err != nil {
		return nil, nil, err
	}
	d := decoder{b: raw}
	nc := d.uvarint()
	if nc > uint64(len(raw)) {
		return nil, nil, formatErr("%d columns", nc)
	}
	cols = make([]string, nc)
	for i := range cols {
		l := d.uvarint()
		if l > maxNameLen {
			d.fail("column name of %d bytes", l)
		}
		cols[i] = string(d.bytes(l))
	}
	nb := d.uvarint()
	// A block header takes at least 8 bytes, a column entry 5: bound the
	// allocations by what the bytes can hold.
	if nb > uint64(len(raw)-d.off)/8 {
		return nil, nil, formatErr("%d blocks", nb)
	}
	blocks = make([]blockHeader, nb)
	var voff, boff int64
	for i := range blocks {
		bh := &blocks[i]
		rows := d.uvarint()
		bh.minT = d.varint()
		span := d.uvarint()
		bh.minSeq = d.uvarint()
		sspan := d.uvarint()
		ml, mr := d.uvarint(), d.uvarint()
		ncols := d.uvarint()
		if d.err != nil {
			break
		}
		if rows == 0 || rows > 1<<24 || ml > maxBlockRaw || mr > maxBlockRaw || ncols > nc || ncols > uint64(len(raw)-d.off)/5 {
			return nil, nil, formatErr("block %d: bad header", i)
		}
		bh.rows = uint32(rows)
		bh.maxT = bh.minT + int64(span)
		bh.maxSeq = bh.minSeq + sspan
		if bh.maxT < bh.minT || bh.maxSeq < bh.minSeq {
			return nil, nil, formatErr("block %d: bad ranges", i)
		}
		bh.metaOff, bh.metaLen, bh.metaRaw = voff, uint32(ml), uint32(mr)
		voff += int64(ml)
		bh.cols = make([]colEntry, ncols)
		prev := int64(-1)
		for j := range bh.cols {
			c := &bh.cols[j]
			id := d.uvarint()
			vl, rl, bl := d.uvarint(), d.uvarint(), d.uvarint()
			c.num = d.byte()
			if c.num&^numFlags != 0 && d.err == nil {
				return nil, nil, formatErr("block %d: column flags %#x", i, c.num)
			}
			if c.num&numHas != 0 {
				c.min = math.Float64frombits(d.u64())
				c.max = math.Float64frombits(d.u64())
			}
			if d.err != nil {
				break
			}
			if id >= nc || int64(id) <= prev || vl > maxBlockRaw || rl > maxBlockRaw || bl > maxBlockRaw || bl%bloomBlockBytes != 0 {
				return nil, nil, formatErr("block %d column %d: bad entry", i, j)
			}
			prev = int64(id)
			c.col, c.valOff, c.valLen, c.rawLen = uint32(id), voff, uint32(vl), uint32(rl)
			c.bloomOff, c.bloomLen = boff, uint32(bl)
			voff += int64(vl)
			boff += int64(bl)
		}
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	if !d.done() {
		return nil, nil, formatErr("trailing bytes in index")
	}
	if voff != valuesSize || boff != bloomSize {
		return nil, nil, formatErr("index covers %d/%d bytes of values/bloom files of %d/%d", voff, boff, valuesSize, bloomSize)
	}
	return cols, blocks, nil
}

// ---------------------------------------------------------------- reading

// part is an open part. Its index is loaded on first use. Parts are shared
// by searches and merges through reference counts: the store's part list
// holds one reference; the last release of an obsolete part deletes it.
type part struct {
	fs   vfs.FS
	dir  string
	meta partMeta

	refs     atomic.Int64
	obsolete atomic.Bool
	onZero   func(*part) // deletes the directory of an obsolete part

	once    sync.Once
	loadErr error
	cols    []string
	colID   map[string]uint32
	colNum  map[uint32]*numSummary // part-wide numeric ranges
	blocks  []blockHeader
	newest  []int32 // block indexes by descending maxT (a merged part's blocks are not in time order)
	values  vfs.File
	bloom   vfs.File
}

type numSummary struct {
	min, max float64
	has      bool
	impure   bool
}

func openPart(fsys vfs.FS, dir string) (*part, error) {
	data, err := readAll(fsys, filepath.Join(dir, metaFile))
	if err != nil {
		return nil, err
	}
	p := &part{fs: fsys, dir: dir}
	if err := json.Unmarshal(data, &p.meta); err != nil {
		return nil, corruptf(filepath.Join(dir, metaFile), -1, "bad part metadata: %v", err)
	}
	if p.meta.Format < minPartFormat || p.meta.Format > partFormat {
		return nil, corruptf(filepath.Join(dir, metaFile), -1, "unknown part format %d", p.meta.Format)
	}
	id, err := strconv.ParseUint(filepath.Base(dir), 16, 64)
	if err != nil || id != p.meta.ID {
		return nil, corruptf(filepath.Join(dir, metaFile), -1, "part id %x does not match directory %s", p.meta.ID, filepath.Base(dir))
	}
	p.refs.Store(1)
	return p, nil
}

func (p *part) load() error {
	p.once.Do(func() {
		path := filepath.Join(p.dir, indexFile)
		data, err := readAll(p.fs, path)
		if err != nil {
			p.loadErr = err
			return
		}
		p.cols, p.blocks, err = decodeIndex(data, p.meta.ValuesBytes, p.meta.BloomBytes)
		if err != nil {
			p.loadErr = withPath(err, path, -1)
			return
		}
		p.colID = make(map[string]uint32, len(p.cols))
		for i, c := range p.cols {
			p.colID[c] = uint32(i)
		}
		p.newest = make([]int32, len(p.blocks))
		for i := range p.newest {
			p.newest[i] = int32(i)
		}
		slices.SortStableFunc(p.newest, func(a, b int32) int { return cmpInt(p.blocks[b].maxT, p.blocks[a].maxT) })
		p.colNum = map[uint32]*numSummary{}
		for i := range p.blocks {
			for _, c := range p.blocks[i].cols {
				s := p.colNum[c.col]
				if s == nil {
					s = &numSummary{min: math.Inf(1), max: math.Inf(-1)}
					p.colNum[c.col] = s
				}
				if c.num&numHas != 0 {
					s.has = true
					s.min, s.max = math.Min(s.min, c.min), math.Max(s.max, c.max)
				}
				if c.num&numPure == 0 {
					s.impure = true
				}
			}
		}
		if p.values, err = p.fs.Open(filepath.Join(p.dir, valuesFile)); err != nil {
			p.loadErr = err
			return
		}
		if p.bloom, err = p.fs.Open(filepath.Join(p.dir, bloomFile)); err != nil {
			p.loadErr = err
			return
		}
	})
	return p.loadErr
}

func (p *part) ref() { p.refs.Add(1) }

func (p *part) unref() {
	if p.refs.Add(-1) == 0 {
		if p.values != nil {
			p.values.Close()
		}
		if p.bloom != nil {
			p.bloom.Close()
		}
		if p.obsolete.Load() && p.onZero != nil {
			p.onZero(p)
		}
	}
}

// readAt reads n bytes at off from f into a fresh buffer.
func readAt(f vfs.File, off int64, n uint32) ([]byte, error) {
	b := make([]byte, n)
	_, err := f.ReadAt(b, off)
	return b, err
}

// readBlock reads and decompresses one compressed column block or row meta.
func (p *part) readBlock(off int64, clen, rawLen uint32) ([]byte, error) {
	c, err := readAt(p.values, off, clen)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(p.dir, valuesFile), err)
	}
	raw, err := decompress(partDecoder, c, uint64(rawLen), maxBlockRaw)
	return raw, withPath(err, filepath.Join(p.dir, valuesFile), off)
}

// readRowMeta decodes a block's times and sequence numbers.
func (p *part) readRowMeta(bh *blockHeader, times []int64, seqs []uint64) ([]int64, []uint64, error) {
	raw, err := p.readBlock(bh.metaOff, bh.metaLen, bh.metaRaw)
	if err != nil {
		return nil, nil, err
	}
	times, seqs, err = decodeRowMeta(raw, int(bh.rows), times, seqs)
	return times, seqs, withPath(err, filepath.Join(p.dir, valuesFile), bh.metaOff)
}

func decodeRowMeta(raw []byte, n int, times []int64, seqs []uint64) ([]int64, []uint64, error) {
	times, seqs = slices.Grow(times[:0], n)[:n], slices.Grow(seqs[:0], n)[:n]
	d := decoder{b: raw}
	var t int64
	var s uint64
	for i := 0; i < n; i++ {
		t += d.varint()
		s += uint64(d.varint())
		times[i], seqs[i] = t, s
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	if !d.done() {
		return nil, nil, formatErr("trailing bytes in row meta")
	}
	return times, seqs, nil
}

// readColumn decodes one column of a block into dst; times are the block's
// row times (from readRowMeta).
func (p *part) readColumn(c *colEntry, times []int64, dst []event.Value, ref refResolver) ([]event.Value, error) {
	raw, err := p.readBlock(c.valOff, c.valLen, c.rawLen)
	if err != nil {
		return nil, err
	}
	vals, err := decodeColumnRef(raw, times, dst, ref)
	return vals, withPath(err, filepath.Join(p.dir, valuesFile), c.valOff)
}

// readColumnRows decodes rows (ascending) of one column of a block into
// out (decodeColumnRows).
func (p *part) readColumnRows(c *colEntry, times []int64, rows []int, out []event.Value, ref refResolver) error {
	raw, err := p.readBlock(c.valOff, c.valLen, c.rawLen)
	if err != nil {
		return err
	}
	return withPath(decodeColumnRows(raw, times, rows, out, ref), filepath.Join(p.dir, valuesFile), c.valOff)
}

// bloomHas probes column entry c's filter for hash h.
func (p *part) bloomHas(c *colEntry, h uint64, stats *int64) bool {
	if c.bloomLen == 0 {
		return false
	}
	blk := bloomBlockOf(h, int(c.bloomLen/bloomBlockBytes))
	var buf [bloomBlockBytes]byte
	if _, err := p.bloom.ReadAt(buf[:], c.bloomOff+int64(blk*bloomBlockBytes)); err != nil {
		return true // cannot tell: do not prune
	}
	*stats += bloomBlockBytes
	return bloomBlockHas(buf[:], h)
}
