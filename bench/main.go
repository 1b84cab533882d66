// Command bench measures Shoseki end to end on this machine: it starts a
// server (embedded store, fsync on) in this process, sends N generated
// realistic events (sshd, sudo and nginx lines as syslog, CloudTrail-like
// JSON) through the HTTP ingest API from concurrent clients, then reports
// ingest events/s, bytes on disk per event against raw input bytes, and
// p50/p99 latency of three searches: a rare token, a field equality and a
// `stats count() by` aggregation.
//
//	go run ./bench -events 10000000
//
// The events are generated before the clock starts; the clients only send.
// By default their timestamps advance over 24 hours in the order they are
// sent, with a few seconds of jitter, as from live shippers; -order random
// spreads them uniformly over the 24 hours instead (a shuffled backfill, the
// store's worst case: every flush overlaps every other in time).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/shoseki/shoseki/internal/config"
	"github.com/shoseki/shoseki/internal/demo"
	"github.com/shoseki/shoseki/internal/server"
)

func main() {
	events := flag.Int("events", 1_000_000, "events to ingest")
	clients := flag.Int("clients", 4, "concurrent HTTP clients")
	batch := flag.Int("batch", 5000, "events per ingest request")
	dir := flag.String("data", "", "data directory (default: a temporary one, removed afterwards)")
	runs := flag.Int("runs", 21, "runs of each search")
	fsync := flag.Bool("fsync", true, "fsync the WAL before acknowledging (the default and the guarantee)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this `file`")
	blockprofile := flag.String("blockprofile", "", "write a profile of where goroutines waited to this `file`")
	order := flag.String("order", "live", "event time order: `live` (in arrival order over 24 hours, a few seconds of jitter, as shippers send) or random (uniform over 24 hours, a backfill of shuffled history)")
	flag.Parse()
	if *blockprofile != "" {
		runtime.SetBlockProfileRate(int(time.Millisecond))
		defer func() {
			f, err := os.Create(*blockprofile)
			if err == nil {
				_ = pprof.Lookup("block").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *order != "live" && *order != "random" {
		fmt.Fprintln(os.Stderr, "bench: -order must be live or random")
		os.Exit(2)
	}
	if err := run(*events, *clients, *batch, *dir, *runs, *fsync, *order == "live"); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type batchJob struct {
	format string
	body   []byte
	n      int
}

func run(n, clients, batchSize int, dir string, runs int, fsync, live bool) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "shoseki-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Listen = "127.0.0.1:0"
	cfg.Syslog.UDP, cfg.Syslog.TCP, cfg.NetFlow.UDP = "", "", ""
	cfg.Storage.Fsync = fsync
	cfg.Syslog.Timezone = "UTC"
	token := "bench-token-0123456789abcdef"
	srv, err := server.Start(cfg, server.Options{Version: "bench", BootstrapToken: token, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	defer srv.Shutdown(context.Background())
	base := srv.URL()

	end := time.Now().UTC().Truncate(time.Hour)
	start := end.Add(-24 * time.Hour)
	rare := "zq7rareuser"
	// Generate every batch first, so the generator's CPU does not compete
	// with the server during the measurement (24 GiB hold 10M events).
	genStart := time.Now()
	var all []batchJob
	var rawBytes int64
	{
		gen := demo.New(42, start, end, time.UTC)
		if live {
			gen.InOrder(n)
		}
		bufs := map[string]*bytes.Buffer{"syslog": {}, "cloudtrail": {}}
		counts := map[string]int{}
		rareAt := map[int]bool{n / 7: true, n / 3: true, n / 2: true, 2 * n / 3: true, n - 1: true}
		for i := 0; i < n; i++ {
			r := gen.Next()
			if rareAt[i] {
				r = demo.Record{Format: "syslog", Data: fmt.Appendf(nil, "<38>%s bastion sshd[77]: Failed password for %s from 203.0.113.77 port 4242 ssh2", r.Time.Format(time.Stamp), rare)}
			}
			b := bufs[r.Format]
			b.Write(r.Data)
			b.WriteByte('\n')
			rawBytes += int64(len(r.Data)) + 1
			counts[r.Format]++
			if counts[r.Format] == batchSize {
				all = append(all, batchJob{r.Format, bytes.Clone(b.Bytes()), counts[r.Format]})
				b.Reset()
				counts[r.Format] = 0
			}
		}
		for f, b := range bufs {
			if b.Len() > 0 {
				all = append(all, batchJob{f, bytes.Clone(b.Bytes()), counts[f]})
			}
		}
	}
	genDur := time.Since(genStart)
	jobs := make(chan batchJob, clients*2)
	go func() {
		defer close(jobs)
		for i, j := range all {
			jobs <- j
			all[i] = batchJob{} // let the sent batch be collected
		}
	}()

	httpc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var sent atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	t0 := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := post(httpc, base, token, j); err != nil {
					errOnce.Do(func() { firstErr = err })
					continue
				}
				sent.Add(int64(j.n))
			}
		}()
	}
	wg.Wait()
	ingestDur := time.Since(t0)
	ingestCPU := cpuTime() - cpu0
	if firstErr != nil {
		return firstErr
	}
	flushStart := time.Now()
	if err := srv.Store().Flush(context.Background()); err != nil {
		return err
	}
	flushDur := time.Since(flushStart)
	totalCPU := cpuTime() - cpu0
	disk, err := dirSize(filepath.Join(dir, "store"))
	if err != nil {
		return err
	}
	got := sent.Load()
	order := "live order"
	if !live {
		order = "random order"
	}
	fmt.Printf("events:            %d (raw input %.1f MiB, %.0f bytes/event, %s; generated beforehand in %s)\n", got, float64(rawBytes)/(1<<20), float64(rawBytes)/float64(got), order, genDur.Round(time.Millisecond))
	fmt.Printf("ingest:            %.0f events/s over HTTP with fsync=%v (%s, %d clients, %d events per request)\n", float64(got)/ingestDur.Seconds(), fsync, ingestDur.Round(time.Millisecond), clients, batchSize)
	fmt.Printf("final flush:       %s\n", flushDur.Round(time.Millisecond))
	// CPU time is the figure to trust on a shared machine: wall time counts
	// whatever else ran. It includes the HTTP clients (about 1 µs/event).
	fmt.Printf("cpu:               %.1f µs/event during ingest (%.0f s on %d cores), %.1f µs/event with the final flush\n",
		ingestCPU.Seconds()*1e6/float64(got), ingestCPU.Seconds(), runtime.NumCPU(), totalCPU.Seconds()*1e6/float64(got))
	fmt.Printf("on disk:           %.1f MiB, %.1f bytes/event, %.3f of raw input\n", float64(disk)/(1<<20), float64(disk)/float64(got), float64(disk)/float64(rawBytes))

	from, to := start.Add(-time.Hour).Format(time.RFC3339), end.Add(time.Hour).Format(time.RFC3339)
	queries := []struct{ name, q string }{
		{"rare token", rare},
		{"field equality", "source.ip:203.0.113.77"},
		{"stats count() by", "* | stats count() by event.dataset"},
	}
	for _, q := range queries {
		var lat []time.Duration
		var answer string
		for i := 0; i < runs; i++ {
			t := time.Now()
			body, err := search(httpc, base, token, q.q, from, to)
			if err != nil {
				return fmt.Errorf("search %q: %w", q.q, err)
			}
			lat = append(lat, time.Since(t))
			answer = body
		}
		slices.Sort(lat)
		fmt.Printf("search %-18s p50 %7.1f ms  p99 %7.1f ms  (%s)\n", q.name+":", ms(lat[len(lat)/2]), ms(lat[(len(lat)*99)/100]), summarize(answer))
	}
	return nil
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func post(c *http.Client, base, token string, j batchJob) error {
	u := base + "/api/v1/ingest?format=" + j.format
	for {
		req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(j.body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			return nil
		case http.StatusTooManyRequests:
			time.Sleep(100 * time.Millisecond)
			continue
		default:
			return fmt.Errorf("ingest answered %d: %.300s", resp.StatusCode, body)
		}
	}
}

func search(c *http.Client, base, token, q, from, to string) (string, error) {
	u := base + "/api/v1/search?" + url.Values{"q": {q}, "from": {from}, "to": {to}, "limit": {"100"}}.Encode()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("answered %d: %.300s", resp.StatusCode, body)
	}
	return string(body), err
}

// summarize says how many events or rows an answer held and what it scanned.
func summarize(body string) string {
	var r struct {
		Events []json.RawMessage `json:"events"`
		Rows   [][]any           `json:"rows"`
		Stats  map[string]int64  `json:"stats"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return "unreadable answer"
	}
	return fmt.Sprintf("%d events, %d rows; blocks scanned %d, skipped %d", len(r.Events), len(r.Rows), r.Stats["blocks_scanned"], r.Stats["blocks_skipped"])
}

func dirSize(dir string) (int64, error) {
	var total int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			total += fi.Size()
		}
		return nil
	})
	return total, err
}
