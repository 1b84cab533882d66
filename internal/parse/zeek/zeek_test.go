package zeek

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

var testMeta = &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}

// decodeAll runs DecodeAll and collects the events.
func decodeAll(t *testing.T, in string) []*event.Event {
	t.Helper()
	var evs []*event.Event
	if err := DecodeAll([]byte(in), testMeta, func(ev *event.Event) error { evs = append(evs, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestHeaders(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []map[string]string // per event
	}{
		{"custom separators and unset", "#separator |\n#set_separator|;\n#unset_field|?\n#empty_field|EMPTY\n#path|x\n#fields|ts|a|s\n#types|time|count|set[addr]\n1.5|?|10.0.0.1;10.0.0.2\n2|7|EMPTY\n",
			[]map[string]string{
				{"@timestamp": `"1970-01-01T00:00:01.5Z"`, "zeek.x.a": "<absent>", "zeek.x.s": `["10.0.0.1","10.0.0.2"]`, "event.dataset": `"zeek.x"`},
				{"zeek.x.a": "7", "zeek.x.s": "<absent>"},
			}},
		{"second header switches the log", "#separator \\x09\n#path\tdns\n#fields\tts\tquery\n#types\ttime\tstring\n1\ta.example\n#path\thttp\n#fields\tts\thost\n#types\ttime\tstring\n2\tb.example\n",
			[]map[string]string{
				{"zeek.dns.query": `"a.example"`, "dns.question.name": `"a.example"`},
				{"zeek.http.host": `"b.example"`, "url.domain": `"b.example"`},
			}},
		{"data before header is an error event", "#separator \\x09\n1\t2\n",
			[]map[string]string{{"event.kind": `"pipeline_error"`, "event.original": `"1\t2"`}}},
		{"crlf lines", "#separator \\x09\r\n#path\tconn\r\n#fields\tts\tproto\r\n#types\ttime\tenum\r\n1\ttcp\r\n",
			[]map[string]string{{"network.transport": `"tcp"`, "event.original": `"1\ttcp"`}}},
		{"count above int64 kept as text", "#separator \\x09\n#path\tx\n#fields\tn\n#types\tcount\n18446744073709551615\n",
			[]map[string]string{{"zeek.x.n": `"18446744073709551615"`, "@timestamp": `"2026-11-21T12:00:00Z"`}}},
		{"bad bool", "#separator \\x09\n#path\tx\n#fields\tb\n#types\tbool\nyes\n",
			[]map[string]string{{"event.kind": `"pipeline_error"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := decodeAll(t, tt.in)
			if len(evs) != len(tt.want) {
				t.Fatalf("got %d events, want %d", len(evs), len(tt.want))
			}
			for i, want := range tt.want {
				t.Run(fmt.Sprint("event", i), func(t *testing.T) { parsetest.CheckFields(t, evs[i], want) })
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	in := `{"ts":1763719200.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"tcp","duration":1.5,"orig_bytes":10,"resp_bytes":20,"conn_state":"SF"}`
	var ev event.Event
	if err := Decode([]byte(in), testMeta, &ev); err != nil {
		t.Fatal(err)
	}
	parsetest.CheckFields(t, &ev, map[string]string{
		"@timestamp": `"2025-11-21T10:00:00.5Z"`, "event.dataset": `"zeek.conn"`, "zeek.conn.id.orig_h": `"10.0.0.1"`,
		"source.ip": `"10.0.0.1"`, "network.bytes": "30", "event.duration": "1500000000",
		"event.end": `"2025-11-21T10:00:02Z"`, "zeek.session_id": `"C1"`, "event.original": string(event.String(in).AppendJSON(nil)),
	})
	if v, _ := ev.Get("zeek.conn.id.orig_h"); v.Type() != event.TypeIP {
		t.Errorf("zeek.conn.id.orig_h has type %v, want ip", v.Type())
	}
}

func TestErrors(t *testing.T) {
	for _, in := range []string{"1593636000.1\tC1\t10.0.0.1", "#fields\tts", `{"a":1}`, `{"_path":`} {
		ev := event.Event{Fields: []event.Field{{Name: "pre", Value: event.String("x")}}}
		err := Decode([]byte(in), testMeta, &ev)
		var se *parse.SyntaxError
		if !errors.As(err, &se) || se.Format != Name {
			t.Errorf("Decode(%q) = %v, want a zeek *parse.SyntaxError", in, err)
		}
		if len(ev.Fields) != 1 || ev.Time != 0 {
			t.Errorf("Decode(%q) left fields %v", in, ev.Fields)
		}
	}
	if err := DecodeAll([]byte("hello world\n"), testMeta, func(*event.Event) error { return nil }); err == nil {
		t.Error("DecodeAll of a non-Zeek input succeeded")
	}
	stop := errors.New("stop")
	if err := DecodeAll([]byte("#path\tx\n#fields\ta\n#types\tcount\n1\n2\n"), testMeta, func(*event.Event) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("emit error not returned: %v", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"#separator \\x09\n#set_separator\t,", 100},
		{"#fields\tts\tuid", 100},
		{`{"_path":"conn","ts":1}`, 96},
		{`{"ts":1.5,"uid":"C1","id.orig_h":"1.2.3.4"}`, 95},
		{`{"ts":1.5,"message":"x"}`, 0},
		{"# a comment", 0},
		{"1593636000.1\tC1\t10.0.0.1", 0},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestTSVWithoutPathGuessesLog(t *testing.T) {
	data := "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\torig_bytes\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tcount\n1700000000.000000\tCabc\t10.0.0.1\t5555\t10.0.0.2\t80\ttcp\tSF\t100\n"
	var got []*event.Event
	if err := DecodeAll([]byte(data), &parse.Meta{}, func(ev *event.Event) error { got = append(got, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d events", len(got))
	}
	if ds := got[0].GetString(event.FieldDataset); ds != "zeek.conn" {
		t.Errorf("dataset %q, want zeek.conn", ds)
	}
	if got[0].GetString("zeek.conn.conn_state") != "SF" {
		t.Errorf("columns not named by the guessed log: %s", got[0].AppendJSON(nil))
	}
}
