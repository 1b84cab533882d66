package runner

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/ingest"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/formats"
)

type memSink struct {
	mu     sync.Mutex
	events []*event.Event
}

func (m *memSink) Append(_ context.Context, evs []*event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, evs...)
	return nil
}

func (m *memSink) count(kind string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.events {
		if e.GetString(event.FieldKind) == kind {
			n++
		}
	}
	return n
}

type hubSource struct{ h *ingest.Hub }

func (h hubSource) Subscribe(buf int) (<-chan *event.Event, func() int64, func()) {
	sub := h.h.Subscribe(buf, nil)
	return sub.C, sub.Dropped, func() { h.h.Unsubscribe(sub) }
}

const rules = `title: SSH failed password
id: 5b7a1e2c-1111-4c3d-9e8f-000000000001
name: ssh_failed_password
level: low
logsource:
  product: linux
  service: sshd
detection:
  keywords:
    - 'Failed password'
  condition: keywords
---
title: SSH brute force
id: 5b7a1e2c-1111-4c3d-9e8f-000000000002
level: high
correlation:
  type: event_count
  rules: [ssh_failed_password]
  group-by: [source.ip]
  timespan: 5m
  generate: true # the base rule's matches are signals too
  condition:
    gte: 3
`

func TestRunnerStoresSignalsAndKeepsState(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ssh.yml"), []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	sink := &memSink{}
	pipe := ingest.New(sink, ingest.Options{})
	opts := Options{RuleDirs: []string{dir}, APIRuleDir: filepath.Join(data, "rules"), StateFile: filepath.Join(data, "state")}
	r, err := New(opts, pipeSink{pipe})
	if err != nil {
		t.Fatal(err)
	}
	if info := r.Info(); info.Compiled != 2 {
		t.Fatalf("compiled %d rules: %+v", info.Compiled, info)
	}
	r.Start(hubSource{pipe.Hub()})
	f, _ := formats.ByName("syslog")
	now := time.Now().UTC()
	send := func(n int) {
		var recs [][]byte
		for i := 0; i < n; i++ {
			recs = append(recs, []byte("<38>1 "+now.Format(time.RFC3339)+" bastion sshd 77 - - Failed password for root from 198.51.100.9 port 4000 ssh2"))
		}
		if _, err := pipe.Ingest(context.Background(), "test", &f, recs, parse.Meta{Received: now}); err != nil {
			t.Fatal(err)
		}
	}
	send(2)
	waitFor(t, func() bool { return sink.count("signal") == 2 })
	// Restart: the correlation state (2 of 3 failures) survives.
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r, err = New(opts, pipeSink{pipe})
	if err != nil {
		t.Fatal(err)
	}
	r.Start(hubSource{pipe.Hub()})
	defer r.Close()
	send(1)
	waitFor(t, func() bool { return sink.count("signal") == 4 }) // 3 simple + 1 correlation
}

type pipeSink struct{ p *ingest.Pipeline }

func (s pipeSink) Append(ctx context.Context, evs []*event.Event) error {
	return s.p.Store(ctx, "detect", evs)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMappingFiles: a user mapping file routes a custom logsource.
func TestMappingFiles(t *testing.T) {
	dir := t.TempDir()
	mapping := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(mapping, []byte("logsources:\n  - product: acme\n    service: door\n    when:\n      - event.dataset: acme.door\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rule := "title: door forced\nid: 5b7a1e2c-1111-4c3d-9e8f-00000000000a\nlogsource: {product: acme, service: door}\ndetection:\n  sel: {event.action: forced}\n  condition: sel\n"
	if err := os.WriteFile(filepath.Join(dir, "door.yml"), []byte(rule), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	pipe := ingest.New(sink, ingest.Options{})
	r, err := New(Options{RuleDirs: []string{filepath.Join(dir, "door.yml")}, MappingFiles: []string{mapping}}, pipeSink{pipe})
	if err != nil {
		t.Fatal(err)
	}
	r.Start(hubSource{pipe.Hub()})
	defer r.Close()
	f, _ := formats.ByName("json")
	recs := [][]byte{
		[]byte(`{"event":{"dataset":"acme.door","action":"forced"}}`),
		[]byte(`{"event":{"dataset":"other","action":"forced"}}`),
	}
	if _, err := pipe.Ingest(context.Background(), "test", &f, recs, parse.Meta{Received: time.Now()}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return sink.count("signal") == 1 })
	time.Sleep(100 * time.Millisecond)
	if n := sink.count("signal"); n != 1 {
		t.Fatalf("%d signals, want 1 (only the acme.door event)", n)
	}
}
