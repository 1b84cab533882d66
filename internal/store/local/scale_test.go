package local

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestScale is the acceptance measurement: SHOSEKI_STORE_SCALE events
// (e.g. 10000000) appended with fsync on from 4 goroutines in batches of
// 2000 (generation not timed), then flushed and merged; then disk usage
// against raw bytes, reopen time and search latencies. Set
// SHOSEKI_STORE_SCALE_DIR to keep the store.
func TestScale(t *testing.T) {
	n := envInt("SHOSEKI_STORE_SCALE", 0)
	if n == 0 {
		t.Skip("set SHOSEKI_STORE_SCALE=10000000 to run the acceptance measurement")
	}
	dir := os.Getenv("SHOSEKI_STORE_SCALE_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	g := newEventGen(77)
	if _, err := os.Stat(filepath.Join(dir, "scale-built")); err == nil {
		t.Logf("reusing the store in %s", dir)
		scaleQueries(t, dir, n, g)
		return
	}
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	const chunk, batch, writers = 250_000, 2000, 4
	var appendWall, appendCPU time.Duration
	for done := 0; done < n; done += chunk {
		evs := g.batch(min(chunk, n-done))
		for i, e := range evs {
			if (done+i)%needleEvery == needleEvery/2 {
				plantNeedle(e)
			}
		}
		c0, w0 := cpuTime(), time.Now()
		var wg sync.WaitGroup
		next := make(chan []*event.Event)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range next {
					if err := s.Append(context.Background(), b); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		for off := 0; off < len(evs); off += batch {
			next <- evs[off:min(off+batch, len(evs))]
		}
		close(next)
		wg.Wait()
		appendWall += time.Since(w0)
		appendCPU += cpuTime() - c0
		if (done/chunk)%8 == 0 {
			t.Logf("%d events appended, %.0f events/s wall so far", done+len(evs), float64(done+len(evs))/appendWall.Seconds())
		}
	}
	t.Logf("append: %d events in %v wall (%.0f events/s), %v CPU (%.0f events per CPU-second, flushes and merges included)",
		n, appendWall.Round(time.Millisecond), float64(n)/appendWall.Seconds(), appendCPU.Round(time.Millisecond), float64(n)/appendCPU.Seconds())

	c0, w0 := cpuTime(), time.Now()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	merges := 0
	for {
		merged, err := s.mergeOnce()
		if err != nil {
			t.Fatal(err)
		}
		if !merged {
			break
		}
		merges++
	}
	t.Logf("final flush + %d merges: %v wall, %v CPU; %d parts", merges, time.Since(w0).Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond), len(s.parts))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	disk := partsSize(t, filepath.Join(dir, "parts"))
	total := partsSize(t, dir)
	t.Logf("disk: parts %d bytes (%.1f B/event), all %d bytes; raw event.original %d bytes (%.1f B/event); parts/raw = %.3f",
		disk, float64(disk)/float64(n), total, g.RawBytes, float64(g.RawBytes)/float64(n), float64(disk)/float64(g.RawBytes))

	os.WriteFile(filepath.Join(dir, "scale-built"), nil, 0o644)
	scaleQueries(t, dir, n, g)
}

func scaleQueries(t *testing.T, dir string, n int, g *eventGen) {
	w0 := time.Now()
	s, err := Open(Options{Dir: dir, NoBackgroundMerge: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Logf("reopen: %v", time.Since(w0).Round(time.Microsecond))
	queries := []struct {
		name string
		req  store.Request
	}{
		{"rare IP, bare word", store.Request{Filter: mustTerm(t, "", filter.OpEq, needleIP)}},
		{"rare user, bare word", store.Request{Filter: mustTerm(t, "", filter.OpEq, needleUser)}},
		{"rare user, user.name:", store.Request{Filter: mustTerm(t, "user.name", filter.OpEq, needleUser)}},
		{"field equality source.ip:<frequent IP>", store.Request{Filter: mustTerm(t, "source.ip", filter.OpEq, g.ips[0]), Fields: []string{}}},
		{"dataset:cloudtrail AND outcome:failure (count)", store.Request{Filter: &filter.And{Nodes: []filter.Node{
			mustTerm(t, "event.dataset", filter.OpEq, "aws.cloudtrail"), mustTerm(t, "event.outcome", filter.OpEq, "failure")}}, Fields: []string{}}},
		{"stats count() by host.name (full scan of one column)", store.Request{Fields: []string{"host.name"}}},
		{"last 100 events of user root, newest first", store.Request{Filter: mustTerm(t, "user.name", filter.OpEq, "root"), NewestFirst: true}},
	}
	for _, q := range queries {
		for run := 0; run < 3; run++ { // first run cold-ish, then warm
			counts := map[string]int{}
			matched := 0
			w0, c0 := time.Now(), cpuTime()
			st, err := s.Search(context.Background(), q.req, func(e *event.Event) error {
				matched++
				counts[e.GetString("host.name")]++
				if q.req.NewestFirst && matched == 100 {
					return store.ErrStop
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			el, cpu := time.Since(w0), cpuTime()-c0
			t.Logf("%-55s run %d: %8.1f ms wall %8.1f ms CPU, matched %d, blocks scanned %d skipped %d, read %.1f MB, %.0f events/s scanned",
				q.name, run, float64(el.Microseconds())/1000, float64(cpu.Microseconds())/1000, matched, st.BlocksScanned, st.BlocksSkipped, float64(st.BytesRead)/1e6, float64(n)/el.Seconds())
		}
	}
}
