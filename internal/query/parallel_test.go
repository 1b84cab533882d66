package query

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/store"
)

// concurrentSearcher delivers the events a SliceSearcher matches to the
// functions of Request.Parallel, from several goroutines at once, as a
// store reading blocks in parallel does; the first few go to fn, as a
// store's head would.
type concurrentSearcher struct {
	*SliceSearcher
	used bool
}

func (c *concurrentSearcher) Search(ctx context.Context, req store.Request, fn func(*event.Event) error) (store.Stats, error) {
	if req.Parallel == nil {
		return c.SliceSearcher.Search(ctx, req, fn)
	}
	c.used = true
	var all []*event.Event
	st, err := c.SliceSearcher.Search(ctx, req, func(e *event.Event) error {
		all = append(all, e.Clone())
		return nil
	})
	if err != nil {
		return st, err
	}
	const workers = 3
	head := min(len(all), 7)
	for _, e := range all[:head] {
		if err := fn(e); err != nil {
			return st, err
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		f := req.Parallel()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := head + w; i < len(all); i += workers {
				if err := f(all[i]); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// TestStatsMergesConcurrentPartials: stats over events delivered
// concurrently (partial results merged) answers exactly what it answers
// over the same events delivered one by one.
func TestStatsMergesConcurrentPartials(t *testing.T) {
	events := manyEvents(5000)
	for _, q := range []string{
		"| stats count()",
		"| stats count() by host.name",
		"| stats count(), dc(user.name), sum(source.port), avg(source.port), min(source.port), max(source.port) by event.outcome",
		"| stats values(user.name), earliest(source.ip), latest(source.ip), dc(source.ip) by host.name, event.outcome",
		"failure | where source.port > 2000 | eval p = source.port * 2 | stats sum(p), count() by user.name | sort -count",
		"| stats count() by source.ip | head 5",
	} {
		pq, err := Parse(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		want, err := Run(context.Background(), NewSliceSearcher(events), pq, Options{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cs := &concurrentSearcher{SliceSearcher: NewSliceSearcher(events)}
		got, err := Run(context.Background(), cs, pq, Options{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if !cs.used {
			t.Fatalf("%s: the executor did not ask for concurrent delivery", q)
		}
		if !reflect.DeepEqual(got.Columns, want.Columns) || len(got.Rows) != len(want.Rows) || got.Truncated != want.Truncated {
			t.Fatalf("%s: columns %q, %d rows, truncated %v; want %q, %d, %v", q, got.Columns, len(got.Rows), got.Truncated, want.Columns, len(want.Rows), want.Truncated)
		}
		for i := range want.Rows {
			for k := range want.Rows[i] {
				if !event.Equal(got.Rows[i][k], want.Rows[i][k]) {
					t.Fatalf("%s: row %d column %s = %s, want %s", q, i, want.Columns[k], got.Rows[i][k].Text(), want.Rows[i][k].Text())
				}
			}
		}
	}
}

// TestStatsMergeKeepsGroupBound: the group bound holds across partials
// and is reported.
func TestStatsMergeKeepsGroupBound(t *testing.T) {
	pq, _ := Parse("| stats count() by source.port")
	got, err := Run(context.Background(), &concurrentSearcher{SliceSearcher: NewSliceSearcher(manyEvents(3000))}, pq, Options{MaxGroups: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) > 100 || !got.Truncated {
		t.Fatalf("%d groups, truncated %v; want at most 100, truncated", len(got.Rows), got.Truncated)
	}
}
