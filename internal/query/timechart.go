package query

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

const (
	// maxBuckets bounds the time buckets of one timechart.
	maxBuckets = 10000
	// maxSeries is the number of series timechart ... by shows; the others
	// are summed into one OTHER column.
	maxSeries = 10
	week      = 7 * 24 * time.Hour
)

// autoSpans are the spans timechart picks from, when none is given, so
// that the time range has at most 100 buckets.
var autoSpans = []time.Duration{
	time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, week, 4 * week, 13 * week, 52 * week,
}

// timechartAgg is `timechart`: buckets of span by @timestamp (UTC, aligned
// to the Unix epoch, and week spans to Mondays), one column per
// aggregation, or with by one column per series.
type timechartAgg struct {
	p          *TimechartPipe
	lim        *limits
	span       int64
	origin     int64
	bounded    bool
	loB, hiB   int64 // bucket range when bounded
	seenLo     int64
	seenHi     int64
	seen       bool
	series     map[string]*series
	order      []*series
	nGroups    int
	combos     *combos
	key        []byte
	val        event.Value
	has        bool
	w, ts      int64
	seq        uint64
	fn         func([]event.Value)
	noSeriesKy []event.Value
}

type series struct {
	val     event.Value
	total   int64
	buckets map[int64][]aggState
}

func newTimechartAgg(p *TimechartPipe, x *executor) (*timechartAgg, error) {
	t := &timechartAgg{p: p, lim: x.lim, series: map[string]*series{}}
	span := p.Span
	bounded := x.from != math.MinInt64 && x.to != math.MaxInt64
	if span == 0 {
		span = time.Hour
		if bounded {
			width := time.Duration(x.to - x.from)
			span = autoSpans[len(autoSpans)-1]
			for _, s := range autoSpans {
				if width/s <= 100 {
					span = s
					break
				}
			}
		}
	}
	t.span = int64(span)
	if span%week == 0 {
		t.origin = int64(4 * 24 * time.Hour) // 1970-01-05 was a Monday
	}
	if bounded {
		t.bounded = true
		t.loB, t.hiB = t.bucket(x.from), t.bucket(x.to-1)
		if n := t.hiB - t.loB + 1; n > maxBuckets || n < 0 {
			return nil, fmt.Errorf("query: timechart span=%s over this time range makes %d buckets, more than %d: use a larger span", formatSpan(span), n, maxBuckets)
		}
	}
	if p.By != "" {
		t.combos = newCombos([]string{p.By})
		t.fn = t.addSeries
	}
	return t, nil
}

func (t *timechartAgg) bucket(ts int64) int64 {
	d := ts - t.origin
	b := d / t.span
	if d%t.span < 0 {
		b--
	}
	return b
}

func (t *timechartAgg) fields() []string {
	var out []string
	if t.p.By != "" {
		out = append(out, t.p.By)
	}
	for _, a := range t.p.Aggs {
		if a.Field != "" {
			out = append(out, a.Field)
		}
	}
	return out
}

func (t *timechartAgg) add(r record, w, ts int64, seq uint64) {
	if len(t.p.Aggs) == 1 && t.p.Aggs[0].Field != "" {
		v, ok := r.Get(t.p.Aggs[0].Field)
		t.val, t.has = v, ok && !v.IsNull()
	}
	t.w, t.ts, t.seq = w, ts, seq
	if t.p.By == "" {
		t.addTo("", t.noSeriesKy, r)
		return
	}
	t.combos.each(r, t.fn)
}

func (t *timechartAgg) addSeries(vals []event.Value) {
	t.key = appendKey(t.key[:0], vals[0])
	t.addTo(string(t.key), vals, nil)
}

// addTo adds the current record to the bucket of series key. With several
// aggregations (no by) r is the record, read per aggregation.
func (t *timechartAgg) addTo(key string, vals []event.Value, r record) {
	s := t.series[key]
	if s == nil {
		s = &series{buckets: map[int64][]aggState{}}
		if len(vals) > 0 {
			s.val = vals[0]
		}
		t.series[key] = s
		t.order = append(t.order, s)
	}
	b := t.bucket(t.ts)
	st := s.buckets[b]
	if st == nil {
		if t.nGroups >= t.lim.maxGroups {
			t.lim.truncated = true
			return
		}
		t.nGroups++
		st = freshStates(t.p.Aggs, t.lim)
		s.buckets[b] = st
	}
	if !t.seen || b < t.seenLo {
		t.seenLo = b
	}
	if !t.seen || b > t.seenHi {
		t.seenHi = b
	}
	t.seen = true
	s.total += t.w
	for i, a := range t.p.Aggs {
		v, has := t.val, t.has
		if r != nil && len(t.p.Aggs) > 1 {
			v, has = event.Value{}, false
			if a.Field != "" {
				v, has = r.Get(a.Field)
				has = has && !v.IsNull()
			}
		}
		st[i].add(v, has, t.w, t.ts, t.seq)
	}
}

func (t *timechartAgg) table() (*table, error) {
	lo, hi := t.loB, t.hiB
	if !t.bounded {
		if !t.seen {
			return &table{cols: t.columns(nil, false)}, nil
		}
		lo, hi = t.seenLo, t.seenHi
		if hi-lo+1 > maxBuckets {
			return nil, fmt.Errorf("query: timechart span=%s over the data makes %d buckets, more than %d: use a larger span or a time range", formatSpan(time.Duration(t.span)), hi-lo+1, maxBuckets)
		}
	}
	// Pick the series to show: the largest by received events.
	shown := slices.Clone(t.order)
	slices.SortStableFunc(shown, func(a, b *series) int {
		if c := cmp3(b.total, a.total); c != 0 {
			return c
		}
		return sortCompare(a.val, b.val)
	})
	var other []*series
	if t.p.By != "" && len(shown) > maxSeries {
		other = shown[maxSeries:]
		shown = shown[:maxSeries]
	}
	tb := &table{cols: t.columns(shown, other != nil)}
	for b := lo; b <= hi; b++ {
		row := make([]event.Value, 0, len(tb.cols))
		row = append(row, event.TimeNanos(t.origin+b*t.span))
		if t.p.By == "" {
			s := t.series[""]
			var st []aggState
			if s != nil {
				st = s.buckets[b]
			}
			if st == nil {
				st = freshStates(t.p.Aggs, t.lim)
			}
			for _, x := range st {
				row = append(row, x.result())
			}
		} else {
			for _, s := range shown {
				st := s.buckets[b]
				if st == nil {
					st = freshStates(t.p.Aggs, t.lim)
				}
				row = append(row, st[0].result())
			}
			if other != nil {
				acc := freshStates(t.p.Aggs, t.lim)
				for _, s := range other {
					if st := s.buckets[b]; st != nil {
						acc[0].merge(st[0])
					}
				}
				row = append(row, acc[0].result())
			}
		}
		tb.rows = append(tb.rows, row)
	}
	return tb, nil
}

func (t *timechartAgg) columns(shown []*series, other bool) []string {
	cols := []string{"_time"}
	if t.p.By == "" {
		for _, a := range t.p.Aggs {
			cols = append(cols, a.Column())
		}
		return cols
	}
	for _, s := range shown {
		cols = append(cols, s.val.Text())
	}
	if other {
		cols = append(cols, "OTHER")
	}
	return cols
}
