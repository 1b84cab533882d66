package sigma

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// attackSamples decodes every record of every .evtx file under
// ../shared/data/evtx (EVTX-ATTACK-SAMPLES) once, in file order, skipping
// the benchmark when the data is absent.
func attackSamples(b *testing.B) []*event.Event { return attackSamplesT(b) }

func attackSamplesT(b testing.TB) []*event.Event {
	root := sharedData(b, "evtx", ".")
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(strings.ToLower(p), ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	var evs []*event.Event
	for _, p := range files {
		fe, err := decodeEVTXFile(p)
		if err != nil {
			b.Logf("%s: %v (events before it kept)", p, err)
		}
		evs = append(evs, fe...)
	}
	if len(evs) == 0 {
		b.Skipf("no EVTX events under %s", root)
	}
	return evs
}

// BenchmarkWindowsRuleSet runs the full SigmaHQ Windows rule set (rules*/
// windows) over a realistic mix of Windows events: every record of
// EVTX-ATTACK-SAMPLES (../shared/data/evtx: Sysmon, Security, System,
// PowerShell, … recorded during attacks), decoded once and replayed from
// memory in file order. Run with -cpu 1 for one core. It reports events/s
// (wall clock) and events/cpu-s (user+system CPU time of the process, which
// stays meaningful on a loaded machine), the heap in use by the loaded
// rule set (after GC) and the time LoadDir and NewEngine took.
func BenchmarkWindowsRuleSet(b *testing.B) {
	dirs, _ := filepath.Glob(filepath.Join(sigmaData(b), "rules*", "windows"))
	benchRuleSet(b, dirs, false)
}

// BenchmarkWindowsRuleSetNoMatch is BenchmarkWindowsRuleSet over the events
// of the mix that no rule matches: the hot path proper, which must not
// allocate (0 allocs/op).
func BenchmarkWindowsRuleSetNoMatch(b *testing.B) {
	dirs, _ := filepath.Glob(filepath.Join(sigmaData(b), "rules*", "windows"))
	benchRuleSet(b, dirs, true)
}

// BenchmarkAllRuleSets is BenchmarkWindowsRuleSet with every SigmaHQ rule
// loaded (rules*: Linux, cloud, web… as well), as a deployment would.
func BenchmarkAllRuleSets(b *testing.B) {
	benchRuleSet(b, ruleDirs(b), false)
}

func benchRuleSet(b *testing.B, dirs []string, quiet bool) {
	evs := attackSamples(b)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	rs, _ := LoadDir(dirs...)
	e, err := NewEngine(rs, Options{})
	if err != nil {
		b.Fatal(err)
	}
	load := time.Since(t0)
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if quiet {
		evs = quietEvents(e, evs)
	}
	b.ReportAllocs()
	n, signals := 0, 0
	emit := func(Signal) { signals++ }
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		e.Process(evs[n%len(evs)], emit)
		n++
	}
	cpu := cpuSeconds() - cpu0
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	if cpu > 0 {
		b.ReportMetric(float64(n)/cpu, "events/cpu-s")
	}
	b.ReportMetric(float64(len(evs)), "mix-events")
	b.ReportMetric(float64(len(rs.Rules)-len(e.NotCompiled())), "rules")
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/(1<<20), "rules-heap-MB")
	b.ReportMetric(load.Seconds(), "load-s")
	b.ReportMetric(float64(signals)/float64(n), "signals/event")
	runtime.KeepAlive(rs)
}

// quietEvents returns the events of evs on which e emits no signal.
func quietEvents(e *Engine, evs []*event.Event) []*event.Event {
	var out []*event.Event
	for _, ev := range evs {
		n := 0
		e.Process(ev, func(Signal) { n++ })
		if n == 0 {
			out = append(out, ev)
		}
	}
	return out
}
