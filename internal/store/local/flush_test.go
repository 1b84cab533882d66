package local

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store"
)

// TestFlushFoldsInChunks checks the flush path that decodes the head's
// events a chunk at a time: with more events than flushChunk across days
// and streams, appended out of time order, every event kept by Fold is in
// a part exactly once, with its fields and Seq, and Fold only ever sees
// events in (day, stream, time, seq) order.
func TestFlushFoldsInChunks(t *testing.T) {
	const n = 2*flushChunk + 1000
	var unsorted, mixed, excluded bool
	fold := func(evs []*event.Event) []*event.Event {
		for _, e := range evs {
			mixed = mixed || e.GetString(streamField) != evs[0].GetString(streamField)
			excluded = excluded || e.GetString(streamField) == "cloudtrail"
		}
		for i := 1; i < len(evs); i++ {
			a, b := evs[i-1], evs[i]
			ra := flushRow{day: dayOf(a.Time), stream: a.GetString(streamField), t: a.Time, seq: a.Seq}
			rb := flushRow{day: dayOf(b.Time), stream: b.GetString(streamField), t: b.Time, seq: b.Seq}
			if cmpFlushRows(&ra, &rb) >= 0 {
				unsorted = true
			}
		}
		// Keep the events of even Seq: a stand-in for folding duplicates.
		return slices.DeleteFunc(evs, func(e *event.Event) bool { return e.Seq%2 == 1 })
	}
	// FoldStream leaves cloudtrail alone: those rows are all kept.
	foldStream := func(stream string) bool { return stream != "cloudtrail" }
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true, FlushEvents: 1 << 30, Fold: fold, FoldStream: foldStream, NoBackgroundMerge: true})
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	model := map[uint64]*event.Event{}
	for b := 0; b < n; b += 1000 {
		var evs []*event.Event
		for i := range 1000 {
			e := &event.Event{Time: t0 + rng.Int64N(int64(72*time.Hour))}
			e.Set(event.FieldDataset, event.String([]string{"sshd", "nginx", "cloudtrail"}[rng.IntN(3)]))
			e.Set(event.FieldMessage, event.String(fmt.Sprintf("event %d of batch %d", i, b)))
			if i%3 == 0 {
				e.Set("n", event.Int(int64(i)))
			}
			evs = append(evs, e)
		}
		if err := s.Append(ctx, evs); err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			model[e.Seq] = e.Clone()
		}
	}
	if len(s.head.recs) == 0 {
		t.Fatal("the head is empty before the flush")
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if unsorted {
		t.Fatal("Fold saw events out of (day, stream, time, seq) order")
	}
	if mixed || excluded {
		t.Fatalf("Fold was given rows of several streams (%v) or of a stream FoldStream refused (%v)", mixed, excluded)
	}
	if len(s.parts) < 3 {
		t.Fatalf("%d parts for events spread over 3 days or more", len(s.parts))
	}
	for seq, e := range model {
		if seq%2 == 1 && e.GetString(streamField) != "cloudtrail" {
			delete(model, seq)
		}
	}
	checkExactlyOnce(t, all(t, s), model)
}

// TestSubstrColumnsThroughParts stores ids that event.original holds
// verbatim (substring sections) through flushes, a merge and a reopen,
// and finds them by equality, whole and by selected rows.
func TestSubstrColumnsThroughParts(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir, NoSync: true, BlockRows: 512, NoBackgroundMerge: true})
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	model := map[uint64]*event.Event{}
	for b := range 3 {
		var evs []*event.Event
		for i := range 700 {
			k := b*700 + i
			id := fmt.Sprintf("%08x-4b2c-%04x-9f1e-%012x", uint32(k)*2654435761, k, k*k)
			e := &event.Event{Time: t0 + int64(k)*int64(time.Second)}
			e.Set(event.FieldDataset, event.String("aws.cloudtrail"))
			e.Set(event.FieldOriginal, event.String(fmt.Sprintf(`{"eventID":"%s","requestID":"R%dX"}`, id, k)))
			e.Set("event.id", event.String(id))
			if k%23 == 0 {
				e.Set("event.id", event.String("not-in-the-original-"+fmt.Sprint(k)))
			}
			e.Set("aws.request_id", event.String(fmt.Sprintf("R%dX", k)))
			evs = append(evs, e)
		}
		appendT(t, s, evs, model)
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if merged, err := s.mergeOnce(); err != nil || !merged {
		t.Fatalf("merge: %v, %v", merged, err)
	}
	check := func() {
		checkExactlyOnce(t, all(t, s), model)
		for _, seq := range []uint64{1, 23 + 1, 777, 2100} {
			want := model[seq]
			id, _ := want.Get("event.id")
			term, err := filter.NewTerm("event.id", filter.OpEq, id.Str(), "")
			if err != nil {
				t.Fatal(err)
			}
			got := search(t, s, store.Request{Filter: term, Fields: []string{"aws.request_id"}})
			if len(got) != 1 || got[0].Seq != seq || got[0].GetString("aws.request_id") != want.GetString("aws.request_id") {
				t.Fatalf("event.id=%s: got %d events (%v), want seq %d", id.Str(), len(got), got, seq)
			}
		}
	}
	check()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, Options{Dir: dir, NoSync: true, BlockRows: 512, NoBackgroundMerge: true})
	defer s.Close()
	check()
}

// TestFlushMixesEncodedAndFoldedRows: a block may hold rows of a stream
// that Fold sees (decoded into events first) next to rows of streams it
// does not (decoded straight into the columns); both come back intact.
func TestFlushMixesEncodedAndFoldedRows(t *testing.T) {
	fold := func(evs []*event.Event) []*event.Event { return evs } // folds nothing, but sees its streams' rows
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true, BlockRows: 64, FlushEvents: 1 << 30, NoBackgroundMerge: true,
		Fold: fold, FoldStream: func(stream string) bool { return stream[len(stream)-1]%2 == 0 }})
	defer s.Close()
	model := map[uint64]*event.Event{}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	var evs []*event.Event
	for i := range 600 {
		e := &event.Event{Time: t0 + int64(i)*1e9}
		// 200 streams of 3 rows: fewer than BlockRows/16, so blocks mix
		// streams Fold sees with others.
		e.Set(event.FieldDataset, event.String(fmt.Sprintf("s%03d", i%200)))
		e.Set(event.FieldOriginal, event.String(fmt.Sprintf("line %d from 10.0.%d.%d", i, i%7, i%250)))
		e.Set(event.FieldMessage, event.String(fmt.Sprintf("from 10.0.%d.%d", i%7, i%250)))
		e.Set("n", event.Int(int64(i)))
		if i%5 == 0 {
			e.Set("related.ip", event.Array(event.IP(netip.AddrFrom4([4]byte{10, 0, byte(i % 7), byte(i % 250)}))))
		}
		evs = append(evs, e)
	}
	appendT(t, s, evs, model)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, all(t, s), model)
}
