package winxml

import (
	"errors"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

var testMeta = &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}

const sys = `<System><Provider Name="P" Guid="{AB}"/><EventID Qualifiers="3">7</EventID><TimeCreated SystemTime="2026-11-21T10:00:00.1234567Z"/><Channel>C</Channel><Computer>H</Computer></System>`

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"system", `<Event>` + sys + `</Event>`, map[string]string{
			"@timestamp": `"2026-11-21T10:00:00.1234567Z"`, "winlog.event_id": "7", "winlog.event_qualifiers": "3",
			"winlog.provider_guid": `"AB"`, "host.name": `"H"`, "winlog.channel": `"C"`,
		}},
		{"named data, unnamed dropped", `<Event>` + sys + `<EventData><Data Name="a">1</Data><Data>x</Data><Data Name="b"/></EventData></Event>`, map[string]string{
			"winlog.event_data.a": `"1"`, "winlog.event_data.b": `""`, "winlog.event_data.param1": "<absent>",
		}},
		{"entities and char refs", `<Event>` + sys + `<EventData><Data Name="a">&lt;&#65;&#x42;&amp;&unknown;&gt;</Data></EventData></Event>`, map[string]string{
			"winlog.event_data.a": `"\u003cAB\u0026\u0026unknown;\u003e"`,
		}},
		{"userdata with repeated leaves", `<Event>` + sys + `<UserData><R xmlns="u"><A><N>1</N></A><B><N>2</N></B><Only>o</Only><Attr x="1"/></R></UserData></Event>`, map[string]string{
			"winlog.event_data.A.N": `"1"`, "winlog.event_data.B.N": `"2"`, "winlog.event_data.Only": `"o"`,
			"winlog.event_data.Attr": "<absent>",
		}},
		{"pretty printed", "<Event>\n  <System>\n    <EventID> 9 </EventID>\n    <TimeCreated SystemTime=\"2026-11-21T10:00:00Z\" />\n  </System>\n</Event>", map[string]string{
			"winlog.event_id": "9",
		}},
		{"bom and prefix", "\xef\xbb\xbf<e:Event xmlns:e=\"x\"><e:System><e:EventID>5</e:EventID></e:System></e:Event>", map[string]string{
			"winlog.event_id": "5", "@timestamp": `"2026-11-21T12:00:00Z"`,
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
	for _, in := range []string{
		"<Event>", "<Event><System></Event>", "<Foo><System/></Foo>", "<Event><EventData/></Event>",
		"<Event><System/></Event> trailing", `<Event a=b><System/></Event>`, "<Event><System>&#xFFFFFFFF;</System></Event>",
		"<Event><System/><!-- x</Event>",
	} {
		ev := event.Event{Fields: []event.Field{{Name: "pre", Value: event.String("x")}}}
		err := Decode([]byte(in), &parse.Meta{}, &ev)
		var se *parse.SyntaxError
		if !errors.As(err, &se) || se.Format != Name || se.Offset < 0 || se.Offset > len(in) {
			t.Errorf("Decode(%q) = %v, want a positioned winevent-xml *parse.SyntaxError", in, err)
		}
		if len(ev.Fields) != 1 {
			t.Errorf("Decode(%q) left fields %v", in, ev.Fields)
		}
	}
	if err := DecodeAll([]byte("<Events></Events>"), testMeta, func(*event.Event) error { return nil }); err == nil {
		t.Error("DecodeAll without events succeeded")
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{`<Event xmlns="x"><System>`, 100},
		{"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<Events>\n<Event xmlns=\"x\">\n  <System>", 100},
		{`<EventData><System>`, 0},
		{`<Event xmlns="x"><Foo>`, 0},
		{`{"Event":{"System":{}}}`, 0},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
