package query

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/store"
)

func TestParseTimeArg(t *testing.T) {
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.FixedZone("X", 3600))
	nowUTC := now.UTC()
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{in: "now", want: nowUTC},
		{in: "NOW", want: nowUTC},
		{in: "now-15m", want: nowUTC.Add(-15 * time.Minute)},
		{in: "-15m", want: nowUTC.Add(-15 * time.Minute)},
		{in: "now-2h", want: nowUTC.Add(-2 * time.Hour)},
		{in: "now-7d", want: nowUTC.Add(-7 * 24 * time.Hour)},
		{in: "now-1w", want: nowUTC.Add(-7 * 24 * time.Hour)},
		{in: "now+5m", want: nowUTC.Add(5 * time.Minute)},
		{in: "now-90s", want: nowUTC.Add(-90 * time.Second)},
		{in: "now-1h30m", want: nowUTC.Add(-90 * time.Minute)},
		{in: " now-1d ", want: nowUTC.Add(-24 * time.Hour)},
		{in: "2024-05-01", want: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2024-05-01T10:20:30Z", want: time.Date(2024, 5, 1, 10, 20, 30, 0, time.UTC)},
		{in: "2024-05-01T10:20:30.5+02:00", want: time.Date(2024, 5, 1, 8, 20, 30, 5e8, time.UTC)},
		{in: "2024-05-01T10:20:30", want: time.Date(2024, 5, 1, 10, 20, 30, 0, time.UTC)},
		{in: "", err: true},
		{in: "15m", err: true},
		{in: "now-", err: true},
		{in: "now-5x", err: true},
		{in: "now-99999999999w", err: true},
		{in: "yesterday", err: true},
		{in: "2024-13-01", err: true},
	}
	for _, tt := range tests {
		got, err := ParseTimeArg(tt.in, now)
		if (err != nil) != tt.err {
			t.Errorf("ParseTimeArg(%q) error = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if !tt.err && (!got.Equal(tt.want) || got.Location() != time.UTC) {
			t.Errorf("ParseTimeArg(%q) = %v, want %v (UTC)", tt.in, got, tt.want)
		}
	}
}

func TestParseErrorPosition(t *testing.T) {
	tests := []struct {
		q    string
		pos  int
		text string // the last two lines of Error()
	}{
		{q: "a\tb:", pos: 4, text: "  a\tb:\n   \t  ^"},
		{q: "x\n  y:(", pos: 7, text: "    y:(\n       ^"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.q)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("Parse(%q) = %v, want a *ParseError", tt.q, err)
		}
		if pe.Pos != tt.pos {
			t.Errorf("Parse(%q) error at %d, want %d: %v", tt.q, pe.Pos, tt.pos, err)
		}
		lines := strings.SplitN(err.Error(), "\n", 2)
		if lines[1] != tt.text {
			t.Errorf("Parse(%q) error renders\n%s\nwant\n%s", tt.q, lines[1], tt.text)
		}
	}
	// Out-of-range positions and control characters render without panic.
	for _, pe := range []*ParseError{{Pos: -3, Msg: "m", Query: "ab"}, {Pos: 99, Msg: "m", Query: "a\x00b\xff"}} {
		if s := pe.Error(); !strings.Contains(s, "^") || strings.ContainsRune(s, 0) {
			t.Errorf("bad rendering %q", s)
		}
	}
}

// recorder wraps a Searcher and keeps the last request.
type recorder struct {
	Searcher
	req store.Request
	err error
}

func (r *recorder) Search(ctx context.Context, req store.Request, fn func(*event.Event) error) (store.Stats, error) {
	r.req = req
	if r.err != nil {
		return store.Stats{}, r.err
	}
	return r.Searcher.Search(ctx, req, fn)
}

func manyEvents(n int) []*event.Event {
	base := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)
	hosts := []string{"web-1", "web-2", "db-1", "db-2", "mail"}
	users := []string{"root", "alice", "bob", "carol", "dave", "eve", "mallory"}
	events := make([]*event.Event, n)
	for i := range events {
		e := &event.Event{Time: base.Add(time.Duration(i) * time.Second).UnixNano()}
		e.SetString(event.FieldDataset, "system.auth")
		e.SetString(event.FieldHostName, hosts[i%len(hosts)])
		e.SetString(event.FieldUserName, users[i%len(users)])
		e.Set(event.FieldSourceIP, event.String("10.0."+itoa(i%7)+"."+itoa(i%250)))
		e.Set("source.port", event.Int(int64(1024+i%60000)))
		if i%3 == 0 {
			e.SetString(event.FieldOutcome, "failure")
		} else {
			e.SetString(event.FieldOutcome, "success")
		}
		if i%10 == 0 {
			e.Set(event.FieldCount, event.Int(5))
		}
		e.SetString(event.FieldMessage, "Failed password for "+users[i%len(users)]+" from 10.0.0.1 port 22 ssh2")
		events[i] = e
	}
	return events
}

func itoa(i int) string { return string(event.Int(int64(i)).AppendText(nil)) }

func TestRequest(t *testing.T) {
	s := NewSliceSearcher(manyEvents(100))
	tests := []struct {
		q           string
		fields      []string
		newestFirst bool
		floor       bool
	}{
		{q: "*", newestFirst: true, floor: true},
		{q: "root | head 5", newestFirst: true, floor: true},
		{q: "| stats count() by host.name | where count > 1", fields: []string{event.FieldCount, "host.name"}},
		{q: "| where x > 1 | eval y = z | stats avg(y) by u", fields: []string{event.FieldCount, "x", "y", "z", "u"}},
		{q: "| fields a, b", fields: []string{event.FieldCount, "a", "b"}, newestFirst: true, floor: true},
		{q: "| fields - a", newestFirst: true, floor: true},
		{q: "| sort -a | head 3", newestFirst: true},
		{q: "| timechart span=1m count() by host.name", fields: []string{event.FieldCount, "host.name"}},
	}
	for _, tt := range tests {
		q, err := Parse(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		r := &recorder{Searcher: s}
		if _, err := Run(context.Background(), r, q, Options{}); err != nil {
			t.Fatalf("%s: %v", tt.q, err)
		}
		if !slices.Equal(r.req.Fields, tt.fields) {
			t.Errorf("%s: Fields = %q, want %q", tt.q, r.req.Fields, tt.fields)
		}
		if r.req.NewestFirst != tt.newestFirst || (r.req.Floor != nil) != tt.floor {
			t.Errorf("%s: NewestFirst %v Floor %v, want %v %v", tt.q, r.req.NewestFirst, r.req.Floor != nil, tt.newestFirst, tt.floor)
		}
		if r.req.Filter != nil && tt.q[0] == '|' {
			t.Errorf("%s: match-all filter sent as %v, want nil", tt.q, r.req.Filter)
		}
	}
}

// TestFloorStopsEarly checks that the newest-N search raises the floor so
// that a store visiting newest first can stop after N events.
func TestFloorStopsEarly(t *testing.T) {
	s := NewSliceSearcher(manyEvents(10000))
	q, _ := Parse("failed")
	res, err := Run(context.Background(), s, q, Options{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 10 || !res.Truncated {
		t.Fatalf("got %d events, truncated %v; want 10, true", len(res.Events), res.Truncated)
	}
	if res.Stats.EventsScanned != 10 || res.Stats.BlocksSkipped != 1 {
		t.Errorf("stats %+v: want 10 events scanned and the rest skipped at once", res.Stats)
	}
	for i, e := range res.Events {
		if want := int64(9999 - i); e.Time != manyEvents(1)[0].Time+want*int64(time.Second) {
			t.Errorf("event %d at %v, want the newest first", i, e.Timestamp())
		}
	}
}

func TestRunErrors(t *testing.T) {
	s := NewSliceSearcher(manyEvents(5000))
	q, _ := Parse("| stats count()")
	boom := errors.New("disk on fire")
	if _, err := Run(context.Background(), &recorder{Searcher: s, err: boom}, q, Options{}); !errors.Is(err, boom) {
		t.Errorf("store error: got %v, want it wrapped", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, s, q, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

// TestConcurrentRun runs one parsed query from several goroutines (run
// with -race): a Query is read-only during Run.
func TestConcurrentRun(t *testing.T) {
	s := NewSliceSearcher(manyEvents(2000))
	q, err := Parse(`event.outcome:failure | eval p = source.port % 10 | stats count(), dc(user.name), values(p) by host.name | sort -count`)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Run(context.Background(), s, q, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := Run(context.Background(), s, q, Options{})
			if err != nil || formatResult(got, false) != formatResult(want, false) {
				t.Errorf("concurrent run differs: %v", err)
			}
		})
	}
	wg.Wait()
}

func TestWriters(t *testing.T) {
	at := time.Date(2024, 3, 10, 10, 0, 0, 0, time.UTC)
	e1 := &event.Event{Seq: 1, Time: at.UnixNano()}
	e1.SetString("host.name", "web-1")
	e1.SetString("message", "line one\nline two")
	e2 := &event.Event{Seq: 2, Time: at.Add(time.Second).UnixNano()}
	e2.SetString("event.original", `{"a":1}`)
	e2.Set("n", event.Int(3))
	e3 := &event.Event{Seq: 3, Time: at.Add(2 * time.Second).UnixNano()}
	e3.Set("n", event.Int(4))
	e3.SetString("user.name", "bob")
	evRes := &Result{Events: []*event.Event{e1, e2, e3}, Took: 1500 * time.Microsecond, Truncated: true}
	tabRes := &Result{
		Columns: []string{"source.ip", "failures", "avg"},
		Rows: [][]event.Value{
			{event.String("10.0.0.5"), event.Int(21), event.Float(2.5)},
			{event.String("192.168.100.200"), event.Int(3), event.Value{}},
		},
		Stats: store.Stats{EventsScanned: 7, EventsMatched: 5},
	}
	emptyEv := &Result{}
	emptyTab := &Result{Columns: []string{"count"}, Rows: [][]event.Value{}}

	tests := []struct {
		name  string
		r     *Result
		write func(*Result, *bytes.Buffer) error
		want  string
	}{
		{"json events", evRes, (*Result).jsonTo, `{"events":[{"@timestamp":"2024-03-10T10:00:00Z","event.id":"1","host.name":"web-1","message":"line one\nline two"},{"@timestamp":"2024-03-10T10:00:01Z","event.id":"2","event.original":"{\"a\":1}","n":3},{"@timestamp":"2024-03-10T10:00:02Z","event.id":"3","n":4,"user.name":"bob"}],"stats":{"parts":0,"blocks_scanned":0,"blocks_skipped":0,"events_scanned":0,"events_matched":0,"bytes_read":0},"took_ms":1,"truncated":true}` + "\n"},
		{"json table", tabRes, (*Result).jsonTo, `{"columns":["source.ip","failures","avg"],"rows":[["10.0.0.5",21,2.5],["192.168.100.200",3,null]],"stats":{"parts":0,"blocks_scanned":0,"blocks_skipped":0,"events_scanned":7,"events_matched":5,"bytes_read":0},"took_ms":0}` + "\n"},
		{"json no events", emptyEv, (*Result).jsonTo, `{"events":[],"stats":{"parts":0,"blocks_scanned":0,"blocks_skipped":0,"events_scanned":0,"events_matched":0,"bytes_read":0},"took_ms":0}` + "\n"},
		{"json no rows", emptyTab, (*Result).jsonTo, `{"columns":["count"],"rows":[],"stats":{"parts":0,"blocks_scanned":0,"blocks_skipped":0,"events_scanned":0,"events_matched":0,"bytes_read":0},"took_ms":0}` + "\n"},
		{"csv events", evRes, (*Result).csvTo, "@timestamp,event.original,host.name,message,n,user.name\n" +
			"2024-03-10T10:00:00Z,,web-1,\"line one\nline two\",,\n" +
			"2024-03-10T10:00:01Z,\"{\"\"a\"\":1}\",,,3,\n" +
			"2024-03-10T10:00:02Z,,,,4,bob\n"},
		{"csv table", tabRes, (*Result).csvTo, "source.ip,failures,avg\n10.0.0.5,21,2.5\n192.168.100.200,3,\n"},
		{"table events", evRes, (*Result).tableTo, "" +
			"2024-03-10T10:00:00.000Z  web-1  line one\\nline two\n" +
			"2024-03-10T10:00:01.000Z         {\"a\":1}\n" +
			"2024-03-10T10:00:02.000Z         n=4 user.name=bob\n"},
		{"table table", tabRes, (*Result).tableTo, "" +
			"source.ip        failures  avg\n" +
			"10.0.0.5               21  2.5\n" +
			"192.168.100.200         3\n"},
		{"table no rows", emptyTab, (*Result).tableTo, "count\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := tt.write(tt.r, &b); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", tt.name, b.String(), tt.want)
		}
	}
}

func (r *Result) jsonTo(b *bytes.Buffer) error  { return r.WriteJSON(b) }
func (r *Result) csvTo(b *bytes.Buffer) error   { return r.WriteCSV(b) }
func (r *Result) tableTo(b *bytes.Buffer) error { return r.WriteTable(b) }
