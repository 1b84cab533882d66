// Package server assembles a running Shoseki from its configuration: it
// opens the store, builds the ingest pipeline, the syslog listeners and the
// HTTP API in dependency order, and stops them in reverse order on Shutdown
// (stop accepting, drain inputs, flush and fsync the store).
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/shoseki/shoseki/internal/aggregate"
	"github.com/shoseki/shoseki/internal/api"
	"github.com/shoseki/shoseki/internal/auth"
	"github.com/shoseki/shoseki/internal/config"
	"github.com/shoseki/shoseki/internal/detect/runner"
	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/ingest"
	"github.com/shoseki/shoseki/internal/input/netflow"
	"github.com/shoseki/shoseki/internal/input/syslog"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/store/local"
)

// Server is a running Shoseki.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	store    *local.Store
	pipeline *ingest.Pipeline
	tokens   *auth.Store
	syslog   *syslog.Server
	netflow  *netflow.Server
	http     *http.Server
	httpLn   net.Listener
	reg      *prometheus.Registry
	httpErr  chan error
	lock     *os.File
	tls      bool
	detect   *runner.Runner
}

// Options are what the command line adds to the configuration.
type Options struct {
	Version        string
	BootstrapToken string // accepted as an admin token, not stored
	Logger         *slog.Logger
}

// Start opens everything and starts serving.
func Start(cfg config.Config, opts Options) (_ *Server, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, log: log, reg: prometheus.NewRegistry(), httpErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			s.closeAll(context.Background())
		}
	}()
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if s.lock, err = lockDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	if s.tokens, err = auth.Open(cfg.DataDir); err != nil {
		return nil, err
	}
	if opts.BootstrapToken != "" {
		if err := s.tokens.AddEphemeral("bootstrap", opts.BootstrapToken, auth.RoleAdmin); err != nil {
			return nil, fmt.Errorf("SHOSEKI_BOOTSTRAP_TOKEN: %w", err)
		}
	}
	folder := aggregate.New(cfg.Aggregate)
	s.store, err = local.Open(local.Options{
		Dir:             filepath.Join(cfg.DataDir, "store"),
		FlushInterval:   cfg.Storage.FlushInterval,
		Retention:       cfg.Storage.Retention,
		MaxBytes:        cfg.Storage.MaxBytes,
		NoSync:          !cfg.Storage.Fsync,
		PartCompression: partCompression[cfg.Storage.Compression],
		Fold:            folder.Fold,
		FoldStream:      folder.Folds,
		Logger:          log.With("component", "store"),
		Registerer:      s.reg,
	})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if !cfg.Storage.Fsync {
		log.Warn("storage.fsync is off: acknowledged events can be lost in a power failure or kernel crash")
	}
	s.pipeline = ingest.New(s.store, ingest.Options{
		MaxRecordBytes: cfg.Ingest.MaxRecordBytes,
		MaxSkew:        cfg.Ingest.MaxSkew,
		Registerer:     s.reg,
		Logger:         log.With("component", "ingest"),
	})

	if cfg.Detect.Enabled {
		s.detect, err = runner.New(runner.Options{
			RuleDirs:     cfg.Detect.RuleDirs,
			APIRuleDir:   filepath.Join(cfg.DataDir, "rules"),
			StateFile:    filepath.Join(cfg.DataDir, "detect-state.json"),
			Placeholders: cfg.Detect.Placeholders,
			MappingFiles: cfg.Detect.MappingFiles,
			Registerer:   s.reg,
			Logger:       log.With("component", "detect"),
		}, signalSink{s.pipeline})
		if err != nil {
			return nil, err
		}
		info := s.detect.Info()
		log.Info("detection rules loaded", "rules", info.Compiled, "not_compiled", len(info.NotCompiled), "file_errors", len(info.Errors))
		s.detect.Start(hubSource{s.pipeline.Hub()})
	}

	var loc *time.Location
	if cfg.Syslog.Timezone != "" {
		loc, _ = time.LoadLocation(cfg.Syslog.Timezone) // validated in config
	}
	hostZones := map[string]*time.Location{}
	for host, zone := range cfg.Syslog.HostTimezones {
		hostZones[host], _ = time.LoadLocation(zone) // validated in config
	}
	if cfg.Syslog.UDP != "" || cfg.Syslog.TCP != "" {
		syslogFormat, ok := formats.ByName("syslog")
		if !ok {
			return nil, errors.New("syslog format is not registered")
		}
		s.syslog, err = syslog.Listen(syslog.Options{
			UDPAddr:         cfg.Syslog.UDP,
			TCPAddr:         cfg.Syslog.TCP,
			Format:          syslogFormat,
			MaxMessageBytes: cfg.Syslog.MaxMessageBytes,
			Location:        loc,
			HostZones:       hostZones,
			IdleTimeout:     cfg.Syslog.IdleTimeout,
			MaxConns:        cfg.Syslog.MaxConns,
			Registerer:      s.reg,
			Logger:          log.With("component", "syslog"),
		}, s.pipeline)
		if err != nil {
			return nil, err
		}
		udp, tcp := s.syslog.Addrs()
		log.Info("syslog listening", "udp", udp, "tcp", tcp)
	}

	if cfg.NetFlow.UDP != "" {
		s.netflow, err = netflow.Listen(netflow.Options{
			Addr:       cfg.NetFlow.UDP,
			Registerer: s.reg,
			Logger:     log.With("component", "netflow"),
		}, s.pipeline)
		if err != nil {
			return nil, err
		}
		log.Info("netflow listening", "udp", s.netflow.Addrs())
	}

	handler := api.New(api.Options{
		Ingest:       s.pipeline,
		Search:       s.store,
		Auth:         s.tokens,
		Limiter:      ingest.NewLimiter(cfg.Ingest.MaxInflightBytes),
		MaxBodyBytes: cfg.Ingest.MaxBodyBytes,
		Rules:        rulesOrNil(s.detect),
		Gatherer:     s.reg,
		Registerer:   s.reg,
		Logger:       log.With("component", "api"),
		Version:      opts.Version,
	})
	s.httpLn, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	s.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cfg.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		s.http.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.tls = true
	}
	go func() {
		var err error
		if s.tls {
			err = s.http.ServeTLS(s.httpLn, "", "")
		} else {
			err = s.http.Serve(s.httpLn)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			s.httpErr <- err
		}
		close(s.httpErr)
	}()
	log.Info("api listening", "url", s.URL())
	return s, nil
}

// URL returns the API's base URL.
func (s *Server) URL() string {
	scheme := "http"
	if s.tls {
		scheme = "https"
	}
	addr := s.httpLn.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, fmt.Sprint(addr.Port)))
}

// SyslogAddrs returns the bound syslog addresses.
func (s *Server) SyslogAddrs() (udp, tcp string) {
	if s.syslog == nil {
		return "", ""
	}
	return s.syslog.Addrs()
}

// Tokens returns the token store.
func (s *Server) Tokens() *auth.Store { return s.tokens }

// Pipeline returns the ingest pipeline.
func (s *Server) Pipeline() *ingest.Pipeline { return s.pipeline }

// Store returns the event store.
func (s *Server) Store() *local.Store { return s.store }

// Err returns a channel that yields an error if the HTTP server fails.
func (s *Server) Err() <-chan error { return s.httpErr }

// Shutdown stops inputs first (so nothing new arrives), lets in-flight
// requests finish, then flushes and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.closeAll(ctx)
}

func (s *Server) closeAll(ctx context.Context) error {
	var errs []error
	if s.syslog != nil {
		if err := s.syslog.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("syslog: %w", err))
		}
	}
	if s.netflow != nil {
		if err := s.netflow.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("netflow: %w", err))
		}
	}
	if s.http != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http: %w", err))
		}
	} else if s.httpLn != nil {
		s.httpLn.Close()
	}
	if s.detect != nil {
		if err := s.detect.Close(); err != nil {
			errs = append(errs, fmt.Errorf("detect: %w", err))
		}
	}
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: %w", err))
		}
	}
	if s.lock != nil {
		unlockDataDir(s.lock)
	}
	return errors.Join(errs...)
}

// signalSink stores signals through the pipeline's durable path, so they
// are counted, published to tail and kept like any event.
type signalSink struct{ p *ingest.Pipeline }

func (s signalSink) Append(ctx context.Context, events []*event.Event) error {
	return s.p.Store(ctx, "detect", events)
}

// hubSource adapts the ingest hub to the detection runner.
type hubSource struct{ h *ingest.Hub }

func (h hubSource) Subscribe(buf int) (<-chan *event.Event, func() int64, func()) {
	sub := h.h.Subscribe(buf, nil)
	return sub.C, sub.Dropped, func() { h.h.Unsubscribe(sub) }
}

// rulesOrNil keeps a nil *runner.Runner from becoming a non-nil interface.
func rulesOrNil(r *runner.Runner) api.RuleService {
	if r == nil {
		return nil
	}
	return r
}

// partCompression maps storage.compression (validated by config) to the
// store's zstd level.
var partCompression = map[string]zstd.EncoderLevel{
	"fastest": zstd.SpeedFastest,
	"default": zstd.SpeedDefault,
	"better":  zstd.SpeedBetterCompression,
}
