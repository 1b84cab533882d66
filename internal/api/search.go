package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/query"
)

// maxSearchLimit bounds the events one search returns.
const maxSearchLimit = 10000

type searchParams struct {
	Q      string `json:"q"`
	From   string `json:"from"`
	To     string `json:"to"`
	Limit  int    `json:"limit"`
	Format string `json:"format"`
}

// search runs a query: GET with q, from, to, limit, format parameters, or
// POST with the same as a JSON object. format is json (default), csv or
// table.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	p, err := searchParamsOf(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	now := time.Now()
	opts := query.Options{Limit: p.Limit}
	if opts.From, opts.To, err = timeRange(p.From, p.To, now); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	q, err := query.Parse(p.Q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := query.Run(r.Context(), s.opts.Search, q, opts)
	if err != nil {
		var pe *query.ParseError
		if errors.As(err, &pe) {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.log.Error("search failed", "q", p.Q, "err", err)
		writeError(w, errStatus(err), "search failed: "+err.Error())
		return
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	switch p.Format {
	case "", "json":
		w.Header().Set("Content-Type", "application/json")
		err = res.WriteJSON(bw)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		err = res.WriteCSV(bw)
	case "table":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		err = res.WriteTable(bw)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		s.log.Warn("search response not fully written", "err", err)
	}
}

func searchParamsOf(r *http.Request) (searchParams, error) {
	var p searchParams
	if r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/json" {
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return p, fmt.Errorf("search request body: %w", err)
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return p, fmt.Errorf("search parameters: %w", err)
		}
		p.Q, p.From, p.To, p.Format = r.Form.Get("q"), r.Form.Get("from"), r.Form.Get("to"), r.Form.Get("format")
		if l := r.Form.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil {
				return p, fmt.Errorf("limit %q is not a number", l)
			}
			p.Limit = n
		}
	}
	if len(p.Q) > 64<<10 {
		return p, errors.New("query longer than 65536 bytes")
	}
	if p.Limit < 0 || p.Limit > maxSearchLimit {
		return p, fmt.Errorf("limit must be between 0 and %d", maxSearchLimit)
	}
	if p.Limit == 0 {
		p.Limit = 100
	}
	switch p.Format {
	case "", "json", "csv", "table":
	default:
		return p, fmt.Errorf("format %q is not json, csv or table", p.Format)
	}
	return p, nil
}

// timeRange resolves from/to (default: the last 24 hours).
func timeRange(from, to string, now time.Time) (time.Time, time.Time, error) {
	if from == "" {
		from = "now-24h"
	}
	if to == "" {
		to = "now"
	}
	f, err := query.ParseTimeArg(from, now)
	if err != nil {
		return f, f, fmt.Errorf("from: %w", err)
	}
	t, err := query.ParseTimeArg(to, now)
	if err != nil {
		return f, t, fmt.Errorf("to: %w", err)
	}
	if !f.Before(t) {
		return f, t, fmt.Errorf("from (%s) must be before to (%s)", f.Format(time.RFC3339), t.Format(time.RFC3339))
	}
	return f, t, nil
}

// tail streams newly stored events matching q as server-sent events: each
// event is an SSE "event" message holding one JSON event; "dropped" messages
// say how many events this reader missed because it was too slow; a comment
// line every 15 s keeps proxies from closing the stream. Only the filter part
// of q applies (pipes need a finite input).
func (s *Server) tail(w http.ResponseWriter, r *http.Request) {
	qs := r.URL.Query().Get("q")
	q, err := query.Parse(qs)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(q.Pipes) > 0 {
		writeError(w, http.StatusBadRequest, "tail takes a filter only, without pipes")
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	f := q.Filter
	sub := s.opts.Ingest.Hub().Subscribe(4096, func(ev *event.Event) bool { return filter.Match(f, ev) })
	defer s.opts.Ingest.Hub().Unsubscribe(sub)
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	buf := make([]byte, 0, 4096)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-heartbeat.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case ev := <-sub.C:
			buf = append(buf[:0], "event: event\ndata: "...)
			buf = ev.AppendJSON(buf)
			buf = append(buf, "\n\n"...)
			// Send what else is queued in the same write.
			for more := true; more && len(buf) < 256<<10; {
				select {
				case ev := <-sub.C:
					buf = append(buf, "event: event\ndata: "...)
					buf = ev.AppendJSON(buf)
					buf = append(buf, "\n\n"...)
				default:
					more = false
				}
			}
			if n := sub.Dropped(); n > 0 {
				buf = fmt.Appendf(buf, "event: dropped\ndata: {\"dropped\":%d}\n\n", n)
			}
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func (s *Server) formats(w http.ResponseWriter, r *http.Request) {
	type fm struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	var out []fm
	for _, f := range formats.All() {
		out = append(out, fm{f.Name, f.Description})
	}
	writeJSON(w, http.StatusOK, map[string]any{"formats": out})
}
