// Package runner runs the Sigma engine as a service of the server: it
// loads rules from directories (and rules added through the API, kept in a
// directory of their own), evaluates every stored event as it arrives, and
// stores each match as a signal event (event.kind: signal) through the same
// durable path as any event. Reload builds a new engine from the rule files
// and swaps it in, carrying correlation state over; the state is also saved
// on Close and loaded on start, so correlations survive a restart.
//
// Events reach the runner from the ingest hub through a bounded queue. When
// detection cannot keep up, events are not evaluated rather than blocking
// ingest: each such event is counted in shoseki_detect_skipped_total and
// logged, never silent. Signals themselves are not evaluated again.
package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoseki/shoseki/internal/detect/sigma"
	"github.com/shoseki/shoseki/internal/event"
)

// Sink stores signal events durably.
type Sink interface {
	Append(ctx context.Context, events []*event.Event) error
}

// Source delivers stored events (the ingest hub). Subscribe returns a
// channel of events and a function reporting how many were lost.
type Source interface {
	Subscribe(buf int) (events <-chan *event.Event, dropped func() int64, cancel func())
}

// Options configure the runner.
type Options struct {
	RuleDirs     []string            // directories (or files) of Sigma rules
	WatchEvery   time.Duration       // re-read the rules when their files change, checked this often (default 10s; <0: never)
	APIRuleDir   string              // where rules added through the API are written
	StateFile    string              // correlation state across restarts ("" = none)
	Placeholders map[string][]string // values of |expand placeholders
	MappingFiles []string            // YAML logsource/field mappings added to the built-in ones
	QueueSize    int                 // events buffered for detection (default 65536)
	Registerer   prometheus.Registerer
	Logger       *slog.Logger
}

// Runner is the detection service.
//
// Rule files are re-read when they change (checked every WatchEvery), on
// Reload, and when rules are added or deleted through the API.
type Runner struct {
	opts Options
	sink Sink
	log  *slog.Logger

	mu       sync.RWMutex // guards engine and loadInfo (swap on reload)
	engine   *sigma.Engine
	loadInfo LoadInfo
	procMu   sync.Mutex // serializes Process: the engine is single-goroutine

	filesSeen string // rulesFingerprint at the last (re)load; used by the Start goroutine only

	cancel context.CancelFunc
	done   chan struct{}

	mEvents, mSignals, mSkipped prometheus.Counter
	mRules                      prometheus.Gauge
	mReloads                    *prometheus.CounterVec
}

// LoadInfo describes the loaded rule set.
type LoadInfo struct {
	Loaded      int                  `json:"loaded"`
	Compiled    int                  `json:"compiled"`
	Errors      []string             `json:"errors,omitempty"`       // files that did not parse
	NotCompiled []sigma.CompileError `json:"not_compiled,omitempty"` // rules the engine could not compile
	LoadedAt    time.Time            `json:"loaded_at"`
}

// New loads the rules and builds the engine; Start begins evaluating.
func New(opts Options, sink Sink) (*Runner, error) {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1 << 16
	}
	if opts.WatchEvery == 0 {
		opts.WatchEvery = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Runner{opts: opts, sink: sink, log: opts.Logger}
	r.mEvents = prometheus.NewCounter(prometheus.CounterOpts{Name: "shoseki_detect_events_total", Help: "Events evaluated by the Sigma engine."})
	r.mSignals = prometheus.NewCounter(prometheus.CounterOpts{Name: "shoseki_detect_signals_total", Help: "Signals (rule matches) stored."})
	r.mSkipped = prometheus.NewCounter(prometheus.CounterOpts{Name: "shoseki_detect_skipped_total", Help: "Stored events not evaluated because detection could not keep up."})
	r.mRules = prometheus.NewGauge(prometheus.GaugeOpts{Name: "shoseki_detect_rules", Help: "Sigma rules compiled and active."})
	r.mReloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoseki_detect_reloads_total", Help: "Rule reloads, by result."}, []string{"result"})
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(r.mEvents, r.mSignals, r.mSkipped, r.mRules, r.mReloads)
		stat := func(name, help string, value func(sigma.Stats) float64) prometheus.Collector {
			return prometheus.NewUntypedFunc(prometheus.UntypedOpts{Name: name, Help: help}, func() float64 {
				return value(r.engineStats())
			})
		}
		opts.Registerer.MustRegister(
			stat("shoseki_detect_correlation_states", "Correlation group states held.", func(s sigma.Stats) float64 { return float64(s.States) }),
			stat("shoseki_detect_correlation_states_dropped", "New correlation groups not tracked because the state cap was reached (since the last reload).", func(s sigma.Stats) float64 { return float64(s.StatesDropped) }),
			stat("shoseki_detect_correlation_states_expired", "Correlation states expired (since the last reload).", func(s sigma.Stats) float64 { return float64(s.StatesExpired) }),
			stat("shoseki_detect_late_events", "Events behind the out-of-order allowance, not correlated (since the last reload).", func(s sigma.Stats) float64 { return float64(s.LateEvents) }),
		)
	}
	if opts.APIRuleDir != "" {
		if err := os.MkdirAll(opts.APIRuleDir, 0o750); err != nil {
			return nil, fmt.Errorf("rules directory: %w", err)
		}
	}
	eng, info, err := r.build()
	if err != nil {
		return nil, err
	}
	if opts.StateFile != "" {
		if f, err := os.Open(opts.StateFile); err == nil {
			if err := eng.LoadState(bufio.NewReader(f)); err != nil {
				r.log.Warn("correlation state not restored; starting fresh", "file", opts.StateFile, "err", err)
			}
			f.Close()
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("correlation state: %w", err)
		}
	}
	r.engine, r.loadInfo = eng, info
	r.filesSeen = r.rulesFingerprint()
	r.mRules.Set(float64(info.Compiled))
	return r, nil
}

// rulesFingerprint summarizes the rule files (names, sizes, times), so a
// change to any of them is noticed without reading them.
func (r *Runner) rulesFingerprint() string {
	var b strings.Builder
	for _, dir := range r.dirs() {
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if ext := filepath.Ext(path); ext != ".yml" && ext != ".yaml" {
				return nil
			}
			if fi, err := d.Info(); err == nil {
				fmt.Fprintf(&b, "%s|%d|%d\n", path, fi.Size(), fi.ModTime().UnixNano())
			}
			return nil
		})
	}
	return b.String()
}

// reloadIfChanged reloads when the rule files changed since the last look.
func (r *Runner) reloadIfChanged() {
	fp := r.rulesFingerprint()
	if fp == r.filesSeen {
		return
	}
	r.filesSeen = fp
	if _, err := r.Reload(); err != nil {
		r.log.Error("rule files changed but could not be loaded; the previous rules stay active", "err", err)
	}
}

// dirs returns every rule directory, the API one included.
func (r *Runner) dirs() []string {
	var dirs []string
	for _, d := range r.opts.RuleDirs {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if r.opts.APIRuleDir != "" {
		dirs = append(dirs, r.opts.APIRuleDir)
	}
	return dirs
}

// mappings returns the built-in mappings extended by the configured files.
func (r *Runner) mappings() (*sigma.Mappings, error) {
	m := sigma.BuiltinMappings()
	for _, f := range r.opts.MappingFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("sigma mapping: %w", err)
		}
		if err := m.AddYAML(data, f); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (r *Runner) build() (*sigma.Engine, LoadInfo, error) {
	rs, loadErrs := sigma.LoadDir(r.dirs()...)
	info := LoadInfo{Loaded: len(rs.Rules), LoadedAt: time.Now().UTC()}
	for _, e := range loadErrs {
		info.Errors = append(info.Errors, e.Error())
	}
	m, err := r.mappings()
	if err != nil {
		return nil, info, err
	}
	eng, err := sigma.NewEngine(rs, sigma.Options{Placeholders: r.opts.Placeholders, Mappings: m})
	if err != nil {
		return nil, info, fmt.Errorf("build detection engine: %w", err)
	}
	info.NotCompiled = eng.NotCompiled()
	info.Compiled = len(eng.Rules())
	for _, e := range loadErrs {
		r.log.Warn("rule file not loaded", "err", e.Error())
	}
	return eng, info, nil
}

// Reload re-reads the rule directories and swaps in a new engine, keeping
// correlation state for rules that still exist. On error the running
// engine stays.
func (r *Runner) Reload() (LoadInfo, error) {
	eng, info, err := r.build()
	if err != nil {
		r.mReloads.WithLabelValues("error").Inc()
		return info, err
	}
	r.procMu.Lock()
	defer r.procMu.Unlock()
	var state strings.Builder
	r.mu.RLock()
	old := r.engine
	r.mu.RUnlock()
	if err := old.SaveState(&state); err == nil {
		if err := eng.LoadState(strings.NewReader(state.String())); err != nil {
			r.log.Warn("correlation state not carried over the reload", "err", err)
		}
	}
	r.mu.Lock()
	r.engine, r.loadInfo = eng, info
	r.mu.Unlock()
	r.mRules.Set(float64(info.Compiled))
	r.mReloads.WithLabelValues("ok").Inc()
	r.log.Info("rules reloaded", "loaded", info.Loaded, "compiled", info.Compiled, "not_compiled", len(info.NotCompiled), "file_errors", len(info.Errors))
	return info, nil
}

// engineStats reads the running engine's counters.
func (r *Runner) engineStats() sigma.Stats {
	r.procMu.Lock()
	defer r.procMu.Unlock()
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.engine.Stats()
}

// Info returns what is loaded.
func (r *Runner) Info() LoadInfo {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.loadInfo
}

// Rules returns the compiled rules.
func (r *Runner) Rules() []*sigma.Rule {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.engine.Rules()
}

// Start evaluates events from src until Close.
func (r *Runner) Start(src Source) {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan struct{})
	events, dropped, unsubscribe := src.Subscribe(r.opts.QueueSize)
	go func() {
		defer close(r.done)
		defer unsubscribe()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		lastWatch := time.Now()
		var signals []*event.Event
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-events:
				signals = r.process(ev, nil) // a fresh slice: the store keeps the last one
				// Take what else is queued before storing signals.
				for more := true; more && len(signals) < 1000; {
					select {
					case ev := <-events:
						signals = r.process(ev, signals)
					default:
						more = false
					}
				}
				r.store(ctx, signals)
			case <-tick.C:
				if n := dropped(); n > 0 {
					r.mSkipped.Add(float64(n))
					r.log.Error("detection could not keep up: stored events were not evaluated", "events", n)
				}
				signals = r.advance(time.Now().UnixNano(), nil)
				r.store(ctx, signals)
				if r.opts.WatchEvery > 0 && time.Since(lastWatch) >= r.opts.WatchEvery {
					lastWatch = time.Now()
					r.reloadIfChanged()
				}
			}
		}
	}()
}

func (r *Runner) process(ev *event.Event, signals []*event.Event) []*event.Event {
	r.mu.RLock()
	eng := r.engine
	r.mu.RUnlock()
	if eng.Empty() { // no rule loaded: nothing to look at
		return signals
	}
	if ev.GetString(event.FieldKind) == "signal" {
		return signals
	}
	r.procMu.Lock()
	defer r.procMu.Unlock()
	r.mu.RLock()
	eng = r.engine
	r.mu.RUnlock()
	r.mEvents.Inc()
	eng.Process(ev, func(s sigma.Signal) {
		signals = append(signals, s.ToEvent())
	})
	return signals
}

// advance lets correlations whose windows closed by now fire.
func (r *Runner) advance(now int64, signals []*event.Event) []*event.Event {
	r.procMu.Lock()
	defer r.procMu.Unlock()
	r.mu.RLock()
	eng := r.engine
	r.mu.RUnlock()
	eng.Advance(now, func(s sigma.Signal) {
		signals = append(signals, s.ToEvent())
	})
	return signals
}

func (r *Runner) store(ctx context.Context, signals []*event.Event) {
	if len(signals) == 0 {
		return
	}
	now := time.Now()
	for _, s := range signals {
		if !s.Has(event.FieldCreated) {
			s.Set(event.FieldCreated, event.Time(now))
		}
	}
	for {
		err := r.sink.Append(ctx, signals)
		if err == nil {
			r.mSignals.Add(float64(len(signals)))
			return
		}
		if ctx.Err() != nil {
			r.log.Error("signals not stored at shutdown", "signals", len(signals), "err", err)
			return
		}
		r.log.Error("signals not stored; retrying", "signals", len(signals), "err", err)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	}
}

// Close stops evaluating and saves correlation state.
func (r *Runner) Close() error {
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	if r.opts.StateFile == "" {
		return nil
	}
	r.procMu.Lock()
	defer r.procMu.Unlock()
	tmp := r.opts.StateFile + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("save correlation state: %w", err)
	}
	w := bufio.NewWriter(f)
	r.mu.RLock()
	err = r.engine.SaveState(w)
	r.mu.RUnlock()
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, r.opts.StateFile)
	}
	if err != nil {
		return fmt.Errorf("save correlation state: %w", err)
	}
	return nil
}

// AddRule validates a rule document and writes it to the API rule
// directory, then reloads. The file is named by the rule's id.
func (r *Runner) AddRule(data []byte) ([]*sigma.Rule, LoadInfo, error) {
	if r.opts.APIRuleDir == "" {
		return nil, LoadInfo{}, errors.New("rules cannot be added: no API rule directory")
	}
	rules, err := sigma.ParseRule(data, "api")
	if err != nil {
		return nil, LoadInfo{}, &InputError{Err: err}
	}
	if len(rules) == 0 {
		return nil, LoadInfo{}, &InputError{Err: errors.New("no rule in the request")}
	}
	// Compile it alone first, so a rule that cannot run is refused with
	// the reason instead of being stored.
	m, err := r.mappings()
	if err != nil {
		return nil, LoadInfo{}, err
	}
	eng, err := sigma.NewEngine(&sigma.RuleSet{Rules: rules}, sigma.Options{Placeholders: r.opts.Placeholders, Mappings: m})
	if err != nil {
		return nil, LoadInfo{}, &InputError{Err: err}
	}
	if nc := eng.NotCompiled(); len(nc) > 0 {
		return nil, LoadInfo{}, &InputError{Err: fmt.Errorf("rule does not compile: %v", nc[0])}
	}
	id := rules[0].ID
	if id == "" || strings.ContainsAny(id, `/\.`) {
		return nil, LoadInfo{}, &InputError{Err: errors.New("a rule added through the API needs an id (a UUID)")}
	}
	path := filepath.Join(r.opts.APIRuleDir, id+".yml")
	if err := writeAtomic(path, data); err != nil {
		return nil, LoadInfo{}, err
	}
	info, err := r.Reload()
	return rules, info, err
}

// DeleteRule removes a rule added through the API and reloads.
func (r *Runner) DeleteRule(id string) (LoadInfo, error) {
	if id == "" || strings.ContainsAny(id, `/\.`) {
		return LoadInfo{}, &InputError{Err: errors.New("bad rule id")}
	}
	path := filepath.Join(r.opts.APIRuleDir, id+".yml")
	if err := os.Remove(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return LoadInfo{}, &InputError{Err: fmt.Errorf("no rule %s was added through the API (rules from rule directories are removed there)", id)}
		}
		return LoadInfo{}, err
	}
	return r.Reload()
}

// InputError is a request the caller got wrong.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
