package local

import (
	"container/heap"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

var errMergeAborted = errors.New("merge aborted: store closing")

// minMergeRatio is the least (total rows / largest part's rows) a merge
// must achieve: parts are merged only with others of similar size, so each
// event is rewritten about log3(parts) times (tiered merging, as in
// VictoriaMetrics), and a day holds a few parts per size tier.
const minMergeRatio = 3

// pickMerge chooses parts of one day to merge and marks them as merging.
func (s *Store) pickMerge() []*part {
	s.mu.Lock()
	defer s.mu.Unlock()
	byDay := map[string][]*part{}
	for _, p := range s.parts {
		if !s.merging[p] {
			byDay[p.meta.Day] = append(byDay[p.meta.Day], p)
		}
	}
	var best []*part
	bestRatio := float64(minMergeRatio) - 1e-9
	fanIn := s.opts.MergeFanIn
	for _, ps := range byDay {
		if len(ps) < 2 {
			continue
		}
		slices.SortFunc(ps, func(a, b *part) int { return cmpInt(a.meta.Rows, b.meta.Rows) })
		for i := range ps {
			var sum int64
			for k := i; k < len(ps) && k < i+fanIn; k++ {
				sum += ps[k].meta.Rows
				if k == i {
					continue
				}
				ratio := float64(sum) / float64(max(ps[k].meta.Rows, 1))
				if ratio > bestRatio {
					bestRatio = ratio
					best = slices.Clone(ps[i : k+1])
				}
			}
		}
	}
	for _, p := range best {
		s.merging[p] = true
		p.ref()
	}
	return best
}

// mergeOnce merges one set of parts if the policy finds one.
func (s *Store) mergeOnce() (bool, error) {
	src := s.pickMerge()
	if len(src) == 0 {
		return false, nil
	}
	defer func() {
		s.mu.Lock()
		for _, p := range src {
			delete(s.merging, p)
		}
		s.mu.Unlock()
		for _, p := range src {
			p.unref()
		}
	}()
	return true, s.merge(src)
}

// merge writes the union of src (parts of one day) as one part, then swaps
// it in. The new part lists its sources: if the process dies after the
// rename, Open deletes the sources instead of serving duplicates.
func (s *Store) merge(src []*part) error {
	start := time.Now()
	day := src[0].meta.Day
	var flushSeq uint64
	ids := make([]uint64, len(src))
	for i, p := range src {
		if p.meta.Day != day {
			return fmt.Errorf("merge: parts of days %s and %s", day, p.meta.Day)
		}
		if err := p.load(); err != nil {
			return err
		}
		flushSeq = max(flushSeq, p.meta.FlushSeq)
		ids[i] = p.meta.ID
	}
	slices.Sort(ids)
	merged, err := s.writePart(day, flushSeq, ids, func(w *partWriter) error {
		return mergeParts(src, s.stop, w, s.opts.BlockRows)
	})
	if err != nil {
		return err
	}
	if s.testHook != nil {
		if err := s.testHook("merge-after-rename"); err != nil {
			merged.onZero = nil
			merged.unref()
			return err
		}
	}
	merged.ref() // our reference, dropped below
	defer merged.unref()
	s.mu.Lock()
	live := 0
	for _, p := range s.parts {
		if slices.Contains(src, p) {
			live++
		}
	}
	if live != len(src) {
		// Retention dropped a source meanwhile: the merge is void.
		s.mu.Unlock()
		merged.obsolete.Store(true)
		merged.unref()
		return nil
	}
	parts := make([]*part, 0, len(s.parts)-len(src)+1)
	for _, p := range s.parts {
		if !slices.Contains(src, p) {
			parts = append(parts, p)
		}
	}
	s.parts = append(parts, merged)
	for _, p := range src {
		p.obsolete.Store(true)
	}
	s.mu.Unlock()
	for _, p := range src {
		p.unref() // the list's reference
	}
	s.m.merges.Inc()
	s.m.mergeSeconds.Observe(time.Since(start).Seconds())
	s.log.Debug("store: merged parts", "day", day, "parts", len(src), "rows", merged.meta.Rows, "took", time.Since(start))
	s.updateGauges()
	return nil
}

// mergeParts writes the rows of src to w. Well-filled blocks are copied as
// they are stored (a merge's job is to turn many parts and small blocks
// into few parts of full blocks, and re-encoding full blocks would cost as
// much CPU as the flush that wrote them, once per merge level); the rows of
// the other blocks are merged in (stream, time, seq) order and encoded anew.
func mergeParts(src []*part, stop <-chan struct{}, w *partWriter, blockRows int) error {
	type srcBlock struct {
		p  *part
		bh *blockHeader
	}
	var copies []srcBlock
	h := &rowHeap{}
	for _, p := range src {
		it := &blockIter{p: p}
		for i := range p.blocks {
			if canCopyBlock(p, &p.blocks[i], blockRows) {
				copies = append(copies, srcBlock{p, &p.blocks[i]})
			} else {
				it.todo = append(it.todo, i)
			}
		}
		ok, err := it.next()
		if err != nil {
			return err
		}
		if ok {
			h.its = append(h.its, it)
		}
	}
	// Oldest first, as a flush writes a stream's blocks.
	slices.SortFunc(copies, func(a, b srcBlock) int {
		if c := cmpInt(a.bh.minT, b.bh.minT); c != 0 {
			return c
		}
		return cmpInt(a.bh.maxT, b.bh.maxT)
	})
	for _, c := range copies {
		select {
		case <-stop:
			return errMergeAborted
		default:
		}
		if err := w.copyBlock(c.p, c.bh); err != nil {
			return err
		}
	}
	heap.Init(h)
	n := 0
	for h.Len() > 0 {
		it := h.its[0]
		if err := w.add(it.cur(), it.row.stream); err != nil {
			return err
		}
		ok, err := it.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
		if n++; n%4096 == 0 {
			select {
			case <-stop:
				return errMergeAborted
			default:
			}
		}
	}
	return nil
}

// canCopyBlock reports whether a merge copies a block as it is: it must be
// well filled, and its suffix and substring sections must keep naming
// event.original, which they do by column id: column 0 in every part
// written since copying began, but not necessarily in older ones.
func canCopyBlock(p *part, bh *blockHeader, blockRows int) bool {
	return int(bh.rows) >= blockRows/2 && len(p.cols) > 0 && p.cols[0] == event.FieldOriginal
}

// blockIter walks the rows of some blocks of a part (todo, in stored
// order), one decoded block at a time.
type blockIter struct {
	p      *part
	todo   []int
	events []*event.Event
	i      int
	row    sortRow
}

func (it *blockIter) cur() *event.Event { return it.events[it.i] }

func (it *blockIter) next() (bool, error) {
	it.i++
	for it.i >= len(it.events) {
		if len(it.todo) == 0 {
			return false, nil
		}
		evs, err := it.p.readEvents(&it.p.blocks[it.todo[0]])
		if err != nil {
			return false, err
		}
		it.todo = it.todo[1:]
		it.events, it.i = evs, 0
	}
	e := it.events[it.i]
	it.row = sortRow{stream: e.GetString(streamField), e: e}
	return true, nil
}

type rowHeap struct{ its []*blockIter }

func (h *rowHeap) Len() int           { return len(h.its) }
func (h *rowHeap) Less(i, j int) bool { return cmpRows(&h.its[i].row, &h.its[j].row) < 0 }
func (h *rowHeap) Swap(i, j int)      { h.its[i], h.its[j] = h.its[j], h.its[i] }
func (h *rowHeap) Push(x any)         { h.its = append(h.its, x.(*blockIter)) }
func (h *rowHeap) Pop() any {
	x := h.its[len(h.its)-1]
	h.its = h.its[:len(h.its)-1]
	return x
}

// readEvents decodes every row of a block into events.
func (p *part) readEvents(bh *blockHeader) ([]*event.Event, error) {
	times, seqs, err := p.readRowMeta(bh, nil, nil)
	if err != nil {
		return nil, err
	}
	n := int(bh.rows)
	cols := make([][]event.Value, len(bh.cols))
	var decode func(i int, ref refResolver) ([]event.Value, error)
	decode = func(i int, ref refResolver) ([]event.Value, error) {
		if cols[i] == nil {
			v, err := p.readColumn(&bh.cols[i], times, nil, ref)
			if err != nil {
				return nil, err
			}
			cols[i] = v
		}
		return cols[i], nil
	}
	ref := func(id uint32) ([]event.Value, error) {
		for i := range bh.cols {
			if bh.cols[i].col == id {
				return decode(i, nil)
			}
		}
		return nil, formatErr("column refers to column %d, absent from the block", id)
	}
	counts := make([]int, n)
	total := 0
	for i := range bh.cols {
		v, err := decode(i, ref)
		if err != nil {
			return nil, err
		}
		for r := range v {
			if !v[r].IsNull() {
				counts[r]++
				total++
			}
		}
	}
	slab := make([]event.Field, total)
	evs := make([]event.Event, n)
	out := make([]*event.Event, n)
	off := 0
	for r := range evs {
		evs[r].Time, evs[r].Seq = times[r], seqs[r]
		evs[r].Fields = slab[off : off : off+counts[r]]
		off += counts[r]
		out[r] = &evs[r]
	}
	for i, v := range cols {
		name := p.cols[bh.cols[i].col]
		for r := range v {
			if !v[r].IsNull() {
				evs[r].Fields = append(evs[r].Fields, event.Field{Name: name, Value: v[r]})
			}
		}
	}
	return out, nil
}
