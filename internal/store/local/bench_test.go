package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store"
)

// benchEvents returns n pre-generated events (cached per n).
var benchEventsCache sync.Map

func benchEvents(n int) ([]*event.Event, int64) {
	type cached struct {
		evs []*event.Event
		raw int64
	}
	if c, ok := benchEventsCache.Load(n); ok {
		return c.(cached).evs, c.(cached).raw
	}
	g := newEventGen(42)
	evs := g.batch(n)
	benchEventsCache.Store(n, cached{evs, g.RawBytes})
	return evs, g.RawBytes
}

func cloneBatch(src []*event.Event) []*event.Event {
	out := make([]*event.Event, len(src))
	for i, e := range src {
		out[i] = e.Clone()
	}
	return out
}

// BenchmarkAppend measures Append throughput with fsync on (group commit)
// from several goroutines, batches of 2000 events.
func BenchmarkAppend(b *testing.B) {
	for _, fsync := range []bool{true, false} {
		b.Run(fmt.Sprintf("fsync=%v", fsync), func(b *testing.B) {
			const batch, writers = 2000, 4
			pool, raw := benchEvents(100_000)
			s, err := Open(Options{Dir: b.TempDir(), NoSync: !fsync, FlushInterval: time.Hour, FlushEvents: 1 << 30, FlushBytes: 1 << 40})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			b.SetBytes(raw / int64(len(pool)) * batch)
			var next atomic.Int64
			c0 := cpuTime()
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						off := (i * batch) % (len(pool) - batch)
						if err := s.Append(context.Background(), cloneBatch(pool[off:off+batch])); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
			// The machine may be shared: CPU time says what Append costs.
			b.ReportMetric(float64(b.N*batch)/(cpuTime()-c0).Seconds(), "events/cpu-s")
			b.StopTimer()
			s.crashForTest() // skip the final flush of a huge head
		})
	}
}

// BenchmarkFlush measures head → part flushes: events/s and bytes on disk
// per event against raw (event.original) bytes per event.
func BenchmarkFlush(b *testing.B) {
	const n = 200_000
	pool, raw := benchEvents(n)
	for _, blockRows := range []int{4096, 8192, 16384} {
		b.Run("block="+strconv.Itoa(blockRows), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(raw)
			var disk int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				s, err := Open(Options{Dir: dir, NoSync: true, BlockRows: blockRows, FlushInterval: time.Hour, FlushEvents: 1 << 30, FlushBytes: 1 << 40})
				if err != nil {
					b.Fatal(err)
				}
				for off := 0; off < n; off += 5000 {
					if err := s.Append(context.Background(), cloneBatch(pool[off:off+5000])); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if err := s.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				disk = partsSize(b, filepath.Join(dir, "parts"))
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(disk)/n, "disk-B/event")
			b.ReportMetric(float64(raw)/n, "raw-B/event")
			b.ReportMetric(float64(disk)/float64(raw), "disk/raw")
		})
	}
}

func partsSize(tb testing.TB, dir string) int64 {
	var n int64
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// searchStore is a store of searchN events built once per process (or
// reused from SHOSEKI_BENCH_DIR), with needles planted for rare searches.
var (
	searchOnce  sync.Once
	searchDir   string
	searchErr   error
	searchN     = envInt("SHOSEKI_BENCH_EVENTS", 1_000_000)
	needleIP    = "198.51.100.77"
	needleUser  = "zz_needle_user"
	needleEvery = 200_000
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func buildSearchStore(tb testing.TB) string {
	searchOnce.Do(func() {
		searchDir = os.Getenv("SHOSEKI_BENCH_DIR")
		if searchDir == "" {
			searchDir = filepath.Join(os.TempDir(), fmt.Sprintf("shoseki-bench-%d", searchN))
		}
		if _, err := os.Stat(filepath.Join(searchDir, "built")); err == nil {
			return
		}
		os.RemoveAll(searchDir)
		s, err := Open(Options{Dir: searchDir, NoSync: true, FlushInterval: time.Hour})
		if err != nil {
			searchErr = err
			return
		}
		g := newEventGen(7)
		for done := 0; done < searchN; {
			k := min(5000, searchN-done)
			batch := g.batch(k)
			for i, e := range batch {
				if (done+i)%needleEvery == needleEvery/2 {
					plantNeedle(e)
				}
			}
			if err := s.Append(context.Background(), batch); err != nil {
				searchErr = err
				return
			}
			done += k
		}
		if err := s.Flush(context.Background()); err != nil {
			searchErr = err
			return
		}
		for {
			merged, err := s.mergeOnce()
			if err != nil || !merged {
				searchErr = err
				break
			}
		}
		if searchErr == nil {
			searchErr = s.Close()
		}
		if searchErr == nil {
			searchErr = os.WriteFile(filepath.Join(searchDir, "built"), []byte(strconv.FormatInt(g.RawBytes, 10)), 0o644)
		}
	})
	if searchErr != nil {
		tb.Fatal(searchErr)
	}
	return searchDir
}

// plantNeedle makes e mention the rare IP and user.
func plantNeedle(e *event.Event) {
	orig, _ := e.Get(event.FieldOriginal)
	e.Set(event.FieldOriginal, event.String(orig.Str()+" needle "+needleIP+" "+needleUser))
	e.Set(event.FieldUserName, event.String(needleUser))
}

func mustTerm(tb testing.TB, field string, op filter.Op, v string) *filter.Term {
	t, err := filter.NewTerm(field, op, v, "")
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func BenchmarkSearch(b *testing.B) {
	dir := buildSearchStore(b)
	s, err := Open(Options{Dir: dir, NoSync: true, FlushInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cases := []struct {
		name   string
		req    store.Request
		minHit int64
	}{
		{"rare-ip-bare", store.Request{Filter: mustTerm(b, "", filter.OpEq, needleIP)}, 1},
		{"rare-user-field", store.Request{Filter: mustTerm(b, "user.name", filter.OpEq, needleUser)}, 1},
		{"field-eq-outcome-failure-count", store.Request{Filter: &filter.And{Nodes: []filter.Node{
			mustTerm(b, "event.dataset", filter.OpEq, "aws.cloudtrail"), mustTerm(b, "event.outcome", filter.OpEq, "failure")}},
			Fields: []string{}}, 1},
		{"count-by-host.name", store.Request{Fields: []string{"host.name"}}, 1},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var st store.Stats
			for i := 0; i < b.N; i++ {
				counts := map[string]int{}
				var err error
				st, err = s.Search(context.Background(), c.req, func(e *event.Event) error {
					counts[e.GetString("host.name")]++
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if st.EventsMatched < c.minHit {
				b.Fatalf("matched %d", st.EventsMatched)
			}
			b.ReportMetric(float64(st.EventsMatched), "matched")
			b.ReportMetric(float64(int64(b.N)*int64(searchN))/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
			b.ReportMetric(float64(st.BlocksScanned), "blocks-scanned")
			b.ReportMetric(float64(st.BlocksSkipped), "blocks-skipped")
		})
	}
}
