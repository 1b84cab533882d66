package aggregate

import (
	"net/netip"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

func deny(t0 time.Time, i int, src string) *event.Event {
	ev := &event.Event{Time: t0.Add(time.Duration(i) * time.Millisecond / 2).UnixNano()}
	ev.Set(event.FieldDataset, event.String("iptables.log"))
	ev.Set("host.name", event.String("fw-01"))
	ev.Set("event.action", event.String("DROP"))
	ev.Set("event.outcome", event.String("failure"))
	ev.Set("source.ip", event.IP(netip.MustParseAddr(src)))
	ev.Set("destination.ip", event.IP(netip.MustParseAddr("10.0.0.1")))
	ev.Set("destination.port", event.Int(22))
	ev.Set("network.transport", event.String("tcp"))
	ev.Set(event.FieldOriginal, event.String("deny "+src))
	return ev
}

func TestFoldFlood(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var batch []*event.Event
	for i := 0; i < 20000; i++ { // 20,000 denies over 10 s
		batch = append(batch, deny(t0, i, "203.0.113.5"))
	}
	other := &event.Event{Time: t0.UnixNano()}
	other.Set(event.FieldMessage, event.String("unrelated"))
	batch = append(batch, other)
	out := New(DefaultRules()).Fold(batch)
	var total int64
	rows := 0
	for _, ev := range out {
		if ev.GetString(event.FieldDataset) != "iptables.log" {
			continue
		}
		rows++
		total += ev.Count()
		start, _ := ev.Get("event.start")
		end, _ := ev.Get("event.end")
		s, _ := start.Time()
		e, _ := end.Time()
		if e.Sub(s) > 5*time.Second {
			t.Errorf("row spans %v, more than the 5 s window", e.Sub(s))
		}
	}
	if rows > 50 || rows < 2 {
		t.Errorf("%d rows, want between 2 and 50", rows)
	}
	if total != 20000 {
		t.Errorf("event.count sums to %d, want 20000", total)
	}
	if len(out) != rows+1 {
		t.Errorf("the unrelated event was lost or folded: %d events out", len(out))
	}
	if out[0].GetString(event.FieldOriginal) != "deny 203.0.113.5" {
		t.Error("the first original is not kept")
	}
}

func TestFoldKeepsDifferentEvents(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	batch := []*event.Event{deny(t0, 0, "203.0.113.5"), deny(t0, 1, "203.0.113.6"), deny(t0, 2, "203.0.113.5")}
	pe := event.NewPipelineError([]byte("x"), "bad", t0)
	batch = append(batch, pe, event.NewPipelineError([]byte("x"), "bad", t0))
	out := New(DefaultRules()).Fold(batch)
	if len(out) != 4 {
		t.Fatalf("%d events, want 4 (two sources folded to two rows, two pipeline errors never folded)", len(out))
	}
	if out[0].Count() != 2 || out[1].Count() != 1 {
		t.Errorf("counts %d %d", out[0].Count(), out[1].Count())
	}
	missing := deny(t0, 3, "203.0.113.5")
	missing.Delete("destination.port")
	if got := New(DefaultRules()).Fold([]*event.Event{missing, deny(t0, 4, "203.0.113.5")}); len(got) != 2 {
		t.Error("an event lacking a rule field was folded")
	}
}

func TestValidate(t *testing.T) {
	if err := Validate(DefaultRules()); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]Rule{{{Fields: []string{"a"}, Window: time.Second}}, {{Dataset: "x", Window: time.Second}}, {{Dataset: "x", Fields: []string{"a"}}}} {
		if Validate(bad) == nil {
			t.Errorf("Validate(%+v) accepted", bad)
		}
	}
}

func BenchmarkFold(b *testing.B) {
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	srcs := []string{"203.0.113.5", "203.0.113.6", "198.51.100.7", "192.0.2.1"}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		b.StopTimer()
		batch := make([]*event.Event, 10000)
		for i := range batch {
			batch[i] = deny(t0, i, srcs[i%len(srcs)])
		}
		b.StartTimer()
		New(DefaultRules()).Fold(batch)
		n += len(batch)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

func TestFolds(t *testing.T) {
	f := New([]Rule{{Dataset: "iptables.log", Fields: []string{"source.ip"}, Window: time.Second}})
	for ds, want := range map[string]bool{"iptables.log": true, "IPTABLES.LOG": true, "system.auth": false, "": false} {
		if got := f.Folds(ds); got != want {
			t.Errorf("Folds(%q) = %v, want %v", ds, got, want)
		}
	}
	if !New([]Rule{{Dataset: "*", Fields: []string{"message"}}}).Folds("anything") {
		t.Error(`a "*" rule does not fold every dataset`)
	}
	var none *Folder
	if none.Folds("iptables.log") {
		t.Error("a nil Folder folds")
	}
}
