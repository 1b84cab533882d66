package suricata

import (
	"errors"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

var testMeta = &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"alert", `{"timestamp":"2026-11-21T10:00:00.5+0100","event_type":"alert","src_ip":"10.0.0.1","src_port":1,"dest_ip":"10.0.0.2","dest_port":2,"proto":"TCP","alert":{"action":"blocked","signature_id":7,"signature":"sig","category":"cat","severity":1}}`, map[string]string{
			"@timestamp": `"2026-11-21T09:00:00.5Z"`, "event.kind": `"alert"`, "event.type": `["denied"]`,
			"event.category": `["network","intrusion_detection"]`, "rule.id": `"7"`, "rule.name": `"sig"`,
			"rule.category": `"cat"`, "event.severity": "1", "source.ip": `"10.0.0.1"`, "source.port": "1",
			"destination.ip": `"10.0.0.2"`, "network.transport": `"tcp"`, "suricata.eve.alert.signature_id": "7",
			"suricata.eve.src_ip": `"10.0.0.1"`, "related.ip": `["10.0.0.1","10.0.0.2"]`, "event.action": `"blocked"`,
		}},
		{"flow without state", `{"timestamp":"2026-11-21T10:00:00Z","event_type":"flow","flow":{"pkts_toserver":1,"pkts_toclient":2,"bytes_toserver":3,"bytes_toclient":4}}`, map[string]string{
			"network.bytes": "7", "network.packets": "3", "event.type": `["connection"]`, "event.end": "<absent>",
		}},
		{"numeric proto", `{"timestamp":"2026-11-21T10:00:00Z","event_type":"flow","proto":6}`, map[string]string{
			"network.transport": `"tcp"`,
		}},
		{"dns grouped answers", `{"timestamp":"2026-11-21T10:00:00Z","event_type":"dns","dns":{"type":"answer","rrname":"a.example","grouped":{"A":["192.0.2.1","192.0.2.2"]}}}`, map[string]string{
			"dns.resolved_ip": `["192.0.2.1","192.0.2.2"]`, "dns.question.name": `"a.example"`,
		}},
		{"app_proto failed is not a protocol", `{"timestamp":"2026-11-21T10:00:00Z","event_type":"flow","app_proto":"failed"}`, map[string]string{
			"network.protocol": "<absent>", "suricata.eve.app_proto": `"failed"`,
		}},
		{"record event.original is ours", `{"timestamp":"2026-11-21T10:00:00Z","event_type":"flow","event":{"original":"x"}}`, map[string]string{
			"suricata.eve.event.original": `"x"`,
		}},
		{"tls versions", `{"timestamp":"2026-11-21T10:00:00Z","event_type":"tls","tls":{"version":"TLSv1.3"}}`, map[string]string{
			"tls.version": `"1.3"`, "tls.version_protocol": `"tls"`,
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

func TestErrors(t *testing.T) {
	for _, in := range []string{`{"a":1}`, `{"event_type":1,"timestamp":"x"}`, `{"event_type":"alert"`, `[1]`, `x`} {
		ev := event.Event{Fields: []event.Field{{Name: "pre", Value: event.String("x")}}}
		err := Decode([]byte(in), testMeta, &ev)
		var se *parse.SyntaxError
		if !errors.As(err, &se) || se.Format != Name {
			t.Errorf("Decode(%q) = %v, want a suricata *parse.SyntaxError", in, err)
		}
		if len(ev.Fields) != 1 || ev.Time != 0 {
			t.Errorf("Decode(%q) left fields %v", in, ev.Fields)
		}
	}
	if err := Decode([]byte(" \n"), testMeta, &event.Event{}); !errors.Is(err, parse.ErrEmpty) {
		t.Errorf("blank: %v", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{`{"timestamp":"2026-11-21T10:00:00Z","flow_id":1,"event_type":"flow"}`, 97},
		{`{"timestamp":"2026-11-21T10:00:00Z","event_type":"alert","src_ip":"1.2.3.4"}`, 97},
		{`{"timestamp":"2026-11-21T10:00:00Z","event_type":"stats","stats":{"uptime":1}}`, 97},
		{`{"timestamp":"2026-11-21T10:00:00Z","event_type":"login"}`, 0},
		{`{"@timestamp":"2026-11-21T10:00:00Z","message":"x"}`, 0},
		{`Nov 21 10:00:00 h x: {"event_type":"alert","timestamp":1,"src_ip":2}`, 0},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
