package cef

import (
	"errors"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

var testMeta = &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}

func TestDecodeCEF(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"header escapes", `CEF:0|Ven\|dor|Pro\\duct|1|sig|na\|me|5|`, map[string]string{
			"cef.device.vendor": `"Ven|dor"`, "cef.device.product": `"Pro\\duct"`, "cef.name": `"na|me"`,
			"message": `"na|me"`, "event.severity": "5", "@timestamp": `"2026-11-21T12:00:00Z"`,
		}},
		{"value with spaces", "CEF:0|V|P|1|s|n|1|msg=hello big world src=10.0.0.1", map[string]string{
			"message": `"hello big world"`, "source.ip": `"10.0.0.1"`,
		}},
		{"equals inside a url stays in the value", "CEF:0|V|P|1|s|n|1|request=http://h/p?a=b&c=d dpt=443", map[string]string{
			"url.original": `"http://h/p?a=b\u0026c=d"`, "destination.port": "443",
		}},
		{"extension escapes", `CEF:0|V|P|1|s|n|1|msg=a\=b\\c\nd\re`, map[string]string{
			"message": `"a=b\\c\nd\re"`,
		}},
		{"escaped equals before key", `CEF:0|V|P|1|s|n|1|cs1=x\\ cs1Label=lab`, map[string]string{
			"cef.label.lab": `"x\\"`,
		}},
		{"label after value", "CEF:0|V|P|1|s|n|1|cn1=42 cn1Label=Failed Logins", map[string]string{
			"cef.label.Failed_Logins": "42", "cef.extensions.cn1": "<absent>",
		}},
		{"custom field without label", "CEF:0|V|P|1|s|n|1|cs5=orphan", map[string]string{
			"cef.extensions.cs5": `"orphan"`,
		}},
		{"bad typed value kept as extension", "CEF:0|V|P|1|s|n|1|src=not-an-ip spt=99999", map[string]string{
			"source.ip": "<absent>", "cef.extensions.src": `"not-an-ip"`, "cef.extensions.spt": `"99999"`,
		}},
		{"duplicate key last wins", "CEF:0|V|P|1|s|n|1|src=10.0.0.1 src=10.0.0.2", map[string]string{
			"source.ip": `"10.0.0.2"`, "related.ip": `["10.0.0.1","10.0.0.2"]`,
		}},
		{"rt epoch millis", "CEF:0|V|P|1|s|n|1|rt=1700000000123", map[string]string{
			"@timestamp": `"2023-11-14T22:13:20.123Z"`,
		}},
		{"rt without year takes the closest year", "CEF:0|V|P|1|s|n|1|rt=Jan 01 00:00:01", map[string]string{
			"@timestamp": `"2027-01-01T00:00:01Z"`,
		}},
		{"rt with unknown zone abbreviation read in meta zone", "CEF:0|V|P|1|s|n|1|rt=Nov 20 2026 10:00:00 XYZ", map[string]string{
			"@timestamp": `"2026-11-20T10:00:00Z"`,
		}},
		{"users", "CEF:0|V|P|1|s|n|1|suser=bob duser=alice", map[string]string{
			"user.name": `"alice"`, "source.user.name": `"bob"`, "related.user": `["bob","alice"]`,
		}},
		{"protocol number", "CEF:0|V|P|1|s|n|1|proto=17 app=DNS", map[string]string{
			"network.transport": `"udp"`, "network.protocol": `"dns"`,
		}},
		{"outcome other text", "CEF:0|V|P|1|s|n|1|outcome=partial", map[string]string{
			"event.outcome": "<absent>", "cef.extensions.outcome": `"partial"`,
		}},
		{"pri directly before marker", "<134>CEF:0|V|P|1|s|n|1|src=10.0.0.1", map[string]string{
			"log.syslog.priority": "134", "source.ip": `"10.0.0.1"`,
		}},
		{"text before the first key is not a key", "CEF:0|V|P|1|s|n|1|junk words src=10.0.0.1", map[string]string{
			"source.ip": `"10.0.0.1"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev event.Event
			if err := Decode([]byte(tt.in), testMeta, &ev); err != nil {
				t.Fatal(err)
			}
			if got := ev.GetString(event.FieldOriginal); got != tt.in {
				t.Errorf("event.original = %q", got)
			}
			parsetest.CheckFields(t, &ev, tt.want)
		})
	}
}

func TestDecodeLEEF(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"1.0 tabs", "LEEF:1.0|V|P|1|E|src=10.0.0.1\tusrName=bob\tsev=7", map[string]string{
			"source.ip": `"10.0.0.1"`, "user.name": `"bob"`, "event.severity": "7", "leef.sev": `"7"`, "event.code": `"E"`,
		}},
		{"2.0 caret", "LEEF:2.0|V|P|1|E|^|src=10.0.0.1^dstPort=53", map[string]string{
			"source.ip": `"10.0.0.1"`, "destination.port": "53", "leef.delimiter": `"^"`,
		}},
		{"2.0 hex 0x", "LEEF:2.0|V|P|1|E|0x3b|a=1;b=2", map[string]string{
			"leef.a": `"1"`, "leef.b": `"2"`, "leef.delimiter": `";"`,
		}},
		{"2.0 no delimiter field", "LEEF:2.0|V|P|1|E|", map[string]string{
			"leef.vendor": `"V"`, "leef.event_id": `"E"`,
		}},
		{"value with equals", "LEEF:1.0|V|P|1|E|url=http://h/?a=b", map[string]string{
			"url.original": `"http://h/?a=b"`,
		}},
		{"devTime RFC 3339", "LEEF:1.0|V|P|1|E|devTime=2026-11-20T08:00:00+01:00", map[string]string{
			"@timestamp": `"2026-11-20T07:00:00Z"`, "leef.devTime": `"2026-11-20T08:00:00+01:00"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev event.Event
			if err := DecodeLEEF([]byte(tt.in), testMeta, &ev); err != nil {
				t.Fatal(err)
			}
			parsetest.CheckFields(t, &ev, tt.want)
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		decode func([]byte, *parse.Meta, *event.Event) error
		in     string
	}{
		{"cef no marker", Decode, "hello"},
		{"cef marker inside a word", Decode, "xCEF:0|a|b|c|d|e|f|"},
		{"cef short header", Decode, "CEF:0|a|b|c"},
		{"cef bad version", Decode, "CEF:0a|a|b|c|d|e|f|"},
		{"leef no marker", DecodeLEEF, "CEF:0|a|b|c|d|e|f|"},
		{"leef short header", DecodeLEEF, "LEEF:1.0|a|b"},
		{"leef bad delimiter", DecodeLEEF, "LEEF:2.0|a|b|c|d|xyz|a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event.Event{Fields: []event.Field{{Name: "pre", Value: event.String("x")}}}
			err := tt.decode([]byte(tt.in), testMeta, &ev)
			var se *parse.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *parse.SyntaxError", err)
			}
			if len(ev.Fields) != 1 || ev.Time != 0 {
				t.Errorf("failed decode left fields %v", ev.Fields)
			}
		})
	}
	for _, in := range []string{"", "  ", "\r\n"} {
		if err := Decode([]byte(in), testMeta, &event.Event{}); !errors.Is(err, parse.ErrEmpty) {
			t.Errorf("Decode(%q) = %v, want ErrEmpty", in, err)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in        string
		cef, leef int
	}{
		{"CEF:0|a|b|c|d|e|f|", 100, 0},
		{"<134>Nov 21 10:00:00 h CEF:0|a|b|c|d|e|f|x=y", 98, 0},
		{"LEEF:1.0|a|b|c|d|", 0, 100},
		{"<13>Jan 18 11:07:53 h LEEF:2.0|a|b|c|d|^|x=y", 0, 98},
		{"CEF:0|a|b", 0, 0},
		{`{"message":"CEF:0|a|b|c|d|e|f|"}`, 0, 0},
		{"Nov 21 10:00:00 h sshd[1]: Accepted password for x", 0, 0},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.cef {
			t.Errorf("Detect(%q) = %d, want %d", tt.in, got, tt.cef)
		}
		if got := DetectLEEF([]byte(tt.in)); got != tt.leef {
			t.Errorf("DetectLEEF(%q) = %d, want %d", tt.in, got, tt.leef)
		}
	}
}
