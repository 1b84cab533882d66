package netflow

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/shoseki/shoseki/internal/event"
)

// memSink collects stored batches.
type memSink struct {
	mu     sync.Mutex
	inputs []string
	events []*event.Event
	fail   error
	more   chan struct{}
}

func newMemSink() *memSink { return &memSink{more: make(chan struct{}, 1024)} }

func (s *memSink) Store(_ context.Context, input string, evs []*event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.inputs = append(s.inputs, input)
	s.events = append(s.events, evs...)
	s.more <- struct{}{}
	return nil
}

// waitFor waits until the sink holds n events (or the test's deadline).
func (s *memSink) waitFor(t *testing.T, n int) []*event.Event {
	t.Helper()
	for {
		s.mu.Lock()
		if len(s.events) >= n {
			evs := append([]*event.Event(nil), s.events...)
			s.mu.Unlock()
			return evs
		}
		s.mu.Unlock()
		select {
		case <-s.more:
		case <-time.After(10 * time.Second):
			t.Fatalf("sink holds fewer than %d events", n)
		}
	}
}

func send(t *testing.T, c net.Conn, pkts ...[]byte) {
	t.Helper()
	for _, p := range pkts {
		if _, err := c.Write(p); err != nil {
			t.Fatal(err)
		}
	}
}

func TestServer(t *testing.T) {
	sink := newMemSink()
	reg := prometheus.NewRegistry()
	srv, err := Listen(Options{Addr: "127.0.0.1:0", BatchSize: 3, BatchDelay: 20 * time.Millisecond, Registerer: reg}, sink)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("udp", srv.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	secs := uint32(time.Now().Unix())
	rec := v9Record("10.1.1.1", "10.2.2.2", 1234, 22, 6, 4000, 30, 50000, 60000)
	start := uint64(time.Now().UnixMilli())
	irec := ipfixRecord("2001:db8::1", "2001:db8::2", 1, 2, 10, start, start+1)
	send(t, c,
		buildV5(100000, secs, 1,
			v5Rec{src: "10.0.0.1", dst: "10.0.0.2", srcPort: 1, dstPrt: 2, proto: 6, pkts: 1, octets: 40},
			v5Rec{src: "10.0.0.3", dst: "10.0.0.4", srcPort: 3, dstPrt: 4, proto: 17, pkts: 1, octets: 40}),
		buildV9(60000, secs, 1, 1, 2, templateSet(0, 256, rec), dataSet(256, rec)),
		buildV9(60000, secs, 2, 1, 1, dataSet(256, rec, rec)),
		buildIPFIX(secs, 1, 1, templateSet(2, 256, irec), dataSet(256, irec)),
		[]byte{0, 42, 1, 2}, // not NetFlow: counted, not stored
	)
	evs := sink.waitFor(t, 6)
	if len(evs) != 6 {
		t.Fatalf("stored %d events, want 6", len(evs))
	}
	versions := map[string]int{}
	for _, ev := range evs {
		versions[get(ev, "netflow.exporter.version")]++
		if get(ev, "observer.ip") != `"127.0.0.1"` {
			t.Errorf("observer.ip = %s", get(ev, "observer.ip"))
		}
	}
	if versions["5"] != 2 || versions["9"] != 3 || versions["10"] != 1 {
		t.Errorf("events by version %v", versions)
	}
	for _, in := range sink.inputs {
		if in != Input {
			t.Errorf("input %q", in)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := counterValue(srv.mPackets.WithLabelValues("error")); got != 1 {
		t.Errorf("error packets = %v, want 1", got)
	}
	if got := counterValue(srv.mRecords.WithLabelValues("stored")); got != 6 {
		t.Errorf("stored records = %v, want 6", got)
	}
}

// TestServerCloseFlushes checks that Close stores the batch still waiting
// to fill.
func TestServerCloseFlushes(t *testing.T) {
	sink := newMemSink()
	srv, err := Listen(Options{Addr: "127.0.0.1:0", BatchSize: 1000, BatchDelay: time.Hour}, sink)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("udp", srv.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send(t, c, buildV5(1, uint32(time.Now().Unix()), 1, v5Rec{src: "10.0.0.1", dst: "10.0.0.2"}))
	// Wait until the packet was read: a v5 packet to a second server with a
	// short delay would race; instead poll the packet counter.
	deadline := time.Now().Add(10 * time.Second)
	for counterValue(srv.mPackets.WithLabelValues("ok")) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("packet not read")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if evs := sink.waitFor(t, 1); len(evs) != 1 {
		t.Fatalf("%d events after Close", len(evs))
	}
}

// TestServerStoreError checks that a failing sink is counted, not fatal.
func TestServerStoreError(t *testing.T) {
	sink := newMemSink()
	sink.fail = errors.New("disk full")
	srv, err := Listen(Options{Addr: "127.0.0.1:0", BatchSize: 1, BatchDelay: 10 * time.Millisecond}, sink)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("udp", srv.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send(t, c, buildV5(1, uint32(time.Now().Unix()), 1, v5Rec{src: "10.0.0.1", dst: "10.0.0.2"}))
	deadline := time.Now().Add(10 * time.Second)
	for counterValue(srv.mRecords.WithLabelValues("store_error")) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("store error not counted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// counterValue reads a counter.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
