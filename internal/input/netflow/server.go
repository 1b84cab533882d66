package netflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoseki/shoseki/internal/event"
)

// Input is the input name the server stores its batches under.
const Input = "netflow-udp"

// Sink is where batches of flow events go. Store returns once the batch is
// durable; the sink owns the events (and the slice) after the call.
type Sink interface {
	Store(ctx context.Context, input string, events []*event.Event) error
}

// Options configure the listener.
type Options struct {
	Addr         string        // UDP listen address, e.g. ":2055"; port 0 picks a free port
	BatchSize    int           // events per batch (default 2000)
	BatchDelay   time.Duration // longest an event waits for its batch to fill (default 100ms)
	MaxExporters int           // exporters whose templates are cached (default 1024)
	MaxTemplates int           // templates cached per exporter (default 4096)
	Registerer   prometheus.Registerer
	Logger       *slog.Logger
}

// Server runs the NetFlow/IPFIX listener.
type Server struct {
	opts Options
	sink Sink
	log  *slog.Logger
	dec  *Decoder
	udp  *net.UDPConn

	ctx      context.Context
	cancel   context.CancelFunc
	stopping chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup

	mPackets *prometheus.CounterVec
	mRecords *prometheus.CounterVec
}

// Listen opens the UDP listener and starts serving.
func Listen(opts Options, sink Sink) (*Server, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2000
	}
	if opts.BatchDelay <= 0 {
		opts.BatchDelay = 100 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{
		opts: opts, sink: sink, log: opts.Logger,
		dec:      NewDecoder(opts.MaxExporters, opts.MaxTemplates),
		stopping: make(chan struct{}),
	}
	s.mPackets = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoseki_netflow_packets_total", Help: "NetFlow/IPFIX packets received, by result (ok, error)."}, []string{"result"})
	s.mRecords = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoseki_netflow_records_total", Help: "NetFlow/IPFIX flow records, by result (stored, no_template, store_error)."}, []string{"result"})
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(s.mPackets, s.mRecords)
	}
	addr, err := net.ResolveUDPAddr("udp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("netflow udp %s: %w", opts.Addr, err)
	}
	c, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("netflow udp: %w", err)
	}
	_ = c.SetReadBuffer(8 << 20)
	s.udp = c
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Addrs returns the bound UDP address.
func (s *Server) Addrs() (udp string) { return s.udp.LocalAddr().String() }

// Close stops reading after what is already queued, stores the last batch
// and waits up to ctx's deadline for it.
func (s *Server) Close(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.stopping) })
	_ = s.udp.SetReadDeadline(time.Now().Add(s.stopWait()))
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.cancel()
	s.udp.Close()
	<-done
	return err
}

// stopWait is how long a stopping server waits for more packets before it
// stores its last batch and returns.
func (s *Server) stopWait() time.Duration { return min(s.opts.BatchDelay, 50*time.Millisecond) }

func (s *Server) isStopping() bool {
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}

func (s *Server) serve() {
	defer s.wg.Done()
	buf := make([]byte, 64<<10)
	var batch []*event.Event
	ok, bad := s.mPackets.WithLabelValues("ok"), s.mPackets.WithLabelValues("error")
	noTemplate := s.mRecords.WithLabelValues("no_template")
	emit := func(ev *event.Event) { batch = append(batch, ev) }
	deadline := time.Time{}
	for {
		if deadline.IsZero() && (len(batch) > 0 || s.isStopping()) {
			wait := s.opts.BatchDelay
			if s.isStopping() {
				wait = s.stopWait()
			}
			deadline = time.Now().Add(wait)
			_ = s.udp.SetReadDeadline(deadline)
		}
		n, from, err := s.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				batch = s.flush(batch)
				deadline = time.Time{}
				_ = s.udp.SetReadDeadline(time.Time{})
				if s.isStopping() {
					return
				}
				continue
			}
			s.flush(batch)
			if !errors.Is(err, net.ErrClosed) {
				s.log.Error("netflow udp read", "err", err)
			}
			return
		}
		st, err := s.dec.Decode(buf[:n], from, time.Now(), emit)
		noTemplate.Add(float64(st.NoTemplate))
		if err != nil {
			bad.Inc()
			s.log.Debug("netflow packet not decoded", "exporter", from.String(), "bytes", n, "err", err)
		} else {
			ok.Inc()
		}
		if len(batch) >= s.opts.BatchSize {
			batch = s.flush(batch)
			deadline = time.Time{}
			_ = s.udp.SetReadDeadline(time.Time{})
		}
	}
}

// flush stores a batch and returns an empty one.
func (s *Server) flush(batch []*event.Event) []*event.Event {
	if len(batch) == 0 {
		return batch
	}
	if err := s.sink.Store(s.ctx, Input, batch); err != nil {
		s.mRecords.WithLabelValues("store_error").Add(float64(len(batch)))
		s.log.Error("netflow batch not stored", "events", len(batch), "err", err)
	} else {
		s.mRecords.WithLabelValues("stored").Add(float64(len(batch)))
	}
	return make([]*event.Event, 0, s.opts.BatchSize)
}
