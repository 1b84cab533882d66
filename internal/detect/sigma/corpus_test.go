package sigma

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/evtx"
	"github.com/shoseki/shoseki/internal/parse/winevent"
	"gopkg.in/yaml.v3"
)

// sharedData returns ../shared/data/<name> relative to the repository root
// (the directory holding go.mod), skipping the test when it is absent.
func sharedData(t testing.TB, name, probe string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data", name)
	if _, err := os.Stat(filepath.Join(d, probe)); err != nil {
		t.Skipf("test data not present at %s (%v)", d, err)
	}
	return d
}

// sigmaData returns ../shared/data/sigma (SigmaHQ rules and regression
// data), skipping the test when it is absent.
func sigmaData(t testing.TB) string { return sharedData(t, "sigma", "rules") }

// ruleDirs are the SigmaHQ rule directories (rules*).
func ruleDirs(t testing.TB) []string {
	d := sigmaData(t)
	dirs, _ := filepath.Glob(filepath.Join(d, "rules*"))
	sort.Strings(dirs)
	return dirs
}

var (
	fullRS   *RuleSet
	fullErrs []LoadError
	fullEng  *Engine
	fullMem  memUse
)

// memUse is what loading and compiling a rule set cost in memory.
type memUse struct {
	HeapMB    float64 // live heap the rules and engine hold (HeapInuse after GC, delta)
	RSSMB     float64 // process resident set after loading, freed memory returned
	PeakRSSMB float64 // process resident set at its peak so far
	BaseRSSMB float64 // resident set before loading
}

// measureLoad loads and compiles the rules of dirs, measuring memory.
func measureLoad(t testing.TB, dirs []string) (*RuleSet, []LoadError, *Engine, memUse) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	debug.FreeOSMemory()
	runtime.ReadMemStats(&before)
	base, _ := residentMB()
	rs, errs := LoadDir(dirs...)
	e, err := NewEngine(rs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	runtime.ReadMemStats(&after)
	now, peak := residentMB()
	return rs, errs, e, memUse{
		HeapMB:    float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / (1 << 20),
		RSSMB:     now,
		PeakRSSMB: peak,
		BaseRSSMB: base,
	}
}

func loadFull(t testing.TB) (*RuleSet, []LoadError, *Engine) {
	t.Helper()
	if fullEng == nil {
		fullRS, fullErrs, fullEng, fullMem = measureLoad(t, ruleDirs(t))
	}
	return fullRS, fullErrs, fullEng
}

// TestSigmaHQRules: every SigmaHQ rule parses, and at least 99% compile;
// the rules not compiled are listed with the construct at fault.
func TestSigmaHQRules(t *testing.T) {
	rs, errs, e := loadFull(t)
	for _, le := range errs {
		t.Errorf("parse: %s", le.Error())
	}
	files := 0
	for _, d := range ruleDirs(t) {
		filepath.WalkDir(d, func(p string, de os.DirEntry, err error) error {
			if err == nil && !de.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
				files++
			}
			return nil
		})
	}
	nc := e.NotCompiled()
	total := len(rs.Rules)
	compiled := total - len(nc)
	t.Logf("files %d, rules parsed %d, compiled %d (%.2f%%), not compiled %d", files, total, compiled, 100*float64(compiled)/float64(total), len(nc))
	for _, c := range nc {
		t.Logf("not compiled: %s", c.Error())
	}
	if total < files {
		t.Errorf("%d rules from %d files", total, files)
	}
	if float64(compiled) < 0.99*float64(total) {
		t.Errorf("only %d of %d rules compiled (< 99%%)", compiled, total)
	}
}

// TestFullRuleSetMemory: the whole SigmaHQ rule set loaded and compiled
// holds at most 200 MB. The live heap it holds is asserted; the process's
// resident set is logged (it also holds the test binary and, when other
// tests ran first, their data).
func TestFullRuleSetMemory(t *testing.T) {
	rs, _, e := loadFull(t)
	m := fullMem
	t.Logf("full rule set (%d rules, %d compiled): live heap %.1f MB; process resident %.1f MB (%.1f MB before loading), peak %.1f MB",
		len(rs.Rules), len(rs.Rules)-len(e.NotCompiled()), m.HeapMB, m.RSSMB, m.BaseRSSMB, m.PeakRSSMB)
	if m.HeapMB > 200 {
		t.Errorf("the loaded rule set holds %.1f MB of heap, want ≤ 200", m.HeapMB)
	}
}

// regressionCase is one case of SigmaHQ's regression data.
type regressionCase struct {
	Dir        string
	RuleID     string
	Title      string
	MatchCount int
	Data       string // the evtx file
}

func regressionCases(t testing.TB) []regressionCase {
	root := filepath.Join(sigmaData(t), "regression_data")
	var cases []regressionCase
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "info.yml" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var info struct {
			RuleMetadata []struct {
				ID    string `yaml:"id"`
				Title string `yaml:"title"`
			} `yaml:"rule_metadata"`
			Tests []struct {
				Type       string `yaml:"type"`
				Path       string `yaml:"path"`
				MatchCount int    `yaml:"match_count"`
			} `yaml:"regression_tests_info"`
		}
		if err := yaml.Unmarshal(data, &info); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, rm := range info.RuleMetadata {
			for _, tc := range info.Tests {
				n := tc.MatchCount
				if n == 0 {
					n = 1
				}
				cases = append(cases, regressionCase{Dir: filepath.Dir(p), RuleID: rm.ID, Title: rm.Title, MatchCount: n,
					Data: filepath.Join(filepath.Dir(p), filepath.Base(tc.Path))})
			}
		}
		return nil
	})
	return cases
}

// loadCaseEvents returns the events of a regression case: its .evtx file
// decoded by internal/parse/evtx (winevent.Normalize, as ingest does).
func loadCaseEvents(t testing.TB, c regressionCase) []*event.Event {
	t.Helper()
	evs, err := decodeEVTXFile(c.Data)
	if err != nil {
		t.Fatalf("%s: %v", c.Data, err)
	}
	return evs
}

// loadCaseTwin returns the events of the case's evtx_dump .json twin,
// decoded with winevent: the cross-check of the EVTX path.
func loadCaseTwin(t testing.TB, c regressionCase) []*event.Event {
	t.Helper()
	twin := strings.TrimSuffix(c.Data, ".evtx") + ".json"
	data, err := os.ReadFile(twin)
	if err != nil {
		t.Fatalf("%s: %v", twin, err)
	}
	meta := &parse.Meta{Received: time.Unix(0, 0).UTC(), Input: "file"}
	var evs []*event.Event
	for i, doc := range winevent.Documents(data) {
		ev := &event.Event{Seq: uint64(i + 1)}
		if err := winevent.Decode(doc, meta, ev); err != nil {
			t.Fatalf("%s document %d: %v", twin, i, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// decodeEVTXFile decodes every record of an EVTX file into events, numbered
// from 1 in file order (so signals carry an event id).
func decodeEVTXFile(path string) ([]*event.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	meta := &parse.Meta{Received: time.Unix(0, 0).UTC(), Input: "file"}
	var evs []*event.Event
	_, err = evtx.DecodeFile(f, fi.Size(), meta, func(ev *event.Event) error {
		ev.Seq = uint64(len(evs) + 1)
		evs = append(evs, ev)
		return nil
	})
	return evs, err
}

// countMatches counts the events that rule id matches.
func countMatches(e *Engine, evs []*event.Event, id string) int {
	n := 0
	for _, ev := range evs {
		for _, x := range e.Explain(ev) {
			if x.Rule.ID == id {
				n++
			}
		}
	}
	return n
}

// TestRegressionData runs the whole rule set over every regression case and
// asserts the case's rule matches at least match_count events.
func TestRegressionData(t *testing.T) {
	_, _, e := loadFull(t)
	cases := regressionCases(t)
	if len(cases) == 0 {
		t.Fatal("no regression cases found")
	}
	pass := 0
	for _, c := range cases {
		t.Run(filepath.Base(c.Dir), func(t *testing.T) {
			evs := loadCaseEvents(t, c)
			got := countMatches(e, evs, c.RuleID)
			// Cross-check: the .json twin holds the same records as
			// evtx_dump renders them; the rule must match it equally.
			twin := loadCaseTwin(t, c)
			if len(twin) != len(evs) {
				t.Errorf("%d events from the .evtx, %d from the .json twin", len(evs), len(twin))
			} else if tg := countMatches(e, twin, c.RuleID); tg != got {
				t.Errorf("rule %s: %d matches on the .evtx events, %d on the .json twin", c.RuleID, got, tg)
			}
			if got < c.MatchCount {
				t.Errorf("rule %s (%s): %d matches in %d events, want ≥ %d", c.RuleID, c.Title, got, len(evs), c.MatchCount)
				return
			}
			pass++
		})
	}
	t.Logf("regression cases: %d of %d pass (events decoded from .evtx, cross-checked with the .json twins)", pass, len(cases))
}

// TestProcessNoAllocs: once warm, Process allocates nothing for events no
// rule matches (the whole rule set over every regression case's events).
func TestProcessNoAllocs(t *testing.T) {
	_, _, e := loadFull(t)
	var evs []*event.Event
	for _, c := range regressionCases(t) {
		evs = append(evs, loadCaseEvents(t, c)...)
	}
	quiet := quietEvents(e, evs)
	if len(quiet) == 0 {
		t.Fatal("every event matches some rule")
	}
	emit := func(Signal) { t.Error("signal on a quiet event") }
	allocs := testing.AllocsPerRun(5, func() {
		for _, ev := range quiet {
			e.Process(ev, emit)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per pass over %d events, want 0", allocs, len(quiet))
	}
}
