package local

import (
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store"
)

// TestMergeCopiesFullBlocks merges parts whose well-filled blocks are
// copied byte for byte (with their columns renumbered: each source part
// met the fields in a different order) while the small ones are re-encoded,
// and checks every event, field by field, before and after; then merges the
// merged part with a new one, so copies of copies are read back too.
func TestMergeCopiesFullBlocks(t *testing.T) {
	const blockRows = 64
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true, BlockRows: blockRows, NoBackgroundMerge: true})
	defer s.Close()
	model := map[uint64]*event.Event{}
	g := newEventGen(11)
	flushBatch := func(n int, extra string) {
		evs := g.batch(n)
		// A field only this batch has, first in its first event: the
		// parts' column lists differ in order and content.
		evs[0].Fields = append([]event.Field{{Name: extra, Value: event.String(extra)}}, evs[0].Fields...)
		appendT(t, s, evs, model)
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i, extra := range []string{"labels.a", "labels.b", "labels.c", "labels.d"} {
		flushBatch(700+13*i, extra)
	}
	var copyable, small int
	for _, p := range s.parts {
		if err := p.load(); err != nil {
			t.Fatal(err)
		}
		if p.cols[0] != event.FieldOriginal {
			t.Fatalf("part %x: column 0 is %q, want %s", p.meta.ID, p.cols[0], event.FieldOriginal)
		}
		for i := range p.blocks {
			if canCopyBlock(p, &p.blocks[i], blockRows) {
				copyable++
			} else {
				small++
			}
		}
	}
	if copyable == 0 || small == 0 {
		t.Fatalf("test data gives %d copyable and %d small blocks; want some of each", copyable, small)
	}
	mergeAll := func() {
		t.Helper()
		for {
			merged, err := s.mergeOnce()
			if err != nil {
				t.Fatal(err)
			}
			if !merged {
				break
			}
		}
	}
	s.mu.Lock()
	parts := len(s.parts)
	s.mu.Unlock()
	mergeAll()
	if n := len(s.parts); n >= parts {
		t.Fatalf("%d parts after merging %d", n, parts)
	}
	checkExactlyOnce(t, all(t, s), model)
	// Pruning by the copied blooms still finds each event's id.
	for _, e := range model {
		if id := e.GetString("aws.cloudtrail.request_id"); id != "" {
			got := search(t, s, store.Request{Filter: mustTerm(t, "aws.cloudtrail.request_id", filter.OpEq, id)})
			if len(got) != 1 || got[0].Seq != e.Seq {
				t.Fatalf("request_id %s: %d events, want seq %d", id, len(got), e.Seq)
			}
			break
		}
	}
	flushBatch(3000, "labels.e")
	mergeAll()
	checkExactlyOnce(t, all(t, s), model)
}

func TestCanCopyBlock(t *testing.T) {
	full, small := &blockHeader{rows: 64}, &blockHeader{rows: 31}
	pinned := &part{cols: []string{event.FieldOriginal, "message"}}
	older := &part{cols: []string{"message", event.FieldOriginal}}
	for _, c := range []struct {
		p    *part
		bh   *blockHeader
		want bool
	}{
		{pinned, full, true},
		{pinned, small, false},
		{older, full, false}, // its references may name another column id
		{&part{}, full, false},
	} {
		if got := canCopyBlock(c.p, c.bh, 64); got != c.want {
			t.Errorf("canCopyBlock(cols %q, rows %d) = %v, want %v", c.p.cols, c.bh.rows, got, c.want)
		}
	}
}

// TestSearchParallelDelivery: with Request.Parallel, every matching event
// (in parts and in the head) is delivered exactly once, part events to the
// functions Parallel hands out, and the stats count them all.
func TestSearchParallelDelivery(t *testing.T) {
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true, BlockRows: 64, NoBackgroundMerge: true})
	defer s.Close()
	model := map[uint64]*event.Event{}
	g := newEventGen(21)
	appendT(t, s, g.batch(3000), model)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	appendT(t, s, g.batch(200), model) // stays in the head
	var mu sync.Mutex
	seen := map[uint64]int{}
	funcs := 0
	record := func(e *event.Event) error {
		mu.Lock()
		seen[e.Seq]++
		mu.Unlock()
		return nil
	}
	st, err := s.Search(ctx, store.Request{Parallel: func() func(*event.Event) error {
		mu.Lock()
		funcs++
		mu.Unlock()
		return record
	}}, record)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(model) || st.EventsMatched != int64(len(model)) {
		t.Fatalf("%d distinct events delivered, %d matched by the stats; want %d", len(seen), st.EventsMatched, len(model))
	}
	for seq, n := range seen {
		if n != 1 || model[seq] == nil {
			t.Fatalf("seq %d delivered %d times (in the model: %v)", seq, n, model[seq] != nil)
		}
	}
	if runtime.GOMAXPROCS(0) > 1 && funcs < 2 {
		t.Errorf("Parallel was asked for %d functions; want one per worker", funcs)
	}
	// An error from a parallel function ends the search with it.
	boom := errors.New("boom")
	if _, err := s.Search(ctx, store.Request{Parallel: func() func(*event.Event) error {
		return func(*event.Event) error { return boom }
	}}, record); runtime.GOMAXPROCS(0) > 1 && !errors.Is(err, boom) {
		t.Errorf("search error %v, want %v", err, boom)
	}
}
