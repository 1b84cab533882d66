package ingest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/formats"
)

// memSink is an Appender keeping events in memory, failing on demand.
type memSink struct {
	mu     sync.Mutex
	events []*event.Event
	fail   error
}

func (m *memSink) Append(_ context.Context, evs []*event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for _, e := range evs {
		e.Seq = uint64(len(m.events) + 1)
		m.events = append(m.events, e)
	}
	return nil
}

func mustFormat(t *testing.T, name string) *parse.Format {
	t.Helper()
	f, ok := formats.ByName(name)
	if !ok {
		t.Fatalf("format %s not registered", name)
	}
	return &f
}

func TestIngestKeepsEverything(t *testing.T) {
	sink := &memSink{}
	p := New(sink, Options{MaxRecordBytes: 64})
	sub := p.Hub().Subscribe(10, nil)
	recv := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	recs := [][]byte{
		[]byte(`{"@timestamp":"2026-11-21T12:00:00Z","message":"ok"}`),
		[]byte(``),
		[]byte(`{"broken": `),
		[]byte(`{"message":"` + strings.Repeat("x", 100) + `"}`),
		[]byte("\xff\xfe binary \x00 garbage"),
	}
	res, err := p.Ingest(context.Background(), "http", mustFormat(t, "json"), recs, parse.Meta{Received: recv, Peer: "127.0.0.1:5555"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 1 || len(res.Rejected) != 3 || res.Skipped != 1 {
		t.Fatalf("result %+v", res)
	}
	if got := []int{res.Rejected[0].Index, res.Rejected[1].Index, res.Rejected[2].Index}; got[0] != 2 || got[1] != 3 || got[2] != 4 {
		t.Fatalf("rejected indexes %v", got)
	}
	if len(sink.events) != 4 {
		t.Fatalf("stored %d events, want 4 (1 decoded + 3 pipeline errors)", len(sink.events))
	}
	for _, ev := range sink.events[1:] {
		if ev.GetString(event.FieldKind) != event.KindPipelineError || ev.GetString(event.FieldErrorMsg) == "" || ev.GetString(event.FieldOriginal) == "" {
			t.Errorf("pipeline error event lacks fields: %s", ev.AppendJSON(nil))
		}
		if ev.GetString(event.FieldInputType) != "http" || ev.GetString(event.FieldLogSource) != "127.0.0.1:5555" {
			t.Errorf("input metadata missing: %s", ev.AppendJSON(nil))
		}
	}
	if got := len(sink.events[2].GetString(event.FieldOriginal)); got != 64 {
		t.Errorf("oversize record kept %d bytes, want the first 64", got)
	}
	if !strings.Contains(res.Rejected[1].Reason, "exceeds the limit") {
		t.Errorf("oversize reason: %q", res.Rejected[1].Reason)
	}
	if len(sub.C) != 4 {
		t.Errorf("subscriber got %d events, want 4", len(sub.C))
	}
}

func TestIngestAutoDetectAndSkew(t *testing.T) {
	sink := &memSink{}
	p := New(sink, Options{})
	recv := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	recs := [][]byte{
		[]byte(`<38>1 2026-11-21T12:00:01Z web-01 sshd 4242 - - Accepted password for alice from 10.0.0.5 port 50022 ssh2`),
		[]byte(`<38>1 2026-11-21T11:00:00Z web-01 sshd 4242 - - Failed password for bob from 10.0.0.6 port 50023 ssh2`),
	}
	res, err := p.Ingest(context.Background(), "syslog-tcp", nil, recs, parse.Meta{Received: recv, Location: time.UTC})
	if err != nil || res.Accepted != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	if sink.events[0].Has(event.FieldSkewMillis) {
		t.Error("an event 1 s from receive time was flagged as skewed")
	}
	v, ok := sink.events[1].Get(event.FieldSkewMillis)
	if n, _ := v.Int(); !ok || n != -3600000 {
		t.Errorf("skew = %v, want -3600000 ms", v)
	}
	if sink.events[0].GetString("user.name") != "alice" {
		t.Errorf("syslog decoder not applied: %s", sink.events[0].AppendJSON(nil))
	}
}

func TestIngestStoreFailureIsReported(t *testing.T) {
	sink := &memSink{fail: errors.New("disk full")}
	p := New(sink, Options{})
	_, err := p.Ingest(context.Background(), "http", mustFormat(t, "json"), [][]byte{[]byte(`{"a":1}`)}, parse.Meta{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(100)
	if !l.TryAcquire(60) || l.TryAcquire(60) {
		t.Fatal("TryAcquire over budget")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Acquire(ctx, 60); err == nil {
		t.Fatal("Acquire over budget did not wait for ctx")
	}
	l.Release(60)
	if !l.TryAcquire(500) {
		t.Fatal("an oversize request must pass when nothing is in flight")
	}
	if l.InUse() != 500 {
		t.Fatalf("in use %d", l.InUse())
	}
}
