package local

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/store"
	"github.com/shoseki/shoseki/internal/store/local/vfs"
)

var ctx = context.Background()

func openT(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.FlushInterval == 0 {
		opts.FlushInterval = time.Hour
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// all returns every event in the store, by Seq.
func all(t testing.TB, s *Store) []*event.Event {
	t.Helper()
	return search(t, s, store.Request{})
}

func search(t testing.TB, s *Store, req store.Request) []*event.Event {
	t.Helper()
	var out []*event.Event
	if _, err := s.Search(ctx, req, func(e *event.Event) error {
		out = append(out, e.Clone())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b *event.Event) int { return cmpInt(a.Seq, b.Seq) })
	return out
}

// checkExactlyOnce checks that got holds each of want (by Seq and content)
// exactly once and nothing else.
func checkExactlyOnce(t testing.TB, got []*event.Event, want map[uint64]*event.Event) {
	t.Helper()
	seen := map[uint64]bool{}
	for _, e := range got {
		if seen[e.Seq] {
			t.Fatalf("seq %d delivered twice", e.Seq)
		}
		seen[e.Seq] = true
		w, ok := want[e.Seq]
		if !ok {
			t.Fatalf("unexpected seq %d", e.Seq)
		}
		if d := diffEvent(w, e, true); d != "" {
			t.Fatalf("seq %d: %s", e.Seq, d)
		}
	}
	if len(seen) != len(want) {
		for seq := range want {
			if !seen[seq] {
				t.Fatalf("seq %d lost (%d of %d present)", seq, len(seen), len(want))
			}
		}
	}
}

func appendT(t testing.TB, s *Store, evs []*event.Event, model map[uint64]*event.Event) {
	t.Helper()
	if err := s.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Seq == 0 {
			t.Fatal("Append left Seq 0")
		}
		if model != nil {
			model[e.Seq] = e.Clone()
		}
	}
}

func TestAppendAssignsIncreasingSeq(t *testing.T) {
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true})
	defer s.Close()
	g := newEventGen(1)
	var last uint64
	for i := 0; i < 5; i++ {
		evs := g.batch(10)
		appendT(t, s, evs, nil)
		for _, e := range evs {
			if e.Seq <= last {
				t.Fatalf("seq %d after %d", e.Seq, last)
			}
			last = e.Seq
		}
	}
}

func TestAppendRejectsBadFieldNames(t *testing.T) {
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true})
	defer s.Close()
	for _, name := range []string{"", "@timestamp", strings.Repeat("x", maxNameLen+1)} {
		e := &event.Event{Time: 1, Fields: []event.Field{{Name: name, Value: event.String("v")}}}
		if err := s.Append(ctx, []*event.Event{e}); err == nil {
			t.Errorf("field name %.20q accepted", name)
		}
	}
}

func TestFlushMergeRetention(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir, NoSync: true, BlockRows: 100, NoBackgroundMerge: true})
	model := map[uint64]*event.Event{}
	g := newEventGen(3)
	day := int64(24 * time.Hour)
	// Five days, several flushes per day.
	for d := 0; d < 5; d++ {
		for k := 0; k < 4; k++ {
			evs := g.batch(300)
			for _, e := range evs {
				e.Time = genStart + int64(d)*day + e.Time%day/10
			}
			appendT(t, s, evs, model)
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := len(s.parts); n != 20 {
		t.Fatalf("%d parts after 20 one-day flushes, want 20", n)
	}
	checkExactlyOnce(t, all(t, s), model)
	for {
		merged, err := s.mergeOnce()
		if err != nil {
			t.Fatal(err)
		}
		if !merged {
			break
		}
	}
	if n := len(s.parts); n != 5 {
		t.Fatalf("%d parts after merging, want one per day (5)", n)
	}
	checkExactlyOnce(t, all(t, s), model)

	// Retention by age: "now" is the start of day 4; days 0..1 end before
	// now-48h.
	now := time.Unix(0, genStart+4*day)
	if err := s.applyRetention(now, 48*time.Hour, 0); err != nil {
		t.Fatal(err)
	}
	for seq, e := range model {
		if dayOf(e.Time) < dayOf(genStart)+2 {
			delete(model, seq)
		}
	}
	checkExactlyOnce(t, all(t, s), model)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	days, _ := os.ReadDir(filepath.Join(dir, "parts"))
	if len(days) != 3 {
		t.Fatalf("%d day directories left, want 3", len(days))
	}

	// Retention by size: keep at most what the two newest days take.
	s = openT(t, Options{Dir: dir, NoSync: true})
	defer s.Close()
	checkExactlyOnce(t, all(t, s), model)
	if err := s.applyRetention(now, 0, 1); err != nil {
		t.Fatal(err)
	}
	newest := dayOf(genStart) + 4
	for seq, e := range model {
		if dayOf(e.Time) != newest {
			delete(model, seq)
		}
	}
	checkExactlyOnce(t, all(t, s), model)
}

func TestReopenNoDuplicates(t *testing.T) {
	dir := t.TempDir()
	model := map[uint64]*event.Event{}
	g := newEventGen(5)
	for round := 0; round < 6; round++ {
		s := openT(t, Options{Dir: dir, NoSync: true, BlockRows: 50})
		checkExactlyOnce(t, all(t, s), model)
		appendT(t, s, g.batch(120), model)
		if round%2 == 0 {
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		appendT(t, s, g.batch(80), model)
		if round%3 == 1 {
			s.crashForTest()
		} else if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := openT(t, Options{Dir: dir, NoSync: true})
	defer s.Close()
	checkExactlyOnce(t, all(t, s), model)
}

// TestCrashPoints interrupts flushes and merges where a crash would leave
// the most to clean up and checks that reopening yields every event once.
func TestCrashPoints(t *testing.T) {
	for _, point := range []string{"flush-before-checkpoint", "flush-after-checkpoint", "merge-after-rename"} {
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			model := map[uint64]*event.Event{}
			g := newEventGen(9)
			s := openT(t, Options{Dir: dir, NoSync: true, BlockRows: 64, NoBackgroundMerge: true})
			for i := 0; i < 4; i++ {
				appendT(t, s, g.batch(200), model)
				if err := s.Flush(ctx); err != nil {
					t.Fatal(err)
				}
			}
			appendT(t, s, g.batch(150), model)
			crash := errors.New("crash")
			s.testHook = func(p string) error {
				if p == point {
					return crash
				}
				return nil
			}
			var err error
			if strings.HasPrefix(point, "flush") {
				err = s.Flush(ctx)
			} else {
				var merged bool
				merged, err = s.mergeOnce()
				if !merged {
					t.Fatalf("no merge among %d parts", len(s.parts))
				}
			}
			if !errors.Is(err, crash) {
				t.Fatalf("operation returned %v, want the injected crash", err)
			}
			s.crashForTest()
			for i := 0; i < 2; i++ {
				s = openT(t, Options{Dir: dir, NoSync: true})
				checkExactlyOnce(t, all(t, s), model)
				s.crashForTest()
			}
			s = openT(t, Options{Dir: dir, NoSync: true})
			defer s.Close()
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			checkExactlyOnce(t, all(t, s), model)
		})
	}
}

func TestWALTornTail(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir, NoSync: true})
	model := map[uint64]*event.Event{}
	g := newEventGen(11)
	appendT(t, s, g.batch(50), model)
	appendT(t, s, g.batch(50), model)
	lastBatch := g.batch(50)
	appendT(t, s, lastBatch, nil)
	s.crashForTest()
	seg := lastSegment(t, filepath.Join(dir, "wal"))
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	recStart := findLastRecord(t, data)
	for _, cut := range []int{recStart + 1, recStart + 7, recStart + 8, recStart + 20, len(data) - 1} {
		t.Run(fmt.Sprint("cut=", cut-recStart), func(t *testing.T) {
			d2 := copyDir(t, dir)
			seg2 := filepath.Join(d2, "wal", filepath.Base(seg))
			if err := os.Truncate(seg2, int64(cut)); err != nil {
				t.Fatal(err)
			}
			s := openT(t, Options{Dir: d2, NoSync: true})
			checkExactlyOnce(t, all(t, s), model)
			// The tail was cut off the file, and appends continue.
			if fi, _ := os.Stat(seg2); fi.Size() != int64(recStart) {
				t.Fatalf("segment is %d bytes after recovery, want %d", fi.Size(), recStart)
			}
			m2 := maps(model)
			appendT(t, s, g.batch(10), m2)
			s.crashForTest()
			s = openT(t, Options{Dir: d2, NoSync: true})
			defer s.Close()
			checkExactlyOnce(t, all(t, s), m2)
		})
	}
	t.Run("zero tail", func(t *testing.T) {
		d2 := copyDir(t, dir)
		seg2 := filepath.Join(d2, "wal", filepath.Base(seg))
		f, _ := os.OpenFile(seg2, os.O_WRONLY|os.O_APPEND, 0)
		f.Write(make([]byte, 4096))
		f.Close()
		s := openT(t, Options{Dir: d2, NoSync: true})
		defer s.Close()
		m2 := maps(model)
		for _, e := range lastBatch {
			m2[e.Seq] = e
		}
		checkExactlyOnce(t, all(t, s), m2)
	})
}

func TestWALCorruptionDetected(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir, NoSync: true, WALSegmentBytes: 1})
	g := newEventGen(12)
	for i := 0; i < 4; i++ {
		appendT(t, s, g.batch(20), nil)
	}
	s.crashForTest()
	segs, _ := listSegments(vfs.OS, filepath.Join(dir, "wal"))
	if len(segs) < 3 {
		t.Fatalf("%d segments, want several", len(segs))
	}
	cases := []struct {
		name string
		mod  func(t *testing.T, walDir string)
	}{
		{"flipped byte in first record of a segment", func(t *testing.T, walDir string) {
			p := filepath.Join(walDir, segmentName(segs[0]))
			data, _ := os.ReadFile(p)
			data[walHeaderLen+walRecHeaderLen+10] ^= 0x40
			os.WriteFile(p, data, 0o644)
		}},
		{"truncated segment that is not the last", func(t *testing.T, walDir string) {
			p := filepath.Join(walDir, segmentName(segs[1]))
			fi, _ := os.Stat(p)
			os.Truncate(p, fi.Size()-3)
		}},
		{"bad magic", func(t *testing.T, walDir string) {
			p := filepath.Join(walDir, segmentName(segs[0]))
			data, _ := os.ReadFile(p)
			data[0] = 'X'
			os.WriteFile(p, data, 0o644)
		}},
		{"garbage after the last record of the last segment", func(t *testing.T, walDir string) {
			// A record's CRC fails and more non-zero bytes follow it:
			// that is not a torn write.
			p := filepath.Join(walDir, segmentName(segs[len(segs)-2]))
			data, _ := os.ReadFile(p)
			start := findLastRecord(t, data)
			data[start+12] ^= 1
			data = append(data, []byte("trailing garbage")...)
			os.WriteFile(p, data, 0o644)
			for _, n := range segs[len(segs)-1:] {
				os.Remove(filepath.Join(walDir, segmentName(n)))
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d2 := copyDir(t, dir)
			c.mod(t, filepath.Join(d2, "wal"))
			s, err := Open(Options{Dir: d2, NoSync: true})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded over a corrupt WAL")
			}
			if !IsCorruption(err) {
				t.Fatalf("error %v is not marked as corruption", err)
			}
		})
	}
}

func TestPartCorruptionDetected(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir, NoSync: true, BlockRows: 100})
	appendT(t, s, newEventGen(13).batch(500), nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var values, index []string
	filepath.Walk(filepath.Join(dir, "parts"), func(p string, fi os.FileInfo, err error) error {
		switch filepath.Base(p) {
		case valuesFile:
			values = append(values, p)
		case indexFile:
			index = append(index, p)
		}
		return nil
	})
	if len(values) == 0 {
		t.Fatal("no part written")
	}
	for name, path := range map[string]string{"values": values[0], "index": index[0]} {
		t.Run(name, func(t *testing.T) {
			d2 := copyDir(t, dir)
			p := filepath.Join(d2, strings.TrimPrefix(path, dir))
			data, _ := os.ReadFile(p)
			for i := len(data) / 3; i < len(data); i += len(data) / 7 {
				data[i] ^= 0x55
			}
			os.WriteFile(p, data, 0o644)
			s := openT(t, Options{Dir: d2, NoSync: true})
			defer s.Close()
			_, err := s.Search(ctx, store.Request{}, func(*event.Event) error { return nil })
			if !IsCorruption(err) {
				t.Fatalf("search over a damaged part: %v, want a corruption error", err)
			}
		})
	}
}

func TestWALWriteFailure(t *testing.T) {
	efs := vfs.NewErrorFS(vfs.OS)
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir, FS: efs})
	model := map[uint64]*event.Event{}
	g := newEventGen(14)
	appendT(t, s, g.batch(10), model)
	efs.FailWhen(vfs.OpSync, func(name string) bool { return strings.HasSuffix(name, walExt) })
	if err := s.Append(ctx, g.batch(10)); err == nil {
		t.Fatal("Append succeeded though fsync failed")
	}
	efs.FailWhen(vfs.OpSync, nil)
	if err := s.Append(ctx, g.batch(10)); err == nil {
		t.Fatal("Append succeeded on a WAL whose fsync failed before")
	}
	// What was acknowledged is searchable and survives a reopen.
	checkExactlyOnce(t, all(t, s), model)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, Options{Dir: dir})
	defer s.Close()
	got := all(t, s)
	for seq := range model {
		if !slices.ContainsFunc(got, func(e *event.Event) bool { return e.Seq == seq }) {
			t.Fatalf("acknowledged seq %d lost", seq)
		}
	}
}

func TestFlushFailureKeepsEvents(t *testing.T) {
	efs := vfs.NewErrorFS(vfs.OS)
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir, FS: efs, NoSync: true})
	model := map[uint64]*event.Event{}
	appendT(t, s, newEventGen(15).batch(100), model)
	efs.FailWhen(vfs.OpCreate, func(name string) bool { return strings.HasSuffix(name, indexFile) })
	if err := s.Flush(ctx); err == nil {
		t.Fatal("Flush succeeded though writing the index failed")
	}
	checkExactlyOnce(t, all(t, s), model)
	efs.FailWhen(vfs.OpCreate, nil)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, all(t, s), model)
	s.Close()
	s = openT(t, Options{Dir: dir, NoSync: true})
	defer s.Close()
	checkExactlyOnce(t, all(t, s), model)
}

func TestSearchControls(t *testing.T) {
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true, BlockRows: 100})
	defer s.Close()
	g := newEventGen(16)
	model := map[uint64]*event.Event{}
	appendT(t, s, g.batch(1000), model)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	appendT(t, s, g.batch(300), model)

	// ErrStop ends the search without error.
	n := 0
	_, err := s.Search(ctx, store.Request{}, func(*event.Event) error {
		if n++; n == 10 {
			return store.ErrStop
		}
		return nil
	})
	if err != nil || n != 10 {
		t.Fatalf("ErrStop: err %v after %d events", err, n)
	}
	// Other callback errors are returned.
	boom := errors.New("boom")
	if _, err := s.Search(ctx, store.Request{}, func(*event.Event) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("callback error: got %v", err)
	}
	// A cancelled context ends the search.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Search(cctx, store.Request{}, func(*event.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: got %v", err)
	}
	// Time bounds: From inclusive, To exclusive.
	var times []int64
	for _, e := range model {
		times = append(times, e.Time)
	}
	slices.Sort(times)
	from, to := times[200], times[900]
	got := search(t, s, store.Request{From: from, To: to})
	want := 0
	for _, tm := range times {
		if tm >= from && tm < to {
			want++
		}
	}
	if len(got) != want {
		t.Fatalf("time range: %d events, want %d", len(got), want)
	}
	// NewestFirst visits the head before parts.
	var first *event.Event
	s.Search(ctx, store.Request{NewestFirst: true}, func(e *event.Event) error { first = e.Clone(); return store.ErrStop })
	if first == nil || first.Seq <= 1000 {
		t.Fatalf("NewestFirst started with %v", first)
	}
	// Fields limits decoding of part events to the listed fields.
	got = search(t, s, store.Request{Fields: []string{"host.name"}, Filter: mustTerm(t, "event.dataset", filter.OpEq, "system.auth")})
	for _, e := range got {
		if e.Seq <= 1000 && (len(e.Fields) > 2) {
			t.Fatalf("Fields [host.name]: part event has %v", fieldNames(e))
		}
	}
	// Floor skips blocks entirely older than it.
	st, _ := s.Search(ctx, store.Request{Floor: func() int64 { return math.MaxInt64 }}, func(*event.Event) error { return nil })
	if st.BlocksScanned != 0 {
		t.Fatalf("Floor above all data still scanned %d blocks", st.BlocksScanned)
	}
}

func TestSearchPrunesRareToken(t *testing.T) {
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true, BlockRows: 500})
	defer s.Close()
	g := newEventGen(17)
	evs := g.batch(20000)
	plantNeedle(evs[12345])
	appendT(t, s, evs, nil)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []filter.Node{
		mustTerm(t, "", filter.OpEq, needleIP),
		mustTerm(t, "", filter.OpEq, needleUser),
		mustTerm(t, "user.name", filter.OpEq, needleUser),
		mustTerm(t, "event.original", filter.OpPhrase, "needle "+needleIP),
	} {
		var n int
		st, err := s.Search(ctx, store.Request{Filter: q}, func(*event.Event) error { n++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%s: %d matches, want 1", q, n)
		}
		if st.BlocksScanned > 3 {
			t.Errorf("%s: scanned %d blocks (skipped %d); the bloom filters should skip nearly all", q, st.BlocksScanned, st.BlocksSkipped)
		}
	}
}

func maps(m map[uint64]*event.Event) map[uint64]*event.Event {
	out := make(map[uint64]*event.Event, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func lastSegment(t *testing.T, walDir string) string {
	segs, err := listSegments(vfs.OS, walDir)
	if err != nil || len(segs) == 0 {
		t.Fatalf("no WAL segments: %v", err)
	}
	return filepath.Join(walDir, segmentName(segs[len(segs)-1]))
}

// findLastRecord returns the offset of the last record in segment data.
func findLastRecord(t *testing.T, data []byte) int {
	off, last := walHeaderLen, -1
	for off < len(data) {
		n, _, _, err := decodeWALRecord(data[off:])
		if err != nil {
			t.Fatalf("record at %d: %v", off, err)
		}
		last = off
		off += n
	}
	if last < 0 {
		t.Fatal("segment holds no record")
	}
	return last
}

func copyDir(t *testing.T, src string) string {
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// ---------------------------------------------------------------- randomized

// randEvent makes small events over a narrow vocabulary, so that random
// filters match some of them, with every value type.
func randEvent(rng *rand.Rand, t0 int64) *event.Event {
	words := []string{"alpha", "beta", "Gamma", "delta", "10.1.2.3", "10.1.2.4", "root", "ROOT", "fail", "ok", "\xff\xfe", "", "Grüße", "x_y"}
	e := &event.Event{Time: t0 + rng.Int64N(int64(72*time.Hour))}
	pick := func() string { return words[rng.IntN(len(words))] }
	if rng.IntN(4) > 0 {
		n := 1 + rng.IntN(6)
		var parts []string
		for range n {
			parts = append(parts, pick())
		}
		e.Set(event.FieldMessage, event.String(strings.Join(parts, []string{" ", ".", ": ", "/"}[rng.IntN(4)])))
	}
	if rng.IntN(2) == 0 {
		e.Set(event.FieldOriginal, event.String(pick()+" "+pick()+" "+pick()))
	}
	if rng.IntN(3) > 0 {
		e.Set(event.FieldUserName, event.String(pick()))
	}
	if rng.IntN(3) == 0 {
		e.Set(event.FieldSourceIP, event.IP(netip.AddrFrom4([4]byte{10, 1, 2, byte(rng.IntN(6))})))
	}
	if rng.IntN(3) == 0 {
		e.Set("port", event.Int(int64(rng.IntN(10)*11)))
	}
	if rng.IntN(4) == 0 {
		e.Set("port", event.String(fmt.Sprint(rng.IntN(10)*11))) // same field, other type
	}
	if rng.IntN(4) == 0 {
		e.Set("ratio", event.Float([]float64{0.5, 1, 2.25, math.NaN(), -3}[rng.IntN(5)]))
	}
	if rng.IntN(4) == 0 {
		e.Set("flag", event.Bool(rng.IntN(2) == 0))
	}
	if rng.IntN(4) == 0 {
		e.Set(event.FieldCreated, event.TimeNanos(e.Time+rng.Int64N(1e9)))
	}
	if rng.IntN(4) == 0 {
		e.Set(event.FieldRelatedUser, event.Array(event.String(pick()), event.String(pick())))
	}
	if rng.IntN(5) == 0 {
		e.Set(event.FieldDataset, event.String([]string{"a", "b", "c"}[rng.IntN(3)]))
	}
	if rng.IntN(6) == 0 {
		e.Set(event.FieldID, event.String(fmt.Sprint("id", rng.IntN(5))))
	}
	if rng.IntN(4) == 0 {
		// Syslog-shaped, in a stream of its own: message is the tail of
		// event.original in most rows (the suffix encoding), not in some.
		msg := pick() + " " + pick() + " " + pick()
		orig := fmt.Sprintf("<13>Mar  1 host prog[%d]: %s", rng.IntN(100), msg)
		if rng.IntN(12) == 0 {
			orig = msg + " and more"
		}
		e.Set(event.FieldMessage, event.String(msg))
		e.Set(event.FieldOriginal, event.String(orig))
		e.Set(event.FieldDataset, event.String("syslog"))
	}
	return e
}

func randFilter(t testing.TB, rng *rand.Rand, depth int) filter.Node {
	if depth > 0 && rng.IntN(3) == 0 {
		n := 1 + rng.IntN(3)
		var kids []filter.Node
		for range n {
			kids = append(kids, randFilter(t, rng, depth-1))
		}
		switch rng.IntN(3) {
		case 0:
			return &filter.And{Nodes: kids}
		case 1:
			return &filter.Or{Nodes: kids}
		default:
			return &filter.Not{Node: kids[0]}
		}
	}
	type tc struct {
		field string
		op    filter.Op
		v, hi string
	}
	cases := []tc{
		{"", filter.OpEq, "alpha", ""}, {"", filter.OpEq, "root", ""}, {"", filter.OpEq, "10.1.2.3", ""},
		{"", filter.OpPhrase, "beta gamma", ""}, {"", filter.OpEq, "grüße", ""}, {"", filter.OpWildcard, "del*", ""},
		{"message", filter.OpEq, "10.1.2.4", ""}, {"message", filter.OpPhrase, "fail ok", ""},
		{"user.name", filter.OpEq, "root", ""}, {"user.name", filter.OpEq, "x_y", ""}, {"user.name", filter.OpWildcard, "r*t", ""},
		{"user.name", filter.OpRegex, "^[a-z]+$", ""}, {"user.name", filter.OpExists, "", ""},
		{"source.ip", filter.OpEq, "10.1.2.3", ""}, {"source.ip", filter.OpCIDR, "10.1.2.0/31", ""}, {"source.ip", filter.OpEq, "::ffff:10.1.2.2", ""},
		{"port", filter.OpEq, "22", ""}, {"port", filter.OpEq, "33.0", ""}, {"port", filter.OpGT, "50", ""}, {"port", filter.OpRange, "11", "44"},
		{"ratio", filter.OpEq, "2.25", ""}, {"ratio", filter.OpLT, "1", ""}, {"ratio", filter.OpEq, "NaN", ""},
		{"flag", filter.OpEq, "true", ""}, {"flag", filter.OpEq, "FALSE", ""},
		{"related.user", filter.OpEq, "delta", ""}, {"event.dataset", filter.OpEq, "b", ""},
		{"event.created", filter.OpExists, "", ""}, {"@timestamp", filter.OpGTE, fmt.Sprint(genStart + int64(36*time.Hour)), ""},
		{"event.id", filter.OpEq, "id3", ""}, {"event.id", filter.OpEq, "5", ""}, {"event.id", filter.OpEq, "1f", ""},
		{"missing.field", filter.OpEq, "x", ""}, {"message", filter.OpRegex, "(?i)gamma", ""},
	}
	c := cases[rng.IntN(len(cases))]
	term, err := filter.NewTerm(c.field, c.op, c.v, c.hi)
	if err != nil {
		t.Fatal(err)
	}
	return term
}

// TestRandomizedAgainstBruteForce runs random sequences of appends,
// flushes, merges, reopens and crashes under several option sets and checks
// every search against filter.Match over the model of acknowledged events.
func TestRandomizedAgainstBruteForce(t *testing.T) {
	optionSets := []Options{
		{BlockRows: 7},
		{BlockRows: 64, MergeFanIn: 2},
		{BlockRows: 1000, FlushEvents: 150},
	}
	steps := 150
	if testing.Short() {
		steps = 25
	}
	for i, base := range optionSets {
		t.Run(fmt.Sprint("opts", i), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 99))
			dir := t.TempDir()
			opts := base
			opts.Dir, opts.NoSync = dir, true
			s := openT(t, opts)
			defer func() { s.Close() }()
			model := map[uint64]*event.Event{}
			for step := 0; step < steps; step++ {
				switch r := rng.IntN(20); {
				case r < 9:
					n := 1 + rng.IntN(80)
					evs := make([]*event.Event, n)
					for k := range evs {
						evs[k] = randEvent(rng, genStart)
					}
					appendT(t, s, evs, model)
				case r < 12:
					if err := s.Flush(ctx); err != nil {
						t.Fatal(err)
					}
				case r < 14:
					if _, err := s.mergeOnce(); err != nil {
						t.Fatal(err)
					}
				case r < 15:
					if err := s.Close(); err != nil {
						t.Fatal(err)
					}
					s = openT(t, opts)
				case r < 16:
					s.crashForTest()
					s = openT(t, opts)
				default:
					for q := 0; q < 5; q++ {
						checkSearch(t, rng, s, model)
					}
				}
			}
			checkExactlyOnce(t, all(t, s), model)
			for q := 0; q < 40; q++ {
				checkSearch(t, rng, s, model)
			}
		})
	}
}

func checkSearch(t *testing.T, rng *rand.Rand, s *Store, model map[uint64]*event.Event) {
	t.Helper()
	req := store.Request{Filter: randFilter(t, rng, 2), NewestFirst: rng.IntN(2) == 0}
	if rng.IntN(3) == 0 {
		req.From = genStart + rng.Int64N(int64(48*time.Hour))
		req.To = req.From + rng.Int64N(int64(48*time.Hour))
	}
	if rng.IntN(4) == 0 {
		req.Fields = []string{event.FieldUserName}
	}
	var want []uint64
	for seq, e := range model {
		if (req.From == 0 && req.To == 0 || e.Time >= req.From && e.Time < req.To) && filter.Match(req.Filter, e) {
			want = append(want, seq)
		}
	}
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	got := search(t, s, req)
	var gotSeqs []uint64
	for _, e := range got {
		gotSeqs = append(gotSeqs, e.Seq)
		w := model[e.Seq]
		if w == nil {
			t.Fatalf("filter %s: unknown seq %d", req.Filter, e.Seq)
		}
		if req.Fields == nil {
			if d := diffEvent(w, e, true); d != "" {
				t.Fatalf("filter %s: seq %d: %s", req.Filter, e.Seq, d)
			}
		} else if a, b := w.GetString(event.FieldUserName), e.GetString(event.FieldUserName); a != b {
			t.Fatalf("filter %s Fields %v: seq %d user.name %q, want %q", req.Filter, req.Fields, e.Seq, b, a)
		}
	}
	if !slices.Equal(gotSeqs, want) {
		t.Fatalf("filter %s (from %d to %d): got %d events, want %d\ngot  %v\nwant %v", req.Filter, req.From, req.To, len(gotSeqs), len(want), head(gotSeqs), head(want))
	}
}

func head(s []uint64) []uint64 { return s[:min(len(s), 20)] }

// TestConcurrentAppendSearch appends from several goroutines while others
// search and the background flushes and merges run; run it with -race.
func TestConcurrentAppendSearch(t *testing.T) {
	s := openT(t, Options{Dir: t.TempDir(), NoSync: true, BlockRows: 50, FlushEvents: 300, FlushInterval: 20 * time.Millisecond, MergeFanIn: 3})
	const writers, batches, per = 4, 30, 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	model := map[uint64]*event.Event{}
	done := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			g := newEventGen(uint64(100 + w))
			for b := 0; b < batches; b++ {
				evs := g.batch(per)
				if err := s.Append(ctx, evs); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, e := range evs {
					model[e.Seq] = e.Clone()
				}
				mu.Unlock()
			}
		}(w)
	}
	var swg sync.WaitGroup
	for r := 0; r < 2; r++ {
		swg.Add(1)
		go func() {
			defer swg.Done()
			term := mustTerm(t, "event.outcome", filter.OpEq, "failure")
			for {
				select {
				case <-done:
					return
				default:
				}
				seen := map[uint64]bool{}
				_, err := s.Search(ctx, store.Request{Filter: term}, func(e *event.Event) error {
					if seen[e.Seq] {
						return fmt.Errorf("seq %d twice in one search", e.Seq)
					}
					seen[e.Seq] = true
					if e.GetString(event.FieldOutcome) != "failure" {
						return fmt.Errorf("seq %d does not match", e.Seq)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	swg.Wait()
	if len(model) != writers*batches*per {
		t.Fatalf("%d distinct seqs, want %d", len(model), writers*batches*per)
	}
	checkExactlyOnce(t, all(t, s), model)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
