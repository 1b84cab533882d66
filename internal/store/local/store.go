package local

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/store"
	"github.com/shoseki/shoseki/internal/store/local/vfs"
)

// Options configure a Store. The zero value of every field but Dir selects
// a default.
type Options struct {
	// Dir is the data directory; wal/ and parts/ are created under it.
	Dir string
	// FlushInterval bounds how long an event stays in the head before it is
	// flushed to a part (default 10s).
	FlushInterval time.Duration
	// FlushEvents seals the head for a flush when it holds this many
	// events (default 256Ki); a flush writes about this many at a time (it
	// decompresses them, then decodes them a block at a time in sorted
	// order). The unflushed events (kept compressed) may grow to
	// backlogTables×FlushEvents while flushes catch up; beyond that Append
	// waits (back-pressure).
	FlushEvents int
	// FlushBytes seals the head when it holds this many bytes of
	// compressed events (default 64 MiB; the head keeps each batch as its
	// compressed WAL record). Append waits while the unflushed events take
	// more than 4×FlushBytes.
	FlushBytes int64
	// BlockRows is the number of rows per block in parts (default 16384:
	// against 8192 it saves about 4% of disk on mixed logs; see doc.go).
	BlockRows int
	// NoSync turns off fsync of the WAL and of parts: for tests and
	// benchmarks only, it gives up durability across power loss.
	NoSync bool
	// Retention drops whole day partitions whose newest possible event is
	// older than this (0 keeps forever).
	Retention time.Duration
	// MaxBytes drops the oldest day partitions while parts take more than
	// this many bytes (0 = no limit). The newest day is never dropped.
	MaxBytes int64
	// Logger receives background errors and notable events (default: discard).
	Logger *slog.Logger
	// Registerer, when set, receives the store's Prometheus metrics.
	Registerer prometheus.Registerer

	// Fold, when set, may replace a flushed batch by fewer events standing
	// for the same ones (aggregate.Folder.Fold: identical events become one
	// row with event.count). It must not modify the events it is given
	// (searches may be reading them) but may return new ones.
	Fold func([]*event.Event) []*event.Event
	// FoldStream, when set, says which streams (event.dataset values) Fold
	// may change: Fold is then given only runs of rows of one such stream,
	// and the others are stored without a look (most logs have no rule).
	FoldStream func(stream string) bool

	// FS is the filesystem the store writes through (default vfs.OS); tests
	// substitute one that fails on purpose.
	FS vfs.FS
	// NoBackgroundMerge turns off background merges (tests and tools that
	// want to control the part layout; retention still runs).
	NoBackgroundMerge bool
	// MergeFanIn is the most parts merged at once (default 8).
	MergeFanIn int
	// PartCompression is the zstd level of parts (default zstd.SpeedDefault;
	// SpeedBetterCompression makes parts about a tenth smaller on logs for
	// about 1.5 µs more CPU per event, a few percent of ingest; the WAL
	// uses S2).
	PartCompression zstd.EncoderLevel
	// WALSegmentBytes starts a new WAL segment beyond this size (default 64 MiB).
	WALSegmentBytes int64
}

func (o *Options) setDefaults() error {
	if o.Dir == "" {
		return errors.New("store: Options.Dir is required")
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 10 * time.Second
	}
	if o.FlushEvents <= 0 {
		o.FlushEvents = 256 << 10
	}
	if o.FlushBytes <= 0 {
		o.FlushBytes = 64 << 20
	}
	if o.BlockRows <= 0 {
		o.BlockRows = 16384
	}
	if o.BlockRows > 1<<20 {
		return fmt.Errorf("store: Options.BlockRows %d is above the limit of %d", o.BlockRows, 1<<20)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.FS == nil {
		o.FS = vfs.OS
	}
	if o.MergeFanIn < 2 {
		o.MergeFanIn = 8
	}
	if o.PartCompression == 0 {
		o.PartCompression = zstd.SpeedDefault
	}
	if o.WALSegmentBytes <= 0 {
		o.WALSegmentBytes = 64 << 20
	}
	if o.Retention < 0 || o.MaxBytes < 0 {
		return errors.New("store: Options.Retention and MaxBytes must not be negative")
	}
	return nil
}

// Store is the embedded event store. See the package documentation.
type Store struct {
	opts Options
	fs   vfs.FS
	log  *slog.Logger
	m    *metrics
	lock *os.File

	walDir, partsDir string

	// Commit path.
	appendCh chan *appendReq
	walMu    sync.Mutex // guards wal and nextSeq
	wal      *wal
	nextSeq  uint64

	mu       sync.RWMutex
	head     *memTable
	flushing []*memTable // taken from the head, not yet in parts; oldest first
	parts    []*part
	merging  map[*part]bool
	closed   bool
	roomCh   chan struct{} // closed and replaced when a flush frees memory

	inflight sync.WaitGroup // Append calls past the closed check

	flushMu    sync.Mutex // one flush at a time; guards checkpoint
	checkpoint uint64     // highest seq whose events are all in parts
	nextPartID atomic.Uint64

	// testHook, when set by a test, is called at named points of flushes and
	// merges; a non-nil error aborts the operation on the spot, leaving the
	// disk as a crash at that point would.
	testHook func(point string) error

	flushKick chan struct{}
	mergeKick chan struct{}
	stop      chan struct{}
	commitWG  sync.WaitGroup
	bgWG      sync.WaitGroup
}

var _ store.Store = (*Store)(nil)

type appendReq struct {
	batch walBatch
	done  chan error
}

const checkpointMagic = "SKCKPT01"

// Open opens or creates the store in opts.Dir. It loads part metadata (not
// the data), removes what an interrupted flush, merge or retention run left
// behind, and replays the WAL into the head.
func Open(opts Options) (*Store, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	s := &Store{
		opts:      opts,
		fs:        opts.FS,
		log:       opts.Logger,
		walDir:    filepath.Join(opts.Dir, "wal"),
		partsDir:  filepath.Join(opts.Dir, "parts"),
		appendCh:  make(chan *appendReq, 256),
		head:      newMemTable(),
		merging:   map[*part]bool{},
		roomCh:    make(chan struct{}),
		flushKick: make(chan struct{}, 1),
		mergeKick: make(chan struct{}, 1),
		stop:      make(chan struct{}),
	}
	var err error
	if s.m, err = newMetrics(opts.Registerer); err != nil {
		return nil, fmt.Errorf("store: register metrics: %w", err)
	}
	for _, d := range []string{opts.Dir, s.walDir, s.partsDir} {
		if err := s.fs.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	if s.lock, err = lockDir(opts.Dir); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := s.recover(); err != nil {
		s.releaseParts()
		s.lock.Close()
		return nil, err
	}
	s.commitWG.Add(1)
	go s.commitLoop()
	s.bgWG.Add(2)
	go s.flushLoop()
	go s.maintenanceLoop()
	s.updateGauges()
	return s, nil
}

func (s *Store) recover() error {
	ck, err := s.readCheckpoint()
	if err != nil {
		return err
	}
	s.checkpoint = ck
	maxSeq := ck
	if err := s.loadParts(); err != nil {
		return err
	}
	for _, p := range s.parts {
		maxSeq = max(maxSeq, p.meta.MaxSeq)
	}
	replayed := 0
	segs, err := replayWAL(s.fs, s.walDir, func(first uint64, events []*event.Event) error {
		last := first + uint64(len(events)) - 1
		if len(events) == 0 || last <= ck {
			return nil
		}
		if first <= ck {
			events = events[ck-first+1:]
		}
		payload, err := encodeWALBatch(events)
		if err != nil {
			return err
		}
		s.head.add(payload, events)
		if s.head.len() >= s.opts.FlushEvents || s.head.bytes >= s.opts.FlushBytes {
			s.sealHeadLocked()
		}
		replayed += len(events)
		maxSeq = max(maxSeq, last)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: replay WAL: %w", err)
	}
	s.nextSeq = maxSeq + 1
	if s.wal, err = openWAL(s.fs, s.walDir, segs, s.opts.NoSync, s.opts.WALSegmentBytes); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	// Segments wholly covered by the checkpoint are leftovers of a crash
	// between a flush and its WAL cleanup.
	if err := s.wal.removeUpTo(ck); err != nil {
		s.log.Warn("store: removing flushed WAL segments", "err", err)
	}
	s.log.Info("store opened", "dir", s.opts.Dir, "parts", len(s.parts), "replayed_events", replayed, "checkpoint", ck, "next_seq", s.nextSeq)
	return nil
}

func (s *Store) readCheckpoint() (uint64, error) {
	path := filepath.Join(s.opts.Dir, "checkpoint")
	data, err := readAll(s.fs, path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	if len(data) != len(checkpointMagic)+12 || string(data[:8]) != checkpointMagic ||
		crc32.Checksum(data[:16], crcTable) != binary.LittleEndian.Uint32(data[16:]) {
		return 0, corruptf(path, 0, "bad checkpoint file")
	}
	return binary.LittleEndian.Uint64(data[8:]), nil
}

func (s *Store) writeCheckpoint(seq uint64) error {
	b := append([]byte(checkpointMagic), make([]byte, 12)...)
	binary.LittleEndian.PutUint64(b[8:], seq)
	binary.LittleEndian.PutUint32(b[16:], crc32.Checksum(b[:16], crcTable))
	return vfs.WriteFileAtomic(s.fs, s.opts.Dir, filepath.Join(s.opts.Dir, "checkpoint"), b)
}

// loadParts opens every committed part and removes leftovers: temporary
// and trash directories, parts written by a flush that never reached its
// checkpoint, and sources of a merge whose result is in place.
func (s *Store) loadParts() error {
	days, err := s.fs.ReadDir(s.partsDir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	var parts []*part
	var maxID uint64
	for _, d := range days {
		dayDir := filepath.Join(s.partsDir, d.Name())
		if strings.HasPrefix(d.Name(), ".") {
			if err := s.fs.RemoveAll(dayDir); err != nil {
				return fmt.Errorf("store: remove leftover %s: %w", dayDir, err)
			}
			continue
		}
		if !d.IsDir() {
			continue
		}
		ents, err := s.fs.ReadDir(dayDir)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if len(ents) == 0 {
			s.fs.Remove(dayDir)
			continue
		}
		for _, e := range ents {
			pdir := filepath.Join(dayDir, e.Name())
			if strings.HasPrefix(e.Name(), ".") {
				if err := s.fs.RemoveAll(pdir); err != nil {
					return fmt.Errorf("store: remove leftover %s: %w", pdir, err)
				}
				if id, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(e.Name(), tmpPrefix), trashPrefix), 16, 64); err == nil {
					maxID = max(maxID, id)
				}
				continue
			}
			p, err := openPart(s.fs, pdir)
			if err != nil {
				return fmt.Errorf("store: open part: %w", err)
			}
			maxID = max(maxID, p.meta.ID)
			parts = append(parts, p)
		}
	}
	obsolete := map[uint64]bool{}
	for _, p := range parts {
		for _, src := range p.meta.Sources {
			obsolete[src] = true
		}
	}
	for _, p := range parts {
		switch {
		case obsolete[p.meta.ID]:
			s.log.Info("store: removing part replaced by a merge", "part", p.dir)
		case p.meta.FlushSeq > s.checkpoint:
			s.log.Info("store: removing part of an unfinished flush (its events are in the WAL)", "part", p.dir)
		default:
			p.onZero = s.deletePart
			s.parts = append(s.parts, p)
			continue
		}
		if err := s.trashPart(p); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	s.nextPartID.Store(maxID)
	return nil
}

// trashPart renames a part's directory out of sight (atomic) and removes it.
func (s *Store) trashPart(p *part) error {
	trash := filepath.Join(filepath.Dir(p.dir), trashPrefix+filepath.Base(p.dir))
	if err := s.fs.Rename(p.dir, trash); err != nil {
		return err
	}
	if !s.opts.NoSync {
		if err := vfs.SyncDir(s.fs, filepath.Dir(p.dir)); err != nil {
			return err
		}
	}
	return s.fs.RemoveAll(trash)
}

// deletePart is the onZero hook of live parts: the last reference to an
// obsolete part is gone, so its files go too.
func (s *Store) deletePart(p *part) {
	if err := s.trashPart(p); err != nil {
		s.log.Error("store: deleting obsolete part", "part", p.dir, "err", err)
		s.m.backgroundError.Inc()
		return
	}
	// Remove the day directory when it is empty (Remove fails otherwise).
	s.fs.Remove(filepath.Dir(p.dir))
}

// Append makes events durable and searchable, assigning each its Seq. It
// returns after the WAL record holding them is fsynced (group commit).
func (s *Store) Append(ctx context.Context, events []*event.Event) error {
	if len(events) == 0 {
		return nil
	}
	for _, e := range events {
		nulls := false
		for i := range e.Fields {
			if n := e.Fields[i].Name; n == "" || n == event.FieldTimestamp || len(n) > maxNameLen {
				return fmt.Errorf("store: event has an invalid field name %q (empty, @timestamp, or longer than %d bytes)", n, maxNameLen)
			}
			nulls = nulls || e.Fields[i].Value.IsNull()
		}
		if nulls {
			// A null field is an absent one (Event.Set deletes them);
			// columns cannot tell the two apart, so neither does the WAL.
			e.Fields = slices.DeleteFunc(e.Fields, func(f event.Field) bool { return f.Value.IsNull() })
		}
	}
	start := time.Now()
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	s.inflight.Add(1)
	s.mu.RUnlock()
	defer s.inflight.Done()

	if err := s.waitForRoom(ctx); err != nil {
		return err
	}
	payload, err := encodeWALBatch(events)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	req := &appendReq{batch: walBatch{payload: payload, events: events}, done: make(chan error, 1)}
	select {
	case s.appendCh <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the batch will be committed or failed; wait for it even if
	// ctx ends, so that a nil error always means durable.
	if err := <-req.done; err != nil {
		return fmt.Errorf("store: append: %w", err)
	}
	s.m.appendSeconds.Observe(time.Since(start).Seconds())
	return nil
}

// backlogTables is how many FlushEvents the unflushed events may reach
// before Append waits.
const backlogTables = 4

// waitForRoom blocks while the unflushed events exceed
// backlogTables×FlushEvents or 4×FlushBytes.
func (s *Store) waitForRoom(ctx context.Context) error {
	limit, limitBytes := backlogTables*s.opts.FlushEvents, 4*s.opts.FlushBytes
	for {
		s.mu.RLock()
		n, b := s.head.len(), s.head.bytes
		for _, m := range s.flushing {
			n += m.len()
			b += m.bytes
		}
		ch := s.roomCh
		s.mu.RUnlock()
		if n < limit && b < limitBytes {
			return nil
		}
		s.kick(s.flushKick)
		select {
		case <-ch:
		case <-s.stop:
			return store.ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Store) kick(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// commitLoop is the single WAL writer: it takes every queued batch, writes
// them as records, fsyncs once, publishes them to the head and acknowledges.
func (s *Store) commitLoop() {
	defer s.commitWG.Done()
	var reqs []*appendReq
	var batches []*walBatch
	for {
		r, ok := <-s.appendCh
		if !ok {
			return
		}
		reqs = append(reqs[:0], r)
		size := len(r.batch.payload)
	drain:
		for size < 32<<20 {
			select {
			case r, ok := <-s.appendCh:
				if !ok {
					break drain
				}
				reqs = append(reqs, r)
				size += len(r.batch.payload)
			default:
				break drain
			}
		}
		batches = batches[:0]
		for _, r := range reqs {
			batches = append(batches, &r.batch)
		}
		start := time.Now()
		s.walMu.Lock()
		err := s.wal.write(batches, &s.nextSeq)
		s.walMu.Unlock()
		s.m.fsyncSeconds.Observe(time.Since(start).Seconds())
		if err == nil {
			n := 0
			for _, b := range batches {
				for i, e := range b.events {
					e.Seq = b.firstSeq + uint64(i)
				}
				n += len(b.events)
			}
			s.mu.Lock()
			for _, b := range batches {
				s.head.add(b.payload, b.events)
			}
			headLen, headBytes := s.head.len(), s.head.bytes
			if headLen >= s.opts.FlushEvents || headBytes >= s.opts.FlushBytes {
				// Sealed: flushes take tables of about FlushEvents.
				s.sealHeadLocked()
			}
			s.mu.Unlock()
			s.m.eventsAppended.Add(float64(n))
			s.m.commitBatches.Inc()
			s.m.headEvents.Set(float64(headLen))
			if headLen >= s.opts.FlushEvents || headBytes >= s.opts.FlushBytes {
				s.kick(s.flushKick)
			}
		} else {
			s.log.Error("store: WAL write failed; the store refuses further appends until reopened", "err", err)
		}
		for _, r := range reqs {
			r.done <- err
		}
		clear(reqs)
	}
}

// Flush writes the head to parts now.
func (s *Store) Flush(ctx context.Context) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return store.ErrClosed
	}
	return s.flush()
}

func (s *Store) flush() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	start := time.Now()
	s.mu.Lock()
	s.sealHeadLocked()
	pending := len(s.flushing)
	s.mu.Unlock()
	if pending == 0 {
		return nil
	}
	// New records go to a fresh segment, so the ones before can be
	// deleted once the checkpoint covers them.
	s.walMu.Lock()
	if err := s.wal.rotateIfUsed(); err != nil {
		s.log.Error("store: rotating WAL segment", "err", err)
	}
	s.walMu.Unlock()
	// The sealed tables are flushed a few at a time, about FlushEvents
	// events per step: the events are decoded for the flush, and that
	// bounds how many are in memory at once.
	for pending > 0 {
		s.mu.RLock()
		k, n := 0, 0
		for k < pending && (k == 0 || n+s.flushing[k].len() <= s.opts.FlushEvents) {
			n += s.flushing[k].len()
			k++
		}
		tables := slices.Clone(s.flushing[:k])
		s.mu.RUnlock()
		if err := s.flushTables(tables, n); err != nil {
			return err
		}
		pending -= k
	}
	s.m.flushSeconds.Observe(time.Since(start).Seconds())
	s.updateGauges()
	s.kick(s.mergeKick)
	return nil
}

// sealHeadLocked moves a non-empty head to the tables awaiting a flush.
// s.mu must be held for writing.
func (s *Store) sealHeadLocked() {
	if s.head.len() > 0 {
		s.flushing = append(s.flushing, s.head)
		s.head = newMemTable()
	}
}

// flushTables writes the oldest sealed tables (holding n events) to parts
// and commits them with the checkpoint. s.flushMu must be held.
func (s *Store) flushTables(tables []*memTable, n int) error {
	start := time.Now()
	flushSeq := tables[len(tables)-1].maxSeq
	// The events are located, not decoded: writeParts decodes them a
	// block at a time in sorted order.
	var recs []*headRec
	for _, t := range tables {
		for i := range t.recs {
			recs = append(recs, &t.recs[i])
		}
	}
	payloads, rows, err := scanRecords(recs, n)
	if err != nil {
		s.m.backgroundError.Inc()
		return fmt.Errorf("store: flush: decoding the head: %w", err)
	}
	parts, err := s.writeParts(rows, payloads, flushSeq)
	// The parts are written (or abandoned): no event decoded from the
	// payloads is used any more.
	for i := range payloads {
		payloads[i].release()
	}
	if err == nil && s.testHook != nil {
		if herr := s.testHook("flush-before-checkpoint"); herr != nil {
			return herr
		}
	}
	if err == nil {
		// The checkpoint commits the new parts: until it is durable, a
		// restart removes them and replays their events from the WAL.
		err = s.writeCheckpoint(flushSeq)
		if err != nil {
			for _, p := range parts {
				s.trashPart(p)
			}
		}
	}
	if err != nil {
		s.m.backgroundError.Inc()
		return fmt.Errorf("store: flush: %w", err)
	}
	s.checkpoint = flushSeq
	if s.testHook != nil {
		if herr := s.testHook("flush-after-checkpoint"); herr != nil {
			return herr
		}
	}
	s.mu.Lock()
	s.parts = append(s.parts, parts...)
	// Clear the slots so the backing array does not keep the flushed
	// tables' records alive.
	clear(s.flushing[:len(tables)])
	s.flushing = s.flushing[len(tables):]
	close(s.roomCh)
	s.roomCh = make(chan struct{})
	s.mu.Unlock()

	s.walMu.Lock()
	err = s.wal.removeUpTo(flushSeq)
	s.walMu.Unlock()
	if err != nil {
		s.log.Warn("store: removing flushed WAL segments", "err", err)
	}
	s.log.Debug("store: flushed", "events", n, "parts", len(parts), "seq", flushSeq, "took", time.Since(start))
	return nil
}

// scanRecords decompresses and scans the head records of a flush on up to
// GOMAXPROCS goroutines (a flush's one sequential step that is not
// per-block), returning their payloads and rows in record order.
func scanRecords(recs []*headRec, n int) ([]flushPayload, []flushRow, error) {
	payloads := make([]flushPayload, len(recs))
	perRec := make([][]flushRow, len(recs))
	errs := make([]error, len(recs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(recs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(recs) {
					return
				}
				payloads[i], perRec[i], errs[i] = recs[i].scan(int32(i), make([]flushRow, 0, recs[i].n))
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for i := range payloads {
			payloads[i].release()
		}
		return nil, nil, err
	}
	// One copy of each stream and field name across the payloads: sorting
	// and cutting blocks compare the streams of rows scattered over the
	// payloads, the part writer recognizes a column by its name, and equal
	// pointers compare at once.
	interned := map[string]string{}
	intern := func(s string) string {
		if in, ok := interned[s]; ok {
			return in
		}
		if len(interned) >= 1<<16 {
			return s
		}
		s = strings.Clone(s)
		interned[s] = s
		return s
	}
	for i := range payloads {
		for k, name := range payloads[i].names {
			payloads[i].names[k] = intern(name)
		}
	}
	rows := make([]flushRow, 0, n)
	for _, rs := range perRec {
		for _, r := range rs {
			r.stream = intern(r.stream)
			rows = append(rows, r)
		}
	}
	return payloads, rows, nil
}

// dayOf returns the UTC day number of a Unix-ns time.
func dayOf(t int64) int64 {
	const day = int64(24 * time.Hour)
	d := t / day
	if t%day < 0 {
		d--
	}
	return d
}

func dayName(d int64) string {
	return time.Unix(d*86400, 0).UTC().Format("2006-01-02")
}

type sortRow struct {
	day    int64
	stream string
	e      *event.Event
}

func cmpRows(a, b *sortRow) int {
	if a.day != b.day {
		return cmpInt(a.day, b.day)
	}
	if c := strings.Compare(a.stream, b.stream); c != 0 {
		return c
	}
	if a.e.Time != b.e.Time {
		return cmpInt(a.e.Time, b.e.Time)
	}
	return cmpInt(a.e.Seq, b.e.Seq)
}

func cmpInt[T int64 | uint64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeParts writes the events of rows as one part per day, sorted by
// (stream, time, seq), and returns them renamed into place (not yet
// committed).
func (s *Store) writeParts(rows []flushRow, payloads []flushPayload, flushSeq uint64) ([]*part, error) {
	slices.SortFunc(rows, func(a, b flushRow) int { return cmpFlushRows(&a, &b) })
	var out []*part
	fail := func(err error) ([]*part, error) {
		for _, p := range out {
			s.trashPart(p)
		}
		return nil, err
	}
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].day == rows[i].day {
			j++
		}
		p, err := s.writePart(dayName(rows[i].day), flushSeq, nil, func(w *partWriter) error {
			return s.feedRows(rows[i:j], payloads, w)
		})
		if err != nil {
			return fail(err)
		}
		out = append(out, p)
		i = j
	}
	return out, nil
}

// flushChunk is how many events a flush decodes and folds at a time.
const flushChunk = 16384

// feedRows hands the rows (sorted, of one day) to w: the rows of streams
// that Options.Fold may change are decoded into events flushChunk at a time
// and folded; the others go to w still encoded, and are decoded once,
// straight into their block's columns.
func (s *Store) feedRows(rows []flushRow, payloads []flushPayload, w *partWriter) error {
	var events []*event.Event
	// Memory for the decoded events (see take): a block may hold rows of
	// two chunks, so it is never reused.
	var fields []event.Field
	var elems []event.Value
	for i := 0; i < len(rows); {
		stream := rows[i].stream
		j := i + 1
		for j < len(rows) && rows[j].stream == stream {
			j++
		}
		if s.opts.Fold == nil || (s.opts.FoldStream != nil && !s.opts.FoldStream(stream)) {
			for k := i; k < j; k++ {
				if err := w.addEncoded(&rows[k], &payloads[rows[k].rec]); err != nil {
					return err
				}
			}
			i = j
			continue
		}
		for k := i; k < j; k += flushChunk {
			chunk := rows[k:min(k+flushChunk, j)]
			evs := make([]event.Event, len(chunk))
			events = events[:0]
			for x := range chunk {
				if err := payloads[chunk[x].rec].decodeAt(&chunk[x], &evs[x], &fields, &elems); err != nil {
					return fmt.Errorf("decoding the head: %w", err)
				}
				events = append(events, &evs[x])
			}
			// The events are durable in the WAL already: folding them
			// into fewer rows changes how they are stored, not what is
			// kept. Fold keeps the rows' order, so they stay sorted.
			for _, e := range s.opts.Fold(events) {
				if err := w.add(e, stream); err != nil {
					return err
				}
			}
		}
		i = j
	}
	return nil
}

// writePart writes one part into a temporary directory of day, feeding it
// with fill, then renames it into place and syncs the directories.
func (s *Store) writePart(day string, flushSeq uint64, sources []uint64, fill func(w *partWriter) error) (*part, error) {
	id := s.nextPartID.Add(1)
	name := fmt.Sprintf("%0*x", partIDHexWidth, id)
	dayDir := filepath.Join(s.partsDir, day)
	tmp := filepath.Join(dayDir, tmpPrefix+name)
	final := filepath.Join(dayDir, name)
	if _, err := s.fs.Stat(dayDir); err != nil {
		if err := s.fs.MkdirAll(dayDir, 0o755); err != nil {
			return nil, err
		}
		if !s.opts.NoSync {
			if err := vfs.SyncDir(s.fs, s.partsDir); err != nil {
				return nil, err
			}
		}
	}
	w, err := newPartWriter(s.syncFS(), tmp, s.opts.BlockRows, s.opts.PartCompression)
	if err != nil {
		s.fs.RemoveAll(tmp)
		return nil, err
	}
	defer w.release()
	if err := fill(w); err != nil {
		w.abort()
		s.fs.RemoveAll(tmp)
		return nil, err
	}
	if _, err := w.finish(id, day, flushSeq, sources); err != nil {
		w.abort()
		s.fs.RemoveAll(tmp)
		return nil, err
	}
	if err := s.fs.Rename(tmp, final); err != nil {
		s.fs.RemoveAll(tmp)
		return nil, err
	}
	if !s.opts.NoSync {
		if err := vfs.SyncDir(s.fs, dayDir); err != nil {
			return nil, err
		}
	}
	p, err := openPart(s.fs, final)
	if err != nil {
		return nil, err
	}
	p.onZero = s.deletePart
	return p, nil
}

// syncFS is the filesystem for part files: with NoSync, fsyncs are skipped.
func (s *Store) syncFS() vfs.FS {
	if s.opts.NoSync {
		return noSyncFS{s.fs}
	}
	return s.fs
}

type noSyncFS struct{ vfs.FS }

func (f noSyncFS) Create(name string) (vfs.File, error) {
	file, err := f.FS.Create(name)
	if err != nil {
		return nil, err
	}
	return noSyncFile{file}, nil
}

func (f noSyncFS) OpenDir(name string) (vfs.File, error) {
	file, err := f.FS.OpenDir(name)
	if err != nil {
		return nil, err
	}
	return noSyncFile{file}, nil
}

type noSyncFile struct{ vfs.File }

func (noSyncFile) Sync() error { return nil }

// flushLoop flushes the head when it is big or old enough.
func (s *Store) flushLoop() {
	defer s.bgWG.Done()
	tick := min(max(s.opts.FlushInterval/4, 10*time.Millisecond), time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-s.flushKick:
		case <-t.C:
		}
		s.mu.RLock()
		n, b, age, pending := s.head.len(), s.head.bytes, time.Since(s.head.firstAt), len(s.flushing)
		s.mu.RUnlock()
		if n >= s.opts.FlushEvents || b >= s.opts.FlushBytes || (n > 0 && age >= s.opts.FlushInterval) || pending > 0 {
			if err := s.flush(); err != nil {
				s.log.Error("store: background flush failed; will retry", "err", err)
				select {
				case <-s.stop:
					return
				case <-time.After(time.Second):
				}
			}
		}
	}
}

// maintenanceLoop runs retention and merges.
func (s *Store) maintenanceLoop() {
	defer s.bgWG.Done()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-s.mergeKick:
		case <-t.C:
		}
		if err := s.applyRetention(time.Now(), s.opts.Retention, s.opts.MaxBytes); err != nil {
			s.log.Error("store: retention failed", "err", err)
			s.m.backgroundError.Inc()
		}
		for !s.opts.NoBackgroundMerge {
			merged, err := s.mergeOnce()
			if err != nil {
				if !errors.Is(err, errMergeAborted) {
					s.log.Error("store: merge failed", "err", err)
					s.m.backgroundError.Inc()
				}
				break
			}
			if !merged {
				break
			}
		}
	}
}

// Close stops background work, flushes the head and closes the store.
// Appends in flight complete first.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	s.inflight.Wait()
	close(s.appendCh)
	s.commitWG.Wait()
	s.bgWG.Wait()
	err := s.flush()
	s.walMu.Lock()
	if cerr := s.wal.close(); err == nil {
		err = cerr
	}
	s.walMu.Unlock()
	s.releaseParts()
	if s.lock != nil {
		s.lock.Close()
	}
	return err
}

// crashForTest abandons the store as a crash would: no flush, no fsync; the
// goroutines are stopped so the directory can be reopened in-process.
func (s *Store) crashForTest() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	s.inflight.Wait()
	close(s.appendCh)
	s.commitWG.Wait()
	s.bgWG.Wait()
	s.walMu.Lock()
	s.wal.close()
	s.walMu.Unlock()
	s.mu.Lock()
	for _, p := range s.parts {
		p.onZero = nil
	}
	s.mu.Unlock()
	s.releaseParts()
	s.lock.Close()
}

func (s *Store) releaseParts() {
	s.mu.Lock()
	parts := s.parts
	s.parts = nil
	s.mu.Unlock()
	for _, p := range parts {
		p.unref()
	}
}

// DiskUsage returns the bytes the store takes on disk: parts and WAL.
func (s *Store) DiskUsage() (int64, error) {
	var total int64
	err := walkFiles(s.fs, s.opts.Dir, func(size int64) { total += size })
	return total, err
}

func walkFiles(fsys vfs.FS, dir string, fn func(size int64)) error {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			if err := walkFiles(fsys, p, fn); err != nil {
				return err
			}
			continue
		}
		if fi, err := e.Info(); err == nil {
			fn(fi.Size())
		}
	}
	return nil
}

func (s *Store) updateGauges() {
	s.mu.RLock()
	var size int64
	for _, p := range s.parts {
		size += p.meta.size()
	}
	np, head := len(s.parts), s.head.len()
	s.mu.RUnlock()
	s.walMu.Lock()
	if s.wal != nil {
		size += s.wal.diskSize()
	}
	s.walMu.Unlock()
	s.m.parts.Set(float64(np))
	s.m.headEvents.Set(float64(head))
	s.m.diskBytes.Set(float64(size))
}
