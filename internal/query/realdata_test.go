package query

import (
	"context"
	"encoding/csv"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestOpenSSHLoghub runs queries over the 2,000 real OpenSSH log lines of
// loghub (with their ground-truth template ids) and checks every answer
// against a count made directly from the CSV.
func TestOpenSSHLoghub(t *testing.T) {
	path := parsetest.SharedData(t, "loghub/OpenSSH/OpenSSH_2k.log_structured.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// LineId,Date,Day,Time,Component,Pid,Content,EventId,EventTemplate
	var events []*event.Event
	byTemplate := map[string]int64{}
	pidsByTemplate := map[string]map[string]bool{}
	byHour := map[int64]int64{}
	failedPassword := 0
	for _, r := range recs[1:] {
		day, _ := strconv.Atoi(r[2])
		ts, err := time.Parse("2006 Jan 2 15:04:05", "2024 "+r[1]+" "+strconv.Itoa(day)+" "+r[3])
		if err != nil {
			t.Fatalf("line %s: %v", r[0], err)
		}
		e := &event.Event{Time: ts.UnixNano()}
		e.SetString(event.FieldHostName, r[4])
		pid, _ := strconv.ParseInt(r[5], 10, 64)
		e.Set("process.pid", event.Int(pid))
		e.SetString(event.FieldMessage, r[6])
		e.SetString("labels.template", r[7])
		events = append(events, e)

		byTemplate[r[7]]++
		if pidsByTemplate[r[7]] == nil {
			pidsByTemplate[r[7]] = map[string]bool{}
		}
		pidsByTemplate[r[7]][r[5]] = true
		byHour[ts.Truncate(time.Hour).UnixNano()]++
		if strings.Contains(strings.ToLower(r[6]), "failed password") {
			failedPassword++
		}
	}
	s := NewSliceSearcher(events)
	run := func(q string, opt Options) *Result {
		t.Helper()
		pq, err := Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), s, pq, opt)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return res
	}

	res := run(`"failed password" | stats count()`, Options{})
	if n, _ := res.Rows[0][0].Int(); n != int64(failedPassword) || n == 0 {
		t.Errorf(`"failed password": %d events, the CSV has %d`, n, failedPassword)
	}

	res = run(`| stats count() as n, dc(process.pid) as pids by labels.template | sort -n, labels.template`, Options{MaxGroups: 1000})
	if len(res.Rows) != len(byTemplate) {
		t.Fatalf("%d templates, the CSV has %d", len(res.Rows), len(byTemplate))
	}
	for _, row := range res.Rows {
		tpl := row[0].Str()
		n, _ := row[1].Int()
		pids, _ := row[2].Int()
		if n != byTemplate[tpl] || pids != int64(len(pidsByTemplate[tpl])) {
			t.Errorf("template %s: count %d dc %d, the CSV has %d and %d", tpl, n, pids, byTemplate[tpl], len(pidsByTemplate[tpl]))
		}
	}
	for i := 1; i < len(res.Rows); i++ {
		a, _ := res.Rows[i-1][1].Int()
		b, _ := res.Rows[i][1].Int()
		if a < b {
			t.Errorf("rows not sorted by -n at %d", i)
		}
	}

	type kv struct {
		k string
		n int64
	}
	var want []kv
	for k, n := range byTemplate {
		want = append(want, kv{k, n})
	}
	sort.Slice(want, func(i, j int) bool {
		if want[i].n != want[j].n {
			return want[i].n > want[j].n
		}
		return want[i].k < want[j].k
	})
	res = run(`| top 5 labels.template`, Options{})
	for i, row := range res.Rows {
		if n, _ := row[1].Int(); row[0].Str() != want[i].k || n != want[i].n {
			t.Errorf("top %d: %s %d, want %s %d", i, row[0].Str(), n, want[i].k, want[i].n)
		}
	}

	first, last := events[0].Timestamp(), events[len(events)-1].Timestamp()
	from, to := first.Truncate(time.Hour), last.Truncate(time.Hour).Add(time.Hour)
	res = run(`| timechart span=1h count()`, Options{From: from, To: to})
	if want := int(to.Sub(from) / time.Hour); len(res.Rows) != want {
		t.Fatalf("%d hourly buckets, want %d", len(res.Rows), want)
	}
	var total int64
	for _, row := range res.Rows {
		ts, _ := row[0].Time()
		n, _ := row[1].Int()
		if n != byHour[ts.UnixNano()] {
			t.Errorf("bucket %v: %d, the CSV has %d", ts, n, byHour[ts.UnixNano()])
		}
		total += n
	}
	if total != int64(len(events)) {
		t.Errorf("timechart total %d, want %d", total, len(events))
	}
}
