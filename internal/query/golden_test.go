package query

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// goldenNow is "now" for relative times in the golden files.
var goldenNow = time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)

// TestGolden runs the data-driven files testdata/*.golden. Each holds blocks
// separated by blank lines:
//
//	load                      NDJSON events replacing the data set
//	{"@timestamp":"...", ...}
//
//	query [from=T] [to=T] [limit=N] [maxgroups=N] [ids]
//	<query text, one or more lines>
//	----
//	<expected: "ids: ..." or event JSON lines, or "columns: ..." and
//	 rows as JSON arrays, then "truncated" if so; or "error: ...">
//
//	parse
//	<query text>
//	----
//	<q.String(), or the ParseError rendered>
//
// Lines starting with # are comments. go test -rewrite regenerates the
// expected blocks; review the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.golden")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".golden"), func(t *testing.T) { runGoldenFile(t, f) })
	}
}

func runGoldenFile(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var out []string
	var searcher *SliceSearcher
	for i := 0; i < len(lines); {
		line := lines[i]
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			out = append(out, line)
			i++
			continue
		}
		fields := strings.Fields(line)
		cmd, args := fields[0], fields[1:]
		out = append(out, line)
		start := i + 1
		i++
		switch cmd {
		case "load":
			var body []string
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				body = append(body, lines[i])
				i++
			}
			out = append(out, body...)
			events, err := loadNDJSON(strings.Join(body, "\n"))
			if err != nil {
				t.Fatalf("%s:%d: %v", path, start, err)
			}
			searcher = NewSliceSearcher(events)
		case "query", "parse":
			var body []string
			for i < len(lines) && lines[i] != "----" {
				body = append(body, lines[i])
				i++
			}
			if i == len(lines) {
				t.Fatalf("%s:%d: %s without ----", path, start, cmd)
			}
			i++
			var want []string
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				want = append(want, lines[i])
				i++
			}
			text := strings.Join(body, "\n")
			var got string
			if cmd == "parse" {
				got = goldenParse(text)
			} else {
				got = goldenQuery(t, path, start, searcher, text, args)
			}
			out = append(out, body...)
			out = append(out, "----")
			out = append(out, strings.Split(got, "\n")...)
			if !*parsetest.Rewrite && got != strings.Join(want, "\n") {
				t.Errorf("%s:%d: %s\n%s\ngot:\n%s\nwant:\n%s", path, start, cmd, text, got, strings.Join(want, "\n"))
			}
		default:
			t.Fatalf("%s:%d: unknown command %q", path, start, cmd)
		}
	}
	if *parsetest.Rewrite {
		if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func goldenParse(text string) string {
	q, err := Parse(text)
	if err != nil {
		return "error: " + err.Error()
	}
	return q.String()
}

func goldenQuery(t *testing.T, path string, line int, s *SliceSearcher, text string, args []string) string {
	if s == nil {
		t.Fatalf("%s:%d: query before load", path, line)
	}
	var opt Options
	ids := false
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		var err error
		switch k {
		case "from":
			opt.From, err = ParseTimeArg(v, goldenNow)
		case "to":
			opt.To, err = ParseTimeArg(v, goldenNow)
		case "limit":
			opt.Limit, err = strconv.Atoi(v)
		case "maxgroups":
			opt.MaxGroups, err = strconv.Atoi(v)
		case "ids":
			ids = true
		default:
			err = fmt.Errorf("unknown argument %q", a)
		}
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
	}
	q, err := Parse(text)
	if err != nil {
		return "error: " + err.Error()
	}
	got := runFormatted(s, q, opt, ids)
	// The printed query must mean the same: run it too.
	q2, err := Parse(q.String())
	if err != nil {
		t.Errorf("%s:%d: String() %q does not parse: %v", path, line, q.String(), err)
	} else if got2 := runFormatted(s, q2, opt, ids); got2 != got {
		t.Errorf("%s:%d: String() %q answers differently:\n%s\nwant:\n%s", path, line, q.String(), got2, got)
	}
	return got
}

func runFormatted(s Searcher, q *Query, opt Options, ids bool) string {
	res, err := Run(context.Background(), s, q, opt)
	if err != nil {
		return "error: " + err.Error()
	}
	return formatResult(res, ids)
}

// formatResult renders a result exactly: types show (strings quoted).
func formatResult(res *Result, ids bool) string {
	var b strings.Builder
	if res.IsTable() {
		b.WriteString("columns: " + strings.Join(res.Columns, ", "))
		for _, row := range res.Rows {
			b.WriteByte('\n')
			var buf []byte
			buf = append(buf, '[')
			for j, v := range row {
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = v.AppendJSON(buf)
			}
			b.Write(append(buf, ']'))
		}
	} else if ids {
		b.WriteString("ids:")
		for _, e := range res.Events {
			b.WriteString(" " + e.ID())
		}
	} else {
		b.WriteString("events: " + strconv.Itoa(len(res.Events)))
		for _, e := range res.Events {
			b.WriteByte('\n')
			b.Write(e.AppendJSON(nil))
		}
	}
	if res.Truncated {
		b.WriteString("\ntruncated")
	}
	return b.String()
}

// loadNDJSON reads test events: nested objects are flattened with dots,
// @timestamp sets the time, fields named *.ip (and related.ip) holding
// addresses become IP values, numbers ints or floats.
func loadNDJSON(s string) ([]*event.Event, error) {
	var events []*event.Event
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		e, err := eventFromJSON(line)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", n, err)
		}
		events = append(events, e)
	}
	return events, sc.Err()
}

func eventFromJSON(line []byte) (*event.Event, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	e := &event.Event{}
	var walk func(prefix string, m map[string]any) error
	walk = func(prefix string, m map[string]any) error {
		for k, x := range m {
			name := prefix + k
			if sub, ok := x.(map[string]any); ok {
				if err := walk(name+".", sub); err != nil {
					return err
				}
				continue
			}
			if name == event.FieldTimestamp {
				ts, ok := x.(string)
				tm, ok2 := filter.ParseTime(ts)
				if !ok || !ok2 {
					return fmt.Errorf("bad @timestamp %v", x)
				}
				e.Time = tm.UnixNano()
				continue
			}
			v, ok := event.FromJSONValue(x)
			if !ok {
				return fmt.Errorf("field %s: unsupported value %v", name, x)
			}
			if strings.HasSuffix(name, ".ip") || strings.HasSuffix(name, "_ip") {
				v = toIP(v)
			}
			e.Set(name, v)
		}
		return nil
	}
	if err := walk("", m); err != nil {
		return nil, err
	}
	// Field order is the map's: sort it so that JSON output is stable.
	sortFields(e)
	return e, nil
}

func toIP(v event.Value) event.Value {
	if v.Type() == event.TypeArray {
		els := make([]event.Value, len(v.Elems()))
		for i, el := range v.Elems() {
			els[i] = toIP(el)
		}
		return event.Array(els...)
	}
	if v.Type() == event.TypeString {
		if a, err := netip.ParseAddr(v.Str()); err == nil {
			return event.IP(a)
		}
	}
	return v
}

func sortFields(e *event.Event) {
	fs := e.Fields
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].Name < fs[j-1].Name; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}
