package local

import (
	"context"
	"errors"
	"math"
	"slices"

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
			mems = append(mems, memSnap{events: m.events[:m.len():m.len()], minT: m.minT, maxT: m.maxT})
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
		for _, p := range parts {
			if err != nil {
				break
			}
			err = sr.searchPart(p)
		}
	} else {
		slices.SortFunc(parts, func(a, b *part) int { return cmpInt(a.meta.MinTime, b.meta.MinTime) })
		for _, p := range parts {
			if err = sr.searchPart(p); err != nil {
				break
			}
		}
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
	events     []*event.Event
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
	preVals      [][]event.Value // per prefilter, the block's columns of its fields
	scratchVals  []event.Value
	outFields    []string // nil: all

	times  []int64
	seqs   []uint64
	vals   map[uint32][]event.Value
	spare  [][]event.Value
	match  []int
	scr    event.Event
	out    event.Event
	filter []filterCol
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
	n := len(m.events)
	for k := 0; k < n; k++ {
		i := k
		if sr.req.NewestFirst {
			i = n - 1 - k
		}
		if k%4096 == 0 {
			if err := sr.ctx.Err(); err != nil {
				return err
			}
		}
		e := m.events[i]
		sr.st.EventsScanned++
		if !sr.inRange(e.Time) || !filter.Match(sr.req.Filter, e) {
			continue
		}
		sr.st.EventsMatched++
		if err := sr.fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (sr *searcher) searchPart(p *part) error {
	if p.meta.MaxTime < sr.req.From || p.meta.MinTime >= sr.req.To || p.meta.MaxTime < sr.floor() {
		return nil
	}
	if err := p.load(); err != nil {
		return err
	}
	sr.st.Parts++
	if !filter.MayMatch(sr.req.Filter, partIndex{p}) {
		sr.st.BlocksSkipped += int64(len(p.blocks))
		return nil
	}
	nb := len(p.blocks)
	for k := 0; k < nb; k++ {
		i := k
		if sr.req.NewestFirst {
			i = nb - 1 - k
		}
		if err := sr.ctx.Err(); err != nil {
			return err
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
		if err := sr.searchBlock(p, bh); err != nil {
			return err
		}
	}
	return nil
}

func (sr *searcher) takeVals() []event.Value {
	if n := len(sr.spare); n > 0 {
		v := sr.spare[n-1]
		sr.spare = sr.spare[:n-1]
		return v
	}
	return nil
}

func (sr *searcher) searchBlock(p *part, bh *blockHeader) error {
	sr.st.BlocksScanned++
	n := int(bh.rows)
	sr.st.EventsScanned += int64(n)
	var err error
	sr.st.BytesRead += int64(bh.metaLen)
	if sr.times, sr.seqs, err = p.readRowMeta(bh, sr.times, sr.seqs); err != nil {
		return err
	}
	if sr.vals == nil {
		sr.vals = map[uint32][]event.Value{}
	}
	defer func() {
		for id, v := range sr.vals {
			clear(v)
			sr.spare = append(sr.spare, v)
			delete(sr.vals, id)
		}
	}()
	decode := func(c *colEntry) ([]event.Value, error) {
		if v, ok := sr.vals[c.col]; ok {
			return v, nil
		}
		sr.st.BytesRead += int64(c.valLen)
		v, err := p.readColumn(c, sr.times, sr.takeVals())
		if err != nil {
			return nil, err
		}
		sr.vals[c.col] = v
		return v, nil
	}

	// Match on the filter's columns only.
	sr.filter = sr.filter[:0]
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
		sr.filter = append(sr.filter, filterCol{name: f, vals: v})
	}
	// Columns for the row prefilters (already decoded above).
	sr.preVals = sr.preVals[:0]
	for _, p := range sr.pre {
		for _, f := range p.fields {
			var col []event.Value
			for _, fc := range sr.filter {
				if fc.name == f {
					col = fc.vals
				}
			}
			sr.preVals = append(sr.preVals, col)
		}
	}
	sr.match = sr.match[:0]
rows:
	for r := 0; r < n; r++ {
		if !sr.inRange(sr.times[r]) {
			continue
		}
		k := 0
		for i := range sr.pre {
			sr.scratchVals = sr.scratchVals[:0]
			for range sr.pre[i].fields {
				if col := sr.preVals[k]; col != nil {
					sr.scratchVals = append(sr.scratchVals, col[r])
				}
				k++
			}
			if !sr.pre[i].mayMatch(sr.scratchVals) {
				continue rows
			}
		}
		if sr.req.Filter != nil {
			e := &sr.scr
			e.Time, e.Seq = sr.times[r], sr.seqs[r]
			e.Fields = e.Fields[:0]
			for _, fc := range sr.filter {
				if v := fc.vals[r]; !v.IsNull() {
					e.Fields = append(e.Fields, event.Field{Name: fc.name, Value: v})
				}
			}
			if !filter.Match(sr.req.Filter, e) {
				continue
			}
		}
		sr.match = append(sr.match, r)
	}
	if len(sr.match) == 0 {
		return nil
	}
	sr.st.EventsMatched += int64(len(sr.match))

	// Decode the output columns for the matching rows.
	type outCol struct {
		name string
		vals []event.Value
	}
	var outs []outCol
	if sr.outFields == nil {
		outs = make([]outCol, 0, len(bh.cols))
		for i := range bh.cols {
			c := &bh.cols[i]
			v, err := decode(c)
			if err != nil {
				return err
			}
			outs = append(outs, outCol{p.cols[c.col], v})
		}
	} else {
		for _, f := range sr.outFields {
			id, ok := p.colID[f]
			if !ok {
				continue
			}
			c := bh.col(id)
			if c == nil || slices.ContainsFunc(outs, func(o outCol) bool { return o.name == f }) {
				continue
			}
			v, err := decode(c)
			if err != nil {
				return err
			}
			outs = append(outs, outCol{f, v})
		}
	}
	for k := range sr.match {
		r := sr.match[k]
		if sr.req.NewestFirst {
			r = sr.match[len(sr.match)-1-k]
		}
		e := &sr.out
		e.Time, e.Seq = sr.times[r], sr.seqs[r]
		clear(e.Fields)
		e.Fields = e.Fields[:0]
		for _, o := range outs {
			if v := o.vals[r]; !v.IsNull() {
				e.Fields = append(e.Fields, event.Field{Name: o.name, Value: v})
			}
		}
		if err := sr.fn(e); err != nil {
			return err
		}
	}
	return nil
}
