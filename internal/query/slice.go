package query

import (
	"context"
	"slices"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store"
)

// SliceSearcher is a Searcher over events held in memory, for tests, rule
// backtests over small samples and tools. It honours the whole
// store.Request contract: filter and time range, NewestFirst, Floor (as if
// each event were its own block) and Fields (delivered events carry only
// the requested fields, as a columnar store's may), so a pipeline that
// forgets to request a field it reads fails against it as against a real
// store. Like a store, it hands fn an event valid only during the call.
type SliceSearcher struct {
	events []*event.Event // oldest first
}

var _ Searcher = (*SliceSearcher)(nil)

// NewSliceSearcher returns a searcher over events, which it keeps and must
// not be changed afterwards. Events without a Seq get one in their order.
func NewSliceSearcher(events []*event.Event) *SliceSearcher {
	s := &SliceSearcher{events: slices.Clone(events)}
	for i, e := range s.events {
		if e.Seq == 0 {
			e.Seq = uint64(i + 1)
		}
	}
	slices.SortStableFunc(s.events, func(a, b *event.Event) int {
		if a.Time != b.Time {
			return cmp3(a.Time, b.Time)
		}
		return cmp3(int64(a.Seq), int64(b.Seq))
	})
	return s
}

// Search implements Searcher.
func (s *SliceSearcher) Search(ctx context.Context, req store.Request, fn func(*event.Event) error) (store.Stats, error) {
	st := store.Stats{Parts: 1}
	var view event.Event
	n := len(s.events)
	for k := 0; k < n; k++ {
		if k&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		i := k
		if req.NewestFirst {
			i = n - 1 - k
		}
		e := s.events[i]
		if req.Floor != nil && e.Time < req.Floor() {
			st.BlocksSkipped++
			if req.NewestFirst {
				break // every later event is older still
			}
			continue
		}
		st.BlocksScanned++
		if e.Time < req.From || e.Time >= req.To {
			continue
		}
		st.EventsScanned++
		if !filter.Match(req.Filter, e) {
			continue
		}
		st.EventsMatched++
		out := e
		if req.Fields != nil {
			view.Seq, view.Time = e.Seq, e.Time
			clear(view.Fields)
			view.Fields = view.Fields[:0]
			for _, f := range e.Fields {
				if slices.Contains(req.Fields, f.Name) {
					view.Fields = append(view.Fields, f)
				}
			}
			out = &view
		}
		if err := fn(out); err != nil {
			if err == store.ErrStop {
				return st, nil
			}
			return st, err
		}
	}
	return st, nil
}
