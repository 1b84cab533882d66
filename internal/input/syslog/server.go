// Package syslog receives syslog messages over UDP and TCP (RFC 5426,
// RFC 6587: octet-counted and LF framing, mixed on one connection) and hands
// them, in batches, to the ingest pipeline. Framing only: decoding is the
// syslog format's job (internal/parse/syslog).
//
// Back-pressure: a TCP connection is not read further until its previous
// batch is durably stored, so a fast sender is slowed by the TCP window, not
// dropped. UDP has no back-pressure; datagrams the kernel drops because the
// socket buffer overflowed are read from SO_RXQ_OVFL where the platform
// reports it and counted in shoseki_syslog_udp_dropped_total.
package syslog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoseki/shoseki/internal/ingest"
	"github.com/shoseki/shoseki/internal/parse"
)

// Sink is where batches of framed records go (the ingest pipeline). It
// returns once the batch is durable.
type Sink interface {
	Ingest(ctx context.Context, input string, format *parse.Format, records [][]byte, meta parse.Meta) (ingest.Result, error)
	// Reject stores a record that framing already found bad (cut, partial)
	// as a pipeline_error event with the reason.
	Reject(ctx context.Context, input string, record []byte, reason string, meta parse.Meta) error
}

// Options configure the listeners.
type Options struct {
	UDPAddr, TCPAddr string
	Format           parse.Format              // the syslog format
	MaxMessageBytes  int                       // frames longer than this are cut and kept as pipeline_error
	Location         *time.Location            // zone for RFC 3164 timestamps; nil: local
	HostZones        map[string]*time.Location // per-host overrides of Location
	IdleTimeout      time.Duration             // a TCP connection silent this long is closed
	MaxConns         int
	BatchSize        int           // records per batch (default 2000)
	BatchDelay       time.Duration // longest a record waits for its batch to fill (default 50ms)
	Registerer       prometheus.Registerer
	Logger           *slog.Logger
}

// Server runs the syslog listeners.
type Server struct {
	opts Options
	sink Sink
	log  *slog.Logger

	udp *net.UDPConn
	tcp net.Listener

	ctx      context.Context
	cancel   context.CancelFunc
	stopping chan struct{}
	wg       sync.WaitGroup

	connsMu sync.Mutex
	conns   map[net.Conn]struct{}

	mFrames     *prometheus.CounterVec
	mOversize   *prometheus.CounterVec
	mPartial    prometheus.Counter
	mUDPDropped prometheus.Counter
	mConns      prometheus.Gauge
	mRefused    prometheus.Counter
}

// Listen opens the configured listeners (an empty address is skipped) and
// starts serving. Addresses with port 0 get a free port; see Addrs.
func Listen(opts Options, sink Sink) (*Server, error) {
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 1 << 20
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2000
	}
	if opts.BatchDelay <= 0 {
		opts.BatchDelay = 50 * time.Millisecond
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 5 * time.Minute
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 1024
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{opts: opts, sink: sink, log: opts.Logger, conns: map[net.Conn]struct{}{}, stopping: make(chan struct{})}
	s.mFrames = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoseki_syslog_frames_total", Help: "Syslog messages framed, per transport."}, []string{"transport"})
	s.mOversize = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoseki_syslog_oversize_total", Help: "Syslog messages longer than max_message_bytes (cut, kept as pipeline_error)."}, []string{"transport"})
	s.mPartial = prometheus.NewCounter(prometheus.CounterOpts{Name: "shoseki_syslog_partial_frames_total", Help: "TCP connections that ended inside an octet-counted frame (kept as pipeline_error)."})
	s.mUDPDropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "shoseki_syslog_udp_dropped_total", Help: "UDP datagrams dropped by the kernel because the socket buffer was full."})
	s.mConns = prometheus.NewGauge(prometheus.GaugeOpts{Name: "shoseki_syslog_tcp_connections", Help: "Open syslog TCP connections."})
	s.mRefused = prometheus.NewCounter(prometheus.CounterOpts{Name: "shoseki_syslog_tcp_refused_total", Help: "TCP connections refused because max_connections was reached."})
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(s.mFrames, s.mOversize, s.mPartial, s.mUDPDropped, s.mConns, s.mRefused)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if opts.UDPAddr != "" {
		addr, err := net.ResolveUDPAddr("udp", opts.UDPAddr)
		if err != nil {
			return nil, fmt.Errorf("syslog udp %s: %w", opts.UDPAddr, err)
		}
		c, err := net.ListenUDP("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("syslog udp: %w", err)
		}
		_ = c.SetReadBuffer(8 << 20)
		enableDropCounter(c)
		s.udp = c
	}
	if opts.TCPAddr != "" {
		l, err := net.Listen("tcp", opts.TCPAddr)
		if err != nil {
			if s.udp != nil {
				s.udp.Close()
			}
			return nil, fmt.Errorf("syslog tcp: %w", err)
		}
		s.tcp = l
	}
	if s.udp != nil {
		s.wg.Add(1)
		go s.serveUDP()
	}
	if s.tcp != nil {
		s.wg.Add(1)
		go s.serveTCP()
	}
	return s, nil
}

// Addrs returns the bound UDP and TCP addresses ("" when disabled).
func (s *Server) Addrs() (udp, tcp string) {
	if s.udp != nil {
		udp = s.udp.LocalAddr().String()
	}
	if s.tcp != nil {
		tcp = s.tcp.Addr().String()
	}
	return udp, tcp
}

// Close stops accepting, lets open connections read what is already queued
// and store their last batch, and waits up to ctx's deadline for them; then
// it closes them.
func (s *Server) Close(ctx context.Context) error {
	close(s.stopping)
	if s.tcp != nil {
		s.tcp.Close()
	}
	soon := time.Now().Add(s.opts.BatchDelay)
	if s.udp != nil {
		_ = s.udp.SetReadDeadline(soon)
	}
	s.connsMu.Lock()
	for c := range s.conns {
		_ = c.SetReadDeadline(soon)
	}
	s.connsMu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.cancel()
	s.connsMu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.connsMu.Unlock()
	if s.udp != nil {
		s.udp.Close()
	}
	<-done
	return err
}

func (s *Server) closing() bool {
	select {
	case <-s.ctx.Done():
		return true
	default:
		return false
	}
}

// batch accumulates records, copying their bytes into one arena.
type batch struct {
	arena   []byte
	offsets []int
	recs    [][]byte
}

func (b *batch) add(data []byte) {
	b.offsets = append(b.offsets, len(b.arena))
	b.arena = append(b.arena, data...)
}

func (b *batch) records() [][]byte {
	b.recs = b.recs[:0]
	for i, off := range b.offsets {
		end := len(b.arena)
		if i+1 < len(b.offsets) {
			end = b.offsets[i+1]
		}
		b.recs = append(b.recs, b.arena[off:end:end])
	}
	return b.recs
}

func (b *batch) len() int { return len(b.offsets) }

func (b *batch) reset() {
	b.arena = b.arena[:0]
	b.offsets = b.offsets[:0]
}

func (s *Server) flush(b *batch, input, peer string) {
	if b.len() == 0 {
		return
	}
	meta := parse.Meta{Received: time.Now(), Peer: peer, Location: s.opts.Location, HostZones: s.opts.HostZones}
	format := s.opts.Format
	for {
		_, err := s.sink.Ingest(s.ctx, input, &format, b.records(), meta)
		if err == nil {
			break
		}
		if s.closing() || errors.Is(err, context.Canceled) {
			s.log.Error("syslog batch not stored at shutdown", "input", input, "peer", peer, "records", b.len(), "err", err)
			break
		}
		// The store refused (disk full, I/O error): keep the batch and
		// retry, which holds the sender back instead of losing data.
		s.log.Error("syslog batch not stored; retrying", "input", input, "records", b.len(), "err", err)
		select {
		case <-time.After(time.Second):
		case <-s.ctx.Done():
		}
	}
	b.reset()
}
