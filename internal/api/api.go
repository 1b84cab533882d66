// Package api is Shoseki's HTTP API (ARCHITECTURE §6), versioned under
// /api/v1. Every /api/v1 call is authenticated with a bearer token and
// authorized by its role; /healthz and /metrics are open (the listener is
// loopback by default). Errors are JSON {"error": "..."} with a status code
// that says whose fault it was; internal causes are logged, not returned.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shoseki/shoseki/internal/auth"
	"github.com/shoseki/shoseki/internal/ingest"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/query"
)

// Ingester is the ingest pipeline as the API uses it.
type Ingester interface {
	Ingest(ctx context.Context, input string, format *parse.Format, records [][]byte, meta parse.Meta) (ingest.Result, error)
	IngestAll(ctx context.Context, input string, format *parse.Format, data []byte, meta parse.Meta) (ingest.Result, error)
	Hub() *ingest.Hub
}

// Authenticator resolves bearer tokens.
type Authenticator interface {
	Authenticate(secret string) (auth.Token, error)
}

// Options configure the API.
type Options struct {
	Ingest       Ingester
	Search       query.Searcher
	Auth         Authenticator
	Rules        RuleService     // nil when detection is disabled
	Limiter      *ingest.Limiter // bytes of ingest bodies in flight
	MaxBodyBytes int64
	Gatherer     prometheus.Gatherer
	Registerer   prometheus.Registerer
	Logger       *slog.Logger
	Health       func() error // nil: always healthy
	Version      string
}

// Server serves the API.
type Server struct {
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux

	mRequests *prometheus.CounterVec
	mLatency  *prometheus.HistogramVec
	mTooBusy  prometheus.Counter
}

// New builds the API handler.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 64 << 20
	}
	if opts.Limiter == nil {
		opts.Limiter = ingest.NewLimiter(8 * opts.MaxBodyBytes)
	}
	s := &Server{opts: opts, log: opts.Logger, mux: http.NewServeMux()}
	s.mRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoseki_http_requests_total", Help: "API requests, per route and status code."}, []string{"route", "code"})
	s.mLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shoseki_http_request_seconds", Help: "API request latency, per route.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"route"})
	s.mTooBusy = prometheus.NewCounter(prometheus.CounterOpts{Name: "shoseki_ingest_throttled_total", Help: "Ingest requests answered 429 because too many bytes were in flight."})
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(s.mRequests, s.mLatency, s.mTooBusy)
		opts.Registerer.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "shoseki_ingest_inflight_bytes", Help: "Bytes of ingest requests being processed (the ingest queue depth)."}, func() float64 { return float64(opts.Limiter.InUse()) }))
	}
	s.route("GET /healthz", "healthz", 0, s.healthz)
	if opts.Gatherer != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{}))
	}
	s.route("POST /api/v1/ingest", "ingest", auth.PermIngest, s.ingest)
	s.route("GET /api/v1/search", "search", auth.PermRead, s.search)
	s.route("POST /api/v1/search", "search", auth.PermRead, s.search)
	s.route("GET /api/v1/tail", "tail", auth.PermRead, s.tail)
	s.route("GET /api/v1/formats", "formats", auth.PermRead, s.formats)
	s.route("GET /api/v1/rules", "rules", auth.PermRead, s.listRules)
	s.route("POST /api/v1/rules", "rules", auth.PermAdmin, s.addRule)
	s.route("DELETE /api/v1/rules/{id}", "rules", auth.PermAdmin, s.deleteRule)
	s.route("POST /api/v1/rules/reload", "rules", auth.PermAdmin, s.reloadRules)
	s.route("POST /api/v1/rules/backtest", "rules", auth.PermRead, s.backtest)
	s.route("GET /api/v1/whoami", "whoami", permAuthenticated, s.whoami)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.Method+" "+r.URL.Path)
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

type ctxKey int

const tokenKey ctxKey = 1

// TokenFrom returns the authenticated token of a request.
func TokenFrom(ctx context.Context) (auth.Token, bool) {
	t, ok := ctx.Value(tokenKey).(auth.Token)
	return t, ok
}

// permAuthenticated admits any valid token, whatever its role.
const permAuthenticated auth.Permission = -1

// route registers h behind authentication (perm 0: none) and metrics.
func (s *Server) route(pattern, name string, perm auth.Permission, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			s.mRequests.WithLabelValues(name, http.StatusText(sw.code)).Inc()
			s.mLatency.WithLabelValues(name).Observe(time.Since(start).Seconds())
		}()
		if perm != 0 {
			tok, err := s.opts.Auth.Authenticate(auth.BearerToken(r.Header.Get("Authorization")))
			if err != nil {
				sw.Header().Set("WWW-Authenticate", `Bearer realm="shoseki"`)
				writeError(sw, http.StatusUnauthorized, "missing or invalid bearer token")
				return
			}
			if perm != permAuthenticated && !tok.Role.Allows(perm) {
				writeError(sw, http.StatusForbidden, "token role "+string(tok.Role)+" may not use "+name)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), tokenKey, tok))
		}
		h(sw, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.opts.Health != nil {
		if err := s.opts.Health(); err != nil {
			s.log.Warn("health check failed", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unhealthy", "error": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.opts.Version})
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	tok, _ := TokenFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{"id": tok.ID, "name": tok.Name, "role": string(tok.Role)})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// errStatus maps an error to a status: input errors are the client's.
func errStatus(err error) int {
	switch {
	case errors.Is(err, context.Canceled):
		return 499
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}
