package query

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store"
)

// Searcher is what Run needs of a store; store.Store satisfies it.
// Search's contract is store.Store's: events handed to fn are valid only
// until fn returns.
type Searcher interface {
	Search(ctx context.Context, req store.Request, fn func(*event.Event) error) (store.Stats, error)
}

var _ Searcher = store.Store(nil)

// Defaults of Options.
const (
	DefaultLimit     = 100
	DefaultMaxGroups = 100_000
)

// Options bound one Run.
type Options struct {
	// From (inclusive) and To (exclusive) bound @timestamp; a zero time
	// leaves that side open. (Callers apply the product default of the last
	// 24 hours.)
	From, To time.Time
	// Limit is the number of events returned when the query does not say
	// (with head); default DefaultLimit.
	Limit int
	// MaxGroups bounds memory: the groups of stats, the values of top and
	// rare, the bucket×series cells of timechart, the distinct values of
	// each dc(), and the events held for dedup, sort and head. Default
	// DefaultMaxGroups. Past it, data is dropped and Result.Truncated set;
	// a sort that would need more events than this fails instead.
	MaxGroups int
}

// Result is the answer to a query: events when it has no aggregating pipe,
// else a table (Columns non-nil).
type Result struct {
	// Events are the matching events, newest first unless the query sorts
	// them, at most Limit (or head's N).
	Events []*event.Event
	// Columns and Rows are the table of an aggregating query.
	Columns []string
	Rows    [][]event.Value
	// Stats is the store's account of the work done.
	Stats store.Stats
	// Took is the wall time of Run.
	Took time.Duration
	// Truncated reports that the answer may be incomplete because of a
	// bound the query did not ask for: Limit events were returned (the
	// store may skip older blocks unseen, so more may exist), or MaxGroups
	// dropped groups, values or events.
	Truncated bool
}

// IsTable reports whether r holds a table rather than events.
func (r *Result) IsTable() bool { return r.Columns != nil }

// errTooManyToSort ends a search whose sort would hold too many events.
var errTooManyToSort = errors.New("too many events to sort")

type executor struct {
	q        *Query
	opt      Options
	from, to int64
	lim      *limits
	firstAgg int
}

// Run executes q against s within opt's bounds.
func Run(ctx context.Context, s Searcher, q *Query, opt Options) (*Result, error) {
	start := time.Now()
	if opt.Limit <= 0 {
		opt.Limit = DefaultLimit
	}
	if opt.MaxGroups <= 0 {
		opt.MaxGroups = DefaultMaxGroups
	}
	x := &executor{q: q, opt: opt, lim: &limits{maxGroups: opt.MaxGroups}}
	x.from, x.to = timeNanos(opt.From, math.MinInt64), timeNanos(opt.To, math.MaxInt64)
	if x.from >= x.to {
		return nil, fmt.Errorf("query: empty time range: from %s is not before to %s",
			opt.From.UTC().Format(time.RFC3339Nano), opt.To.UTC().Format(time.RFC3339Nano))
	}
	x.firstAgg = len(q.Pipes)
	for i, p := range q.Pipes {
		if isAggregating(p) {
			x.firstAgg = i
			break
		}
	}
	res, err := x.run(ctx, s)
	if err != nil {
		return nil, err
	}
	res.Truncated = res.Truncated || x.lim.truncated
	res.Took = time.Since(start)
	return res, nil
}

// timeNanos converts t to Unix nanoseconds, def for the zero time, clamped
// to the representable range.
func timeNanos(t time.Time, def int64) int64 {
	switch {
	case t.IsZero():
		return def
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func (x *executor) request() store.Request {
	req := store.Request{Filter: x.q.Filter, From: x.from, To: x.to}
	switch req.Filter.(type) {
	case filter.MatchAll, *filter.MatchAll:
		req.Filter = nil
	}
	req.Fields = x.readFields()
	return req
}

// readFields returns the fields the pipeline reads from stored events, or
// nil when it returns whole events.
func (x *executor) readFields() []string {
	pipes := x.q.Pipes
	if x.firstAgg < len(pipes) {
		pipes = pipes[:x.firstAgg+1]
	} else {
		restricted := false
		for _, p := range pipes {
			if f, ok := p.(*FieldsPipe); ok && !f.Remove {
				restricted = true
			}
		}
		if !restricted {
			return nil
		}
	}
	out := []string{event.FieldCount}
	add := func(f string) {
		if f != event.FieldTimestamp && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	for _, p := range pipes {
		pipeFields(p, add)
	}
	return out
}

// pipeFields calls add with every field name p mentions.
func pipeFields(p Pipe, add func(string)) {
	switch p := p.(type) {
	case *WherePipe:
		exprFields(p.Expr, add)
	case *EvalPipe:
		for _, a := range p.Assigns {
			add(a.Name)
			exprFields(a.Expr, add)
		}
	case *RenamePipe:
		for _, r := range p.Renames {
			add(r.From)
			add(r.To)
		}
	case *FieldsPipe:
		for _, f := range p.Fields {
			add(f)
		}
	case *SortPipe:
		for _, k := range p.Keys {
			add(k.Field)
		}
	case *DedupPipe:
		for _, f := range p.Fields {
			add(f)
		}
	case *StatsPipe:
		for _, f := range p.By {
			add(f)
		}
		for _, a := range p.Aggs {
			if a.Field != "" {
				add(a.Field)
			}
		}
	case *TimechartPipe:
		if p.By != "" {
			add(p.By)
		}
		for _, a := range p.Aggs {
			if a.Field != "" {
				add(a.Field)
			}
		}
	case *TopPipe:
		for _, f := range p.Fields {
			add(f)
		}
	}
}

func isStreaming(p Pipe) bool {
	switch p.(type) {
	case *WherePipe, *EvalPipe, *RenamePipe, *FieldsPipe:
		return true
	}
	return false
}

func (x *executor) run(ctx context.Context, s Searcher) (*Result, error) {
	pipes := x.q.Pipes
	evPipes := pipes[:x.firstAgg]
	ns := 0
	for ns < len(evPipes) && isStreaming(evPipes[ns]) {
		ns++
	}
	stream := evPipes[:ns]
	mutates := false
	timeSafe := true // the stream leaves @timestamp alone
	for _, p := range stream {
		switch p := p.(type) {
		case *EvalPipe:
			mutates = true
			for _, a := range p.Assigns {
				if a.Name == event.FieldTimestamp {
					timeSafe = false
				}
			}
		case *RenamePipe:
			mutates = true
			for _, r := range p.Renames {
				if r.From == event.FieldTimestamp || r.To == event.FieldTimestamp {
					timeSafe = false
				}
			}
		case *FieldsPipe:
			mutates = true
		}
	}

	req := x.request()
	res := &Result{}
	// newPass returns a function that runs the streaming pipes over a store
	// event; the event it returns is valid until its next call.
	newPass := func() func(e *event.Event) (*event.Event, bool) {
		var scratch event.Event
		return func(e *event.Event) (*event.Event, bool) {
			if mutates {
				scratch.Seq, scratch.Time = e.Seq, e.Time
				clear(scratch.Fields)
				scratch.Fields = append(scratch.Fields[:0], e.Fields...)
				e = &scratch
			}
			for _, p := range stream {
				if !applyEventPipe(e, p) {
					return nil, false
				}
			}
			return e, true
		}
	}
	pass := newPass()

	// Aggregation straight from the store.
	if ns == len(evPipes) && x.firstAgg < len(pipes) {
		agg, err := newAggregator(pipes[x.firstAgg], x)
		if err != nil {
			return nil, err
		}
		// stats keeps a partial result per store goroutine when the store
		// can deliver events concurrently, and merges them at the end.
		var partials []*statsAgg
		var mu sync.Mutex
		if sa, ok := agg.(*statsAgg); ok {
			req.Parallel = func() func(*event.Event) error {
				part := newStatsAgg(sa.p, &limits{maxGroups: x.lim.maxGroups})
				mu.Lock()
				partials = append(partials, part)
				mu.Unlock()
				pass := newPass()
				return func(e *event.Event) error {
					if e, ok := pass(e); ok {
						part.add(e, e.Count(), e.Time, e.Seq)
					}
					return nil
				}
			}
		}
		st, err := s.Search(ctx, req, func(e *event.Event) error {
			if e, ok := pass(e); ok {
				agg.add(e, e.Count(), e.Time, e.Seq)
			}
			return nil
		})
		res.Stats = st
		if err != nil {
			return nil, fmt.Errorf("query: search: %w", err)
		}
		for _, part := range partials {
			agg.(*statsAgg).merge(part)
		}
		return x.finishTable(res, agg, pipes[x.firstAgg+1:])
	}

	// Otherwise collect events: the newest N, the first N in sort order,
	// or the newest per dedup key.
	col, implicit := x.collector(evPipes[ns:])
	// Newest first: what is kept when a bound is reached is the newest.
	req.NewestFirst = true
	if nh, ok := col.(*newestHeap); ok {
		req.Floor = nh.floor.Load
	}
	st, err := s.Search(ctx, req, func(e *event.Event) error {
		if timeSafe && col.skip(e.Time) {
			return nil
		}
		e, ok := pass(e)
		if !ok {
			return nil
		}
		return col.offer(e)
	})
	res.Stats = st
	if errors.Is(err, errTooManyToSort) {
		return nil, fmt.Errorf("query: sort needs more than %d events in memory: add `| head N` right after sort, or narrow the query", x.opt.MaxGroups)
	}
	if err != nil {
		return nil, fmt.Errorf("query: search: %w", err)
	}
	if implicit && col.dropped() {
		res.Truncated = true
	}
	list := col.events()
	for _, p := range evPipes[ns:] {
		list = applyEventListPipe(list, p)
	}
	if x.firstAgg < len(pipes) {
		agg, err := newAggregator(pipes[x.firstAgg], x)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			agg.add(e, e.Count(), e.Time, e.Seq)
		}
		return x.finishTable(res, agg, pipes[x.firstAgg+1:])
	}
	hasHead := slices.ContainsFunc(evPipes, func(p Pipe) bool { _, ok := p.(*HeadPipe); return ok })
	if !hasHead && len(list) > x.opt.Limit {
		clear(list[x.opt.Limit:])
		list = list[:x.opt.Limit]
		res.Truncated = true
	}
	res.Events = list
	if res.Events == nil {
		res.Events = []*event.Event{}
	}
	return res, nil
}

// finishTable turns an aggregation into the result table and applies the
// pipes after it (which may aggregate again).
func (x *executor) finishTable(res *Result, agg aggregator, rest []Pipe) (*Result, error) {
	t, err := agg.table()
	if err != nil {
		return nil, err
	}
	for _, p := range rest {
		if !isAggregating(p) {
			applyRowPipe(t, p)
			continue
		}
		next, err := newAggregator(p, x)
		if err != nil {
			return nil, err
		}
		for _, row := range t.rows {
			r := rowRecord{t, row}
			next.add(r, 1, r.time(), 0)
		}
		if t, err = next.table(); err != nil {
			return nil, err
		}
	}
	res.Columns, res.Rows = t.cols, t.rows
	if res.Columns == nil {
		res.Columns = []string{}
	}
	if res.Rows == nil {
		res.Rows = [][]event.Value{}
	}
	return res, nil
}

// collector keeps the events the rest of an event pipeline needs.
type collector interface {
	// skip reports that an event of time ts cannot be kept (cheap check
	// before the streaming pipes run).
	skip(ts int64) bool
	// offer considers an event valid only during the call; the collector
	// clones what it keeps.
	offer(e *event.Event) error
	// dropped reports whether an offered event was not kept.
	dropped() bool
	// events returns what was kept, in pipeline order.
	events() []*event.Event
}

// collector picks how to collect for the event pipes after the streaming
// prefix; implicit reports that its bound is Limit or MaxGroups rather
// than one the query gave.
func (x *executor) collector(rest []Pipe) (collector, bool) {
	capN := func(n int) (int, bool) {
		if n > x.opt.MaxGroups {
			return x.opt.MaxGroups, true
		}
		return n, false
	}
	if len(rest) == 0 {
		if x.firstAgg < len(x.q.Pipes) {
			return newNewestHeap(x.opt.MaxGroups), true
		}
		return newNewestHeap(x.opt.Limit), true
	}
	switch p := rest[0].(type) {
	case *HeadPipe:
		n, implicit := capN(p.N)
		return newNewestHeap(n), implicit
	case *DedupPipe:
		return &dedupCollector{fields: p.Fields, max: x.opt.MaxGroups, m: map[string]*event.Event{}}, true
	case *SortPipe:
		if len(rest) > 1 {
			if h, ok := rest[1].(*HeadPipe); ok {
				n, implicit := capN(h.N)
				return &sortHeap{keys: p.Keys, n: n}, implicit
			}
		}
		onlyMaps := x.firstAgg == len(x.q.Pipes)
		for _, q := range rest[1:] {
			switch q.(type) {
			case *EvalPipe, *RenamePipe, *FieldsPipe:
			default:
				onlyMaps = false
			}
		}
		if onlyMaps {
			return &sortHeap{keys: p.Keys, n: x.opt.Limit}, true
		}
		return &sortHeap{keys: p.Keys, n: x.opt.MaxGroups, fail: true}, true
	}
	return newNewestHeap(x.opt.MaxGroups), true
}

// newer orders events newest first: by @timestamp, then store sequence.
func newer(a, b *event.Event) bool {
	if a.Time != b.Time {
		return a.Time > b.Time
	}
	return a.Seq > b.Seq
}

// newestHeap keeps the n newest events; its floor, once full, lets the
// store skip blocks older than all of them.
type newestHeap struct {
	n     int
	h     eventHeap
	floor atomic.Int64
	drop  bool
}

func newNewestHeap(n int) *newestHeap {
	nh := &newestHeap{n: n}
	nh.h.less = func(a, b *event.Event) bool { return newer(b, a) } // oldest at the root
	nh.floor.Store(math.MinInt64)
	return nh
}

func (c *newestHeap) skip(ts int64) bool {
	if c.n == 0 || (len(c.h.list) == c.n && ts < c.h.list[0].Time) {
		c.drop = true
		return true
	}
	return false
}

func (c *newestHeap) offer(e *event.Event) error {
	switch {
	case c.n == 0:
		c.drop = true
	case len(c.h.list) < c.n:
		heap.Push(&c.h, e.Clone())
	case newer(e, c.h.list[0]):
		c.h.list[0] = e.Clone()
		heap.Fix(&c.h, 0)
		c.drop = true
	default:
		c.drop = true
	}
	if c.n > 0 && len(c.h.list) == c.n {
		c.floor.Store(c.h.list[0].Time)
	}
	return nil
}

// dropped reports an event not kept, or the heap full: a store that skips
// blocks below the floor does not show what it skipped, so a full heap
// means "there may be more".
func (c *newestHeap) dropped() bool { return c.drop || (c.n > 0 && len(c.h.list) == c.n) }

func (c *newestHeap) events() []*event.Event {
	list := c.h.list
	slices.SortFunc(list, func(a, b *event.Event) int {
		if newer(a, b) {
			return -1
		}
		if newer(b, a) {
			return 1
		}
		return 0
	})
	return list
}

// sortHeap keeps the first n events in sort order (ties newest first). With
// fail it holds every event and fails past n.
type sortHeap struct {
	keys []SortKey
	n    int
	fail bool
	h    eventHeap
	drop bool
}

func (c *sortHeap) before(a, b *event.Event) bool {
	if d := compareSort(c.keys, a, b); d != 0 {
		return d < 0
	}
	return newer(a, b)
}

func (c *sortHeap) skip(int64) bool { return c.n == 0 }

func (c *sortHeap) offer(e *event.Event) error {
	if c.h.less == nil {
		c.h.less = func(a, b *event.Event) bool { return c.before(b, a) } // last in order at the root
	}
	switch {
	case len(c.h.list) < c.n:
		heap.Push(&c.h, e.Clone())
	case c.fail:
		return errTooManyToSort
	case c.n > 0 && c.before(e, c.h.list[0]):
		c.h.list[0] = e.Clone()
		heap.Fix(&c.h, 0)
		c.drop = true
	default:
		c.drop = true
	}
	return nil
}

func (c *sortHeap) dropped() bool { return c.drop }

func (c *sortHeap) events() []*event.Event {
	list := c.h.list
	slices.SortFunc(list, func(a, b *event.Event) int {
		if c.before(a, b) {
			return -1
		}
		if c.before(b, a) {
			return 1
		}
		return 0
	})
	return list
}

// dedupCollector keeps the newest event of each distinct key.
type dedupCollector struct {
	fields []string
	max    int
	m      map[string]*event.Event
	key    []byte
	drop   bool
}

func (c *dedupCollector) skip(int64) bool { return false }

func (c *dedupCollector) offer(e *event.Event) error {
	var ok bool
	c.key, ok = dedupKey(c.key[:0], e, c.fields)
	if !ok {
		return nil
	}
	old := c.m[string(c.key)]
	switch {
	case old == nil && len(c.m) >= c.max:
		c.drop = true
	case old == nil || newer(e, old):
		c.m[string(c.key)] = e.Clone()
	}
	return nil
}

func (c *dedupCollector) dropped() bool { return c.drop }

func (c *dedupCollector) events() []*event.Event {
	list := make([]*event.Event, 0, len(c.m))
	for _, e := range c.m {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b *event.Event) int {
		if newer(a, b) {
			return -1
		}
		if newer(b, a) {
			return 1
		}
		return 0
	})
	return list
}

// eventHeap is a container/heap of events under less.
type eventHeap struct {
	list []*event.Event
	less func(a, b *event.Event) bool
}

func (h *eventHeap) Len() int           { return len(h.list) }
func (h *eventHeap) Less(i, j int) bool { return h.less(h.list[i], h.list[j]) }
func (h *eventHeap) Swap(i, j int)      { h.list[i], h.list[j] = h.list[j], h.list[i] }
func (h *eventHeap) Push(x any)         { h.list = append(h.list, x.(*event.Event)) }
func (h *eventHeap) Pop() any {
	e := h.list[len(h.list)-1]
	h.list = h.list[:len(h.list)-1]
	return e
}
