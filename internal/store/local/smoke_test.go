package local

import (
	"context"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store"
)

func TestSmoke(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, NoSync: true, BlockRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	g := newEventGen(1)
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		if err := s.Append(ctx, g.batch(1000)); err != nil {
			t.Fatal(err)
		}
	}
	term, _ := filter.NewTerm("user.name", filter.OpEq, "root", "")
	count := func() int {
		n := 0
		st, err := s.Search(ctx, store.Request{Filter: term}, func(e *event.Event) error { n++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", st)
		return n
	}
	a := count()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	b := count()
	if a != b || a == 0 {
		t.Fatalf("head %d parts %d", a, b)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(Options{Dir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c := count(); c != a {
		t.Fatalf("after reopen %d want %d", c, a)
	}
}
