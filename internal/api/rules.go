package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/shoseki/shoseki/internal/detect/runner"
	"github.com/shoseki/shoseki/internal/detect/sigma"
	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/store"
)

// RuleService is the detection runner as the API uses it.
type RuleService interface {
	Info() runner.LoadInfo
	Rules() []*sigma.Rule
	Reload() (runner.LoadInfo, error)
	AddRule(yaml []byte) ([]*sigma.Rule, runner.LoadInfo, error)
	DeleteRule(id string) (runner.LoadInfo, error)
}

type ruleSummary struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Level  string   `json:"level,omitempty"`
	Status string   `json:"status,omitempty"`
	File   string   `json:"file,omitempty"`
	Line   int      `json:"line,omitempty"`
	Tags   []string `json:"tags,omitempty"`
}

func summarize(rules []*sigma.Rule) []ruleSummary {
	out := make([]ruleSummary, 0, len(rules))
	for _, r := range rules {
		out = append(out, ruleSummary{r.ID, r.Title, r.Level, r.Status, r.File, r.Line, r.Tags})
	}
	return out
}

func (s *Server) rulesEnabled(w http.ResponseWriter) bool {
	if s.opts.Rules == nil {
		writeError(w, http.StatusNotFound, "detection is disabled (detect.enabled: false)")
		return false
	}
	return true
}

// listRules answers the loaded rules and what failed to load or compile.
func (s *Server) listRules(w http.ResponseWriter, r *http.Request) {
	if !s.rulesEnabled(w) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"info": s.opts.Rules.Info(), "rules": summarize(s.opts.Rules.Rules())})
}

const maxRuleBytes = 1 << 20

// addRule stores a Sigma rule (YAML body) and reloads; a rule that does not
// parse or compile is refused with the reason (400).
func (s *Server) addRule(w http.ResponseWriter, r *http.Request) {
	if !s.rulesEnabled(w) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRuleBytes+1))
	if err != nil || len(body) > maxRuleBytes {
		writeError(w, http.StatusBadRequest, "rule body unreadable or over 1 MiB")
		return
	}
	rules, info, err := s.opts.Rules.AddRule(body)
	if err != nil {
		s.ruleError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"added": summarize(rules), "info": info})
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request) {
	if !s.rulesEnabled(w) {
		return
	}
	info, err := s.opts.Rules.DeleteRule(r.PathValue("id"))
	if err != nil {
		s.ruleError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"info": info})
}

func (s *Server) reloadRules(w http.ResponseWriter, r *http.Request) {
	if !s.rulesEnabled(w) {
		return
	}
	info, err := s.opts.Rules.Reload()
	if err != nil {
		s.ruleError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"info": info})
}

func (s *Server) ruleError(w http.ResponseWriter, err error) {
	var ie *runner.InputError
	if errors.As(err, &ie) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.log.Error("rule operation failed", "err", err)
	writeError(w, http.StatusInternalServerError, "rule operation failed: "+err.Error())
}

// backtestLimit bounds the signals one backtest returns.
const backtestLimit = 1000

// backtest runs a Sigma rule (YAML body) over stored events in [from, to)
// and answers the signals it would have raised, without storing them.
func (s *Server) backtest(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRuleBytes+1))
	if err != nil || len(body) > maxRuleBytes {
		writeError(w, http.StatusBadRequest, "rule body unreadable or over 1 MiB")
		return
	}
	rules, err := sigma.ParseRule(body, "backtest")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	eng, err := sigma.NewEngine(&sigma.RuleSet{Rules: rules}, sigma.Options{})
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if nc := eng.NotCompiled(); len(nc) > 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("rule does not compile: %v", nc[0].Error()))
		return
	}
	from, to, err := timeRange(r.URL.Query().Get("from"), r.URL.Query().Get("to"), time.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	start := time.Now()
	var signals []*event.Event
	matches := 0
	emit := func(sig sigma.Signal) {
		matches++
		if len(signals) < backtestLimit {
			signals = append(signals, sig.ToEvent())
		}
	}
	var last int64
	stats, err := s.opts.Search.Search(r.Context(), store.Request{From: from.UnixNano(), To: to.UnixNano()}, func(ev *event.Event) error {
		if ev.GetString(event.FieldKind) == "signal" {
			return nil
		}
		last = max(last, ev.Time)
		eng.Process(ev, emit)
		return nil
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return
		}
		writeError(w, errStatus(err), "backtest search failed: "+err.Error())
		return
	}
	eng.Advance(to.UnixNano(), emit)
	w.Header().Set("Content-Type", "application/json")
	buf := []byte(`{"matches":`)
	buf = strconv.AppendInt(buf, int64(matches), 10)
	buf = append(buf, `,"scanned":`...)
	buf = strconv.AppendInt(buf, stats.EventsScanned, 10)
	buf = append(buf, `,"took_ms":`...)
	buf = strconv.AppendInt(buf, time.Since(start).Milliseconds(), 10)
	buf = append(buf, `,"signals":[`...)
	for i, sig := range signals {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = sig.AppendJSON(buf)
	}
	buf = append(buf, "]}\n"...)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf)
}
