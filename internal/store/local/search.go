package local

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store"
)

// Search calls fn for each event with req.From <= @timestamp < req.To that
// matches req.Filter (a Request with From and To both zero covers all
// time). Parts, then blocks, are pruned by time range and by
// filter.MayMatch over their indexes; in a block only the filter's columns
// are decoded before matching, the others (or just req.Fields) only for
// blocks with matches. Search sees a snapshot: events appended or merged
// meanwhile may or may not be visited, none twice.
func (s *Store) Search(ctx context.Context, req store.Request, fn func(*event.Event) error) (store.Stats, error) {
	var st store.Stats
	if req.From == 0 && req.To == 0 {
		req.From, req.To = math.MinInt64, math.MaxInt64
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return st, store.ErrClosed
	}
	parts := slices.Clone(s.parts)
	for _, p := range parts {
		p.ref()
	}
	mems := make([]memSnap, 0, len(s.flushing)+1)
	for _, m := range append(slices.Clone(s.flushing), s.head) {
		if m.len() > 0 {
			mems = append(mems, memSnap{recs: m.recs[:len(m.recs):len(m.recs)], minT: m.minT, maxT: m.maxT})
		}
	}
	s.mu.RUnlock()
	defer func() {
		for _, p := range parts {
			p.unref()
		}
	}()

	sr := &searcher{ctx: ctx, req: req, fn: fn, st: &st, filterFields: filter.Fields(req.Filter), bigrams: newBigramPlan(req.Filter),
		pre: rowPrefilters(req.Filter)}
	if req.Fields != nil {
		sr.outFields = append(slices.Clone(req.Fields), sr.filterFields...)
	}
	var err error
	if req.NewestFirst {
		slices.SortFunc(parts, func(a, b *part) int { return cmpInt(b.meta.MaxTime, a.meta.MaxTime) })
		for i := len(mems) - 1; i >= 0 && err == nil; i-- {
			err = sr.searchMem(mems[i])
		}
		if err == nil {
			err = sr.searchParts(parts)
		}
	} else {
		slices.SortFunc(parts, func(a, b *part) int { return cmpInt(a.meta.MinTime, b.meta.MinTime) })
		err = sr.searchParts(parts)
		for i := 0; i < len(mems) && err == nil; i++ {
			err = sr.searchMem(mems[i])
		}
	}
	if errors.Is(err, store.ErrStop) {
		err = nil
	}
	return st, err
}

type memSnap struct {
	recs       []headRec
	minT, maxT int64
}

type searcher struct {
	ctx          context.Context
	req          store.Request
	fn           func(*event.Event) error
	st           *store.Stats
	filterFields []string
	bigrams      *bigramPlan
	pre          []rowPrefilter
	outFields    []string // nil: all
	out          event.Event

	blockScratch // of the caller's goroutine
}

// blockScratch is the scratch space of one goroutine matching blocks.
type blockScratch struct {
	preVals     [][]event.Value // per prefilter, the block's columns of its fields
	scratchVals []event.Value
	scr         event.Event
	filter      []filterCol
}

// blockJob is one candidate block: matched by a worker, its matching rows
// delivered to fn by the caller's goroutine, in order.
type blockJob struct {
	p    *part
	bh   *blockHeader
	done chan struct{}

	err       error
	bytesRead int64
	times     []int64
	seqs      []uint64
	cols      map[uint32][]event.Value // decoded columns, by part column id
	match     []int
	outs      []outCol
}

type outCol struct {
	name string
	vals []event.Value // at the block's matching rows
}

// valuesPool recycles decoded column slices between blocks.
var valuesPool sync.Pool

func getValues() []event.Value {
	if v, ok := valuesPool.Get().(*[]event.Value); ok {
		return *v
	}
	return nil
}

func (j *blockJob) release() {
	for _, v := range j.cols {
		// Not cleared: the next decode overwrites every row, and pooled
		// slices are dropped by the collector anyway.
		valuesPool.Put(&v)
	}
	j.cols, j.outs, j.times, j.seqs = nil, nil, nil, nil
}

type filterCol struct {
	name string
	vals []event.Value
}

func (sr *searcher) floor() int64 {
	if sr.req.Floor == nil {
		return math.MinInt64
	}
	return sr.req.Floor()
}

func (sr *searcher) inRange(t int64) bool { return t >= sr.req.From && t < sr.req.To }

func (sr *searcher) searchMem(m memSnap) error {
	if m.maxT < sr.req.From || m.minT >= sr.req.To || m.maxT < sr.floor() {
		return nil
	}
	for k := range m.recs {
		r := &m.recs[k]
		if sr.req.NewestFirst {
			r = &m.recs[len(m.recs)-1-k]
		}
		if err := sr.ctx.Err(); err != nil {
			return err
		}
		if r.maxT < sr.req.From || r.minT >= sr.req.To || r.maxT < sr.floor() {
			continue
		}
		events, err := r.decode()
		if err != nil {
			return fmt.Errorf("store: search: decoding the head: %w", err)
		}
		n := len(events)
		for j := 0; j < n; j++ {
			i := j
			if sr.req.NewestFirst {
				i = n - 1 - j
			}
			e := events[i]
			sr.st.EventsScanned++
			if !sr.inRange(e.Time) || !sr.headPrefilter(e) || !filter.Match(sr.req.Filter, e) {
				continue
			}
			sr.st.EventsMatched++
			if err := sr.fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// searchParts matches the candidate blocks of parts (in the order given)
// on up to GOMAXPROCS goroutines and hands their matching rows to fn in
// order on the caller's goroutine.
// headPrefilter applies the row prefilters to an event of the head: the
// cheap substring test that spares most events filter.Match's word scan.
func (sr *searcher) headPrefilter(e *event.Event) bool {
	for i := range sr.pre {
		sr.scratchVals = sr.scratchVals[:0]
		// Every field of the names, repeats included: the head keeps an
		// event's fields as appended.
		for k := range e.Fields {
			if slices.Contains(sr.pre[i].fields, e.Fields[k].Name) {
				sr.scratchVals = append(sr.scratchVals, e.Fields[k].Value)
			}
		}
		if !sr.pre[i].mayMatch(sr.scratchVals) {
			return false
		}
	}
	return true
}

func (sr *searcher) searchParts(parts []*part) error {
	var jobs []*blockJob
	for _, p := range parts {
		var err error
		if jobs, err = sr.candidates(p, jobs); err != nil {
			return err
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	if workers > 1 && sr.req.Parallel != nil && sr.req.Floor == nil && !sr.req.NewestFirst {
		return sr.searchUnordered(jobs, workers)
	}
	if workers == 1 {
		for _, j := range jobs {
			if err := sr.ctx.Err(); err != nil {
				return err
			}
			if j.bh.maxT < sr.floor() {
				continue
			}
			sr.matchBlock(&sr.blockScratch, j)
			err := sr.emit(j)
			j.release()
			if err != nil {
				return err
			}
		}
		return nil
	}
	// Workers take jobs from feed; at most window jobs are started and not
	// yet emitted, which bounds the memory held by decoded blocks.
	window := 2 * workers
	feed := make(chan *blockJob, len(jobs))
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratch blockScratch
			for j := range feed {
				if !stop.Load() {
					sr.matchBlock(&scratch, j)
				}
				close(j.done)
			}
		}()
	}
	for _, j := range jobs[:min(window, len(jobs))] {
		j.done = make(chan struct{})
		feed <- j
	}
	fed := min(window, len(jobs))
	var err error
	i := 0
	for ; i < len(jobs); i++ {
		j := jobs[i]
		<-j.done
		if err = sr.ctx.Err(); err == nil && j.bh.maxT >= sr.floor() {
			err = sr.emit(j)
		}
		j.release()
		if err != nil {
			break
		}
		if fed < len(jobs) {
			jobs[fed].done = make(chan struct{})
			feed <- jobs[fed]
			fed++
		}
	}
	if err != nil {
		// Let the workers skip what is queued, and wait for the jobs
		// already started: they read parts the caller releases on return.
		stop.Store(true)
		for _, k := range jobs[i+1 : fed] {
			<-k.done
			k.release()
		}
	}
	close(feed)
	wg.Wait()
	return err
}

// candidates appends to jobs the blocks of p that may hold matches: time
// range, Floor and index pruning.
func (sr *searcher) candidates(p *part, jobs []*blockJob) ([]*blockJob, error) {
	if p.meta.MaxTime < sr.req.From || p.meta.MinTime >= sr.req.To || p.meta.MaxTime < sr.floor() {
		return jobs, nil
	}
	if err := p.load(); err != nil {
		return jobs, err
	}
	sr.st.Parts++
	if !filter.MayMatch(sr.req.Filter, partIndex{p}) {
		sr.st.BlocksSkipped += int64(len(p.blocks))
		return jobs, nil
	}
	nb := len(p.blocks)
	for k := 0; k < nb; k++ {
		i := k
		if sr.req.NewestFirst {
			i = int(p.newest[k])
		}
		if err := sr.ctx.Err(); err != nil {
			return jobs, err
		}
		bh := &p.blocks[i]
		if bh.maxT < sr.req.From || bh.minT >= sr.req.To || bh.maxT < sr.floor() {
			continue
		}
		bi := blockIndex{p: p, b: bh}
		may := filter.MayMatch(sr.req.Filter, &bi) && sr.bigrams.mayMatch(&bi)
		sr.st.BytesRead += bi.bytes
		if !may {
			sr.st.BlocksSkipped++
			continue
		}
		jobs = append(jobs, &blockJob{p: p, bh: bh})
	}
	return jobs, nil
}

// matchBlock decodes the filter's columns of j's block, finds the matching
// rows and decodes the output columns for them. It runs on a worker: it
// touches only j and sc.
func (sr *searcher) matchBlock(sc *blockScratch, j *blockJob) {
	j.err = sr.matchBlockErr(sc, j)
}

func (sr *searcher) matchBlockErr(sc *blockScratch, j *blockJob) error {
	p, bh := j.p, j.bh
	n := int(bh.rows)
	var err error
	j.bytesRead += int64(bh.metaLen)
	if j.times, j.seqs, err = p.readRowMeta(bh, nil, nil); err != nil {
		return err
	}
	j.cols = map[uint32][]event.Value{}
	decodeRef := func(c *colEntry, ref refResolver) ([]event.Value, error) {
		if v, ok := j.cols[c.col]; ok {
			return v, nil
		}
		j.bytesRead += int64(c.valLen)
		v, err := p.readColumn(c, j.times, getValues(), ref)
		if err != nil {
			return nil, err
		}
		j.cols[c.col] = v
		return v, nil
	}
	// A column stored against another (message against event.original)
	// decodes that one first; that one may not refer further.
	ref := func(id uint32) ([]event.Value, error) {
		c := bh.col(id)
		if c == nil {
			return nil, formatErr("column refers to column %d, absent from the block", id)
		}
		return decodeRef(c, nil)
	}
	decode := func(c *colEntry) ([]event.Value, error) { return decodeRef(c, ref) }

	// Match on the filter's columns only.
	sc.filter = sc.filter[:0]
	for _, f := range sr.filterFields {
		id, ok := p.colID[f]
		if !ok {
			continue
		}
		c := bh.col(id)
		if c == nil {
			continue
		}
		v, err := decode(c)
		if err != nil {
			return err
		}
		sc.filter = append(sc.filter, filterCol{name: f, vals: v})
	}
	// Columns for the row prefilters (already decoded above).
	sc.preVals = sc.preVals[:0]
	for _, p := range sr.pre {
		for _, f := range p.fields {
			var col []event.Value
			for _, fc := range sc.filter {
				if fc.name == f {
					col = fc.vals
				}
			}
			sc.preVals = append(sc.preVals, col)
		}
	}
rows:
	for r := 0; r < n; r++ {
		if !sr.inRange(j.times[r]) {
			continue
		}
		k := 0
		for i := range sr.pre {
			sc.scratchVals = sc.scratchVals[:0]
			for range sr.pre[i].fields {
				if col := sc.preVals[k]; col != nil {
					sc.scratchVals = append(sc.scratchVals, col[r])
				}
				k++
			}
			if !sr.pre[i].mayMatch(sc.scratchVals) {
				continue rows
			}
		}
		if sr.req.Filter != nil {
			e := &sc.scr
			e.Time, e.Seq = j.times[r], j.seqs[r]
			e.Fields = e.Fields[:0]
			for _, fc := range sc.filter {
				if v := fc.vals[r]; !v.IsNull() {
					e.Fields = append(e.Fields, event.Field{Name: fc.name, Value: v})
				}
			}
			if !filter.Match(sr.req.Filter, e) {
				continue
			}
		}
		j.match = append(j.match, r)
	}
	clear(sc.scr.Fields)
	if len(j.match) == 0 {
		return nil
	}

	// Decode the output columns at the matching rows: in place when the
	// matches are few, whole (and picked) when they are many.
	few := len(j.match) <= n/4
	column := func(c *colEntry) ([]event.Value, error) {
		picked := make([]event.Value, len(j.match))
		v, ok := j.cols[c.col]
		if !ok && few {
			j.bytesRead += int64(c.valLen)
			return picked, p.readColumnRows(c, j.times, j.match, picked, ref)
		}
		if !ok {
			var err error
			if v, err = decode(c); err != nil {
				return nil, err
			}
		}
		for k, r := range j.match {
			picked[k] = v[r]
		}
		return picked, nil
	}
	if sr.outFields == nil {
		j.outs = make([]outCol, 0, len(bh.cols))
		for i := range bh.cols {
			c := &bh.cols[i]
			v, err := column(c)
			if err != nil {
				return err
			}
			j.outs = append(j.outs, outCol{p.cols[c.col], v})
		}
	} else {
		for _, f := range sr.outFields {
			id, ok := p.colID[f]
			if !ok {
				continue
			}
			c := bh.col(id)
			if c == nil || slices.ContainsFunc(j.outs, func(o outCol) bool { return o.name == f }) {
				continue
			}
			v, err := column(c)
			if err != nil {
				return err
			}
			j.outs = append(j.outs, outCol{f, v})
		}
	}
	return nil
}

// emit accounts for a matched block and hands its matching rows to fn.
func (sr *searcher) emit(j *blockJob) error {
	return emitTo(j, sr.fn, &sr.out, sr.st, sr.req.NewestFirst)
}

// emitTo hands the matching rows of a matched block to fn, built in out,
// and counts the work in st.
func emitTo(j *blockJob, fn func(*event.Event) error, out *event.Event, st *store.Stats, newestFirst bool) error {
	st.BlocksScanned++
	st.EventsScanned += int64(j.bh.rows)
	st.BytesRead += j.bytesRead
	if j.err != nil {
		return j.err
	}
	st.EventsMatched += int64(len(j.match))
	for k := range j.match {
		if newestFirst {
			k = len(j.match) - 1 - k
		}
		r := j.match[k]
		e := out
		e.Time, e.Seq = j.times[r], j.seqs[r]
		clear(e.Fields)
		e.Fields = e.Fields[:0]
		for _, o := range j.outs {
			if v := o.vals[k]; !v.IsNull() {
				e.Fields = append(e.Fields, event.Field{Name: o.name, Value: v})
			}
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// searchUnordered matches and delivers blocks on workers goroutines, each
// to its own function from Request.Parallel, in no particular order.
func (sr *searcher) searchUnordered(jobs []*blockJob, workers int) error {
	feed := make(chan *blockJob, len(jobs))
	for _, j := range jobs {
		feed <- j
	}
	close(feed)
	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		mu      sync.Mutex
		firstEr error
	)
	for range workers {
		fn := sr.req.Parallel()
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratch blockScratch
			var out event.Event
			var st store.Stats
			var err error
			for j := range feed {
				if err == nil && !stop.Load() {
					if err = sr.ctx.Err(); err == nil {
						sr.matchBlock(&scratch, j)
						err = emitTo(j, fn, &out, &st, false)
					}
					if err != nil {
						stop.Store(true)
					}
				}
				j.release()
			}
			mu.Lock()
			sr.st.Add(st)
			if err != nil && firstEr == nil {
				firstEr = err
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return firstEr
}
