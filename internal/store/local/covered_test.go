package local

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store"
)

// TestCoveredColumnsPrune checks columns stored by reference to
// event.original (message as its suffix, ids as its substrings): rows whose
// value sits between token boundaries are indexed only in event.original's
// bloom filter (numCovered), and every search still finds every row, while
// values that no row holds still prune blocks.
func TestCoveredColumnsPrune(t *testing.T) {
	const blockRows, n = 512, 2560 // ids are substrings only once a block gives up on a dictionary (256 distinct)
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true, BlockRows: blockRows, NoBackgroundMerge: true})
	defer s.Close()
	model := map[uint64]*event.Event{}
	var evs []*event.Event
	for k := range n {
		id := fmt.Sprintf("req-%05d-%x", k, k*7919)
		msg := fmt.Sprintf("Accepted key for user%d from 10.%d.%d.%d port %d", k%13, k%7, k/7%250, k%250+1, 1024+k)
		orig := fmt.Sprintf(`<38>Nov 21 10:00:00 host sshd[%d]: {"id":"%s"} %s`, k, id, msg)
		switch k % 10 {
		case 3: // inside a token of the original: not covered
			orig = fmt.Sprintf(`<38>Nov 21 10:00:00 host sshd[%d]: {"id":"x%sx"} %s`, k, id, msg)
		case 7: // not in the original at all: a literal
			id = fmt.Sprintf("lit-%05d", k)
		}
		e := &event.Event{Time: genStart + int64(k)*1e9}
		e.Set(event.FieldOriginal, event.String(orig))
		e.Set(event.FieldMessage, event.String(msg))
		e.Set(event.FieldDataset, event.String("system.auth"))
		e.Set("aws.request_id", event.String(id))
		evs = append(evs, e)
	}
	appendT(t, s, evs, model)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	p := s.parts[0]
	if err := p.load(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{event.FieldMessage, "aws.request_id"} {
		covered := 0
		for i := range p.blocks {
			if e := p.blocks[i].col(p.colID[f]); e != nil && e.num&numCovered != 0 {
				covered++
			}
		}
		if covered != len(p.blocks) {
			t.Errorf("%s: covered in %d of %d blocks", f, covered, len(p.blocks))
		}
	}
	find := func(q filter.Node) ([]*event.Event, store.Stats) {
		t.Helper()
		var out []*event.Event
		st, err := s.Search(ctx, store.Request{Filter: q}, func(e *event.Event) error {
			out = append(out, e.Clone())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, st
	}
	for seq, e := range model {
		if seq%7 != 0 && seq%10 != 4 && seq%10 != 8 { // all kinds of rows, not every row
			continue
		}
		id := e.GetString("aws.request_id")
		if got, _ := find(mustTerm(t, "aws.request_id", filter.OpEq, id)); len(got) != 1 || got[0].Seq != e.Seq {
			t.Fatalf("aws.request_id:%s: %d events, want seq %d", id, len(got), e.Seq)
		}
		msg := e.GetString(event.FieldMessage)
		if got, _ := find(mustTerm(t, event.FieldMessage, filter.OpPhrase, msg)); len(got) != 1 || got[0].Seq != e.Seq {
			t.Fatalf("message:%q: %d events, want seq %d", msg, len(got), e.Seq)
		}
	}
	// Digit pairs (an address) through the bigram filter, and a port as a
	// bare word.
	want := 0
	for _, e := range model {
		if strings.Contains(e.GetString(event.FieldMessage), "from 10.3.0.4 port") {
			want++
		}
	}
	if got, _ := find(mustTerm(t, event.FieldMessage, filter.OpPhrase, "10.3.0.4")); len(got) != want || want == 0 {
		t.Fatalf("message:\"10.3.0.4\": %d events, want %d", len(got), want)
	}
	for _, q := range []filter.Node{
		mustTerm(t, "aws.request_id", filter.OpEq, "req-99999-0"),
		mustTerm(t, event.FieldMessage, filter.OpEq, "nosuchword"),
		mustTerm(t, "", filter.OpEq, "nosuchword"),
	} {
		got, st := find(q)
		if len(got) != 0 || st.BlocksScanned > 1 {
			t.Errorf("%v: %d events, %d blocks scanned (of %d); want none found and (bloom false positives aside) none scanned", q, len(got), st.BlocksScanned, len(p.blocks))
		}
	}
}
