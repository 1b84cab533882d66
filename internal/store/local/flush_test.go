package local

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// TestFlushFoldsInChunks checks the flush path that decodes the head's
// events a chunk at a time: with more events than flushChunk across days
// and streams, appended out of time order, every event kept by Fold is in
// a part exactly once, with its fields and Seq, and Fold only ever sees
// events in (day, stream, time, seq) order.
func TestFlushFoldsInChunks(t *testing.T) {
	const n = 2*flushChunk + 1000
	var unsorted bool
	fold := func(evs []*event.Event) []*event.Event {
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
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true, FlushEvents: 1 << 30, Fold: fold, NoBackgroundMerge: true})
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
	if len(s.parts) < 3 {
		t.Fatalf("%d parts for events spread over 3 days or more", len(s.parts))
	}
	for seq := range model {
		if seq%2 == 1 {
			delete(model, seq)
		}
	}
	checkExactlyOnce(t, all(t, s), model)
}
