package sigma

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

// BenchmarkWindowsRuleSet runs the full SigmaHQ Windows rule set (rules*/
// windows) over a realistic mix of Windows events. Until the EVTX reader
// lands, the mix is every regression-data .json twin (real Sysmon, Security
// and TaskScheduler events), decoded once and replayed from memory.
// Run with -cpu 1 for events/s on one core; it also reports the heap in use
// by the loaded rule set (after GC).
func BenchmarkWindowsRuleSet(b *testing.B) {
	d := sigmaData(b)
	dirs, _ := filepath.Glob(filepath.Join(d, "rules*", "windows"))
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rs, _ := LoadDir(dirs...)
	e, err := NewEngine(rs, Options{})
	if err != nil {
		b.Fatal(err)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	var evs []*event.Event
	for _, c := range regressionCases(b) {
		evs = append(evs, loadCaseEvents(b, c)...)
	}
	b.ReportAllocs()
	n, signals := 0, 0
	emit := func(Signal) { signals++ }
	for b.Loop() {
		e.Process(evs[n%len(evs)], emit)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(rs.Rules)-len(e.NotCompiled())), "rules")
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/(1<<20), "rules-heap-MB")
	b.ReportMetric(float64(signals)/float64(n), "signals/event")
	runtime.KeepAlive(rs)
}
