package local

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

const crashEnv = "SHOSEKI_STORE_CRASH_CHILD"

// TestCrashChild is the child of TestKill9: it appends batches from several
// goroutines with fsync on, with frequent flushes and merges, and prints
// "ack <firstSeq> <n> <batch id>" after each acknowledged Append, until it
// is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("child process of TestKill9")
	}
	s, err := Open(Options{Dir: dir, FlushEvents: 2000, FlushInterval: 50 * time.Millisecond, BlockRows: 256, MergeFanIn: 4})
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	for w := 0; w < 3; w++ {
		go func(w int) {
			g := newEventGen(uint64(time.Now().UnixNano()) + uint64(w))
			for b := 0; ; b++ {
				evs := g.batch(1 + g.rng.IntN(300))
				id := fmt.Sprintf("%d-%d-%d", os.Getpid(), w, b)
				for _, e := range evs {
					e.Set("test.batch", event.String(id))
				}
				if err := s.Append(context.Background(), evs); err != nil {
					fmt.Println("append error:", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %d %d %s\n", evs[0].Seq, len(evs), id)
				out.Flush()
				mu.Unlock()
			}
		}(w)
	}
	select {}
}

// TestKill9 runs the child, kills it with SIGKILL at a random moment, and
// checks after reopening that every acknowledged event is there exactly
// once; then repeats on the same directory.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	acked := map[uint64]string{} // seq -> batch id
	for round := 0; round < 3; round++ {
		cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for some acknowledgements, then kill at a random moment.
		deadline := time.After(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		n := 0
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				n += recordAck(t, l, acked)
			case <-deadline:
				if n > 0 {
					break wait
				}
				deadline = time.After(100 * time.Millisecond)
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			recordAck(t, l, acked)
		}
		cmd.Wait()

		s, err := Open(Options{Dir: dir, NoBackgroundMerge: round%2 == 0})
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		got := map[uint64]string{}
		for _, e := range all(t, s) {
			if _, dup := got[e.Seq]; dup {
				t.Fatalf("round %d: seq %d twice", round, e.Seq)
			}
			got[e.Seq] = e.GetString("test.batch")
		}
		for seq, id := range acked {
			g, ok := got[seq]
			if !ok {
				t.Fatalf("round %d: acknowledged seq %d (batch %s) lost; %d of %d acknowledged events present", round, seq, id, len(got), len(acked))
			}
			if g != id {
				t.Fatalf("round %d: seq %d holds batch %q, want %q", round, seq, g, id)
			}
		}
		t.Logf("round %d: %d acknowledged events, %d stored (unacknowledged but durable ones may survive)", round, len(acked), len(got))
		// Events that were durable but not acknowledged are now part of
		// the store's history: keep expecting them in later rounds.
		for seq, id := range got {
			acked[seq] = id
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func recordAck(t *testing.T, line string, acked map[uint64]string) int {
	f := strings.Fields(line)
	if len(f) != 4 || f[0] != "ack" {
		if strings.HasPrefix(line, "ok") || strings.HasPrefix(line, "PASS") || line == "" {
			return 0
		}
		t.Fatalf("child: %s", line)
	}
	first, err1 := strconv.ParseUint(f[1], 10, 64)
	n, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		t.Fatalf("child: bad line %q", line)
	}
	for i := 0; i < n; i++ {
		acked[first+uint64(i)] = f[3]
	}
	return n
}
