package syslog

import (
	"errors"
	"strings"
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
		want map[string]string // field → JSON; "@timestamp" included
	}{
		{"rfc3164 with pri", "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", map[string]string{
			"@timestamp": `"2026-10-11T22:14:15Z"`, "log.syslog.priority": "34", "log.syslog.facility.code": "4",
			"log.syslog.facility.name": `"auth"`, "log.syslog.severity.code": "2", "log.syslog.severity.name": `"critical"`,
			"host.name": `"mymachine"`, "process.name": `"su"`, "process.pid": "<absent>",
			"message": `"'su root' failed for lonvick on /dev/pts/8"`, "event.dataset": `"system.auth"`,
			"event.kind": `"event"`, "event.module": `"system"`, "event.created": `"2026-11-21T12:00:00Z"`,
		}},
		{"rfc3164 single-digit day", "<13>Nov  5 17:32:18 10.0.0.99 myproc[8710]: Use the BFG!", map[string]string{
			"@timestamp": `"2026-11-05T17:32:18Z"`, "host.name": `"10.0.0.99"`, "process.name": `"myproc"`,
			"process.pid": "8710", "message": `"Use the BFG!"`, "event.dataset": `"system.syslog"`,
		}},
		{"rfc3164 unpadded day and fraction", "Nov 5 17:32:18.123456 host prog: x", map[string]string{
			"@timestamp": `"2026-11-05T17:32:18.123456Z"`, "host.name": `"host"`, "process.name": `"prog"`,
		}},
		{"rfc3164 with year", "<189>Mar 01 2025 10:00:00 router %SYS-5-CONFIG_I: Configured", map[string]string{
			"@timestamp": `"2025-03-01T10:00:00Z"`, "host.name": `"router"`, "process.name": `"%SYS-5-CONFIG_I"`,
		}},
		{"rfc3164 no host", "<13>Oct 11 22:14:15 su[77]: hello", map[string]string{
			"host.name": "<absent>", "process.name": `"su"`, "process.pid": "77", "message": `"hello"`,
		}},
		{"rfc3164 no tag", "Oct 11 22:14:15 host just some words here", map[string]string{
			"host.name": `"host"`, "process.name": "<absent>", "message": `"just some words here"`,
		}},
		{"rfc3164 non-numeric pid", "Oct 11 22:14:15 host prog[abc]: x", map[string]string{
			"process.pid": "<absent>", "log.syslog.procid": `"abc"`,
		}},
		{"tag with path and pam suffix", "Oct 11 22:14:15 host /usr/sbin/cron(pam_unix)[5]: x", map[string]string{
			"process.name": `"cron"`, "log.syslog.appname": `"/usr/sbin/cron(pam_unix)"`,
		}},
		{"no header at all", "hello world", map[string]string{
			"@timestamp": `"2026-11-21T12:00:00Z"`, "message": `"hello world"`, "host.name": "<absent>",
			"event.dataset": `"system.syslog"`,
		}},
		{"pri and no timestamp", "<13>hello world", map[string]string{
			"@timestamp": `"2026-11-21T12:00:00Z"`, "message": `"hello world"`, "log.syslog.priority": "13",
		}},
		{"invalid date is no header", "Feb 30 10:00:00 host prog: x", map[string]string{
			"@timestamp": `"2026-11-21T12:00:00Z"`, "message": `"Feb 30 10:00:00 host prog: x"`,
		}},
		{"trailing CR LF", "Oct 11 22:14:15 host prog: x  \r\n", map[string]string{
			"message": `"x"`, "event.original": `"Oct 11 22:14:15 host prog: x  \r\n"`,
		}},
		{"invalid utf8 kept", "Oct 11 22:14:15 host prog: a\xffb", map[string]string{
			"message": `"a\ufffdb"`,
		}},
		{"rsyslog high precision", "2026-11-21T10:00:00.123456+01:00 host tag[42]: msg", map[string]string{
			"@timestamp": `"2026-11-21T09:00:00.123456Z"`, "host.name": `"host"`, "process.name": `"tag"`,
			"process.pid": "42", "message": `"msg"`,
		}},
		{"rfc5424 example 1", "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8", map[string]string{
			"@timestamp": `"2003-10-11T22:14:15.003Z"`, "log.syslog.version": "1", "host.name": `"mymachine.example.com"`,
			"process.name": `"su"`, "log.syslog.msgid": `"ID47"`, "message": `"'su root' failed for lonvick on /dev/pts/8"`,
			"event.dataset": `"system.auth"`,
		}},
		{"rfc5424 example 2", "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.", map[string]string{
			"@timestamp": `"2003-08-24T12:14:15.000003Z"`, "host.name": `"192.0.2.1"`, "process.name": `"myproc"`,
			"process.pid": "8710", "log.syslog.msgid": "<absent>", "message": `"%% It's time to make the do-nuts."`,
			"log.syslog.facility.name": `"local4"`, "log.syslog.severity.name": `"notice"`,
		}},
		{"rfc5424 example 3 structured data", `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ` + "\xef\xbb\xbfAn application event log entry...", map[string]string{
			"log.syslog.structured_data.exampleSDID@32473.iut":         `"3"`,
			"log.syslog.structured_data.exampleSDID@32473.eventSource": `"Application"`,
			"log.syslog.structured_data.exampleSDID@32473.eventID":     `"1011"`,
			"message": `"An application event log entry..."`,
		}},
		{"rfc5424 example 4 sd only", `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"][examplePriority@32473 class="high"]`, map[string]string{
			"log.syslog.structured_data.examplePriority@32473.class": `"high"`, "message": "<absent>",
		}},
		{"rfc5424 sd escapes and repeats", `<14>1 - - - - - [x@1 a="q\"b\\c\]d\e" a="2" e=""] m`, map[string]string{
			"log.syslog.structured_data.x@1.a": `["q\"b\\c]d\\e","2"]`, "log.syslog.structured_data.x@1.e": `""`,
			"@timestamp": `"2026-11-21T12:00:00Z"`, "host.name": "<absent>", "process.name": "<absent>", "message": `"m"`,
		}},
		{"rfc5424 zone-less timestamp in loc", "<14>1 2026-01-01T00:00:00 h a - - -", map[string]string{
			"@timestamp": `"2026-01-01T00:00:00Z"`,
		}},
		{"rfc5424 non-numeric procid", "<14>1 2026-01-01T00:00:00Z h a x-1 - - m", map[string]string{
			"process.pid": "<absent>", "log.syslog.procid": `"x-1"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev event.Event
			if err := Decode([]byte(tt.in), testMeta, &ev); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			parsetest.CheckFields(t, &ev, tt.want)
			if got := ev.GetString(event.FieldOriginal); got != tt.in {
				t.Errorf("event.original = %q, want the record", got)
			}
			seen := map[string]bool{}
			for _, f := range ev.Fields {
				if seen[f.Name] {
					t.Errorf("field %s set twice", f.Name)
				}
				seen[f.Name] = true
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{"<999>Oct 11 22:14:15 host x: y", 4, errPRI},
		{"<192>Oct 11 22:14:15 host x: y", 4, errPRI},
		{"<abc>hello", 1, errPRI},
		{"<12", 3, errPRI},
		{"<>x", 1, errPRI},
		{"<1234>x", 5, errPRI},
		{"<14>1 ", 6, errHeader5424},
		{"<14>1 2026-01-01T00:00:00Z host app", 35, errHeader5424},
		{"<14>1 yesterday host app - - - m", 6, errTimestamp5424},
		{"<14>1 2026-13-01T00:00:00Z host app - - - m", 6, errTimestamp5424},
		{"<14>1 -  host app - - - m", 8, errHeader5424},
		{"<14>1 - " + strings.Repeat("h", 256) + " app - - - m", 8, errFieldTooLong},
		{"<14>1 - host " + strings.Repeat("a", 49) + " - - - m", 13, errFieldTooLong},
		{"<14>1 - host app - " + strings.Repeat("m", 33) + " - m", 19, errFieldTooLong},
		{"<14>1 - h\xffst app - - - m", 9, errFieldCharacters},
		{"<14>1 - host app - - x m", 21, errStructuredData},
		{"<14>1 - host app - - [id a=\"1\" m", 31, errStructuredData},
		{"<14>1 - host app - - [id a=1] m", 25, errStructuredData},
		{"<14>1 - host app - - [id a=\"x]\"] m", 29, errStructuredData},
		{"<14>1 - host app - - [] m", 22, errStructuredData},
		{"<14>1 - host app - - [id]m", 25, errStructuredData},
		{"<14>1 - host app - - -m", 22, errStructuredData},
	}
	for _, tt := range tests {
		var ev event.Event
		err := Decode([]byte(tt.in), testMeta, &ev)
		var se *parse.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v, want *parse.SyntaxError", tt.in, err)
			continue
		}
		if se.Offset != tt.offset || se.Msg != tt.msg || se.Format != Name {
			t.Errorf("%q: got %v, want %q at byte %d", tt.in, se, tt.msg, tt.offset)
		}
		if len(ev.Fields) != 0 {
			t.Errorf("%q: failed decode left %d fields", tt.in, len(ev.Fields))
		}
	}
	for _, in := range []string{"", "  ", "\r\n", "\t \n"} {
		if err := Decode([]byte(in), testMeta, &event.Event{}); !errors.Is(err, parse.ErrEmpty) {
			t.Errorf("%q: %v, want ErrEmpty", in, err)
		}
	}
}

// TestYearRollover checks that a year-less timestamp gets the latest year
// that does not put it more than a day after the receive time, in meta's
// zone: logs come from the past (or from a clock slightly ahead).
func TestYearRollover(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600) // no zoneinfo on this machine; winter time is what matters here
	}
	tests := []struct {
		line     string
		received time.Time
		loc      *time.Location
		want     time.Time
	}{
		{"Dec 31 23:59:59 h p: x", time.Date(2027, 1, 1, 0, 0, 5, 0, time.UTC), time.UTC, time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"Jan  1 00:00:01 h p: x", time.Date(2026, 12, 31, 23, 59, 50, 0, time.UTC), time.UTC, time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC)},
		{"Jun 15 12:00:00 h p: x", time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC), time.UTC, time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)},
		{"Aug  1 12:00:00 h p: x", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), time.UTC, time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC)},
		{"Jun  1 12:00:00 h p: x", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), time.UTC, time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)},
		{"Dec 10 06:55:46 h p: x", time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), time.UTC, time.Date(2025, 12, 10, 6, 55, 46, 0, time.UTC)},
		{"Nov 22 11:00:00 h p: x", time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), time.UTC, time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC)},
		{"Nov 22 13:00:00 h p: x", time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), time.UTC, time.Date(2025, 11, 22, 13, 0, 0, 0, time.UTC)},
		{"Feb 29 12:00:00 h p: x", time.Date(2029, 1, 5, 0, 0, 0, 0, time.UTC), time.UTC, time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC)},
		// Local zone: Dec 31 23:30 Berlin is 22:30 UTC, received 23:00 UTC (Jan 1 00:00 Berlin).
		{"Dec 31 23:30:00 h p: x", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), berlin, time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		var ev event.Event
		meta := &parse.Meta{Received: tt.received, Location: tt.loc}
		if err := Decode([]byte(tt.line), meta, &ev); err != nil {
			t.Fatal(err)
		}
		if got := ev.Timestamp(); !got.Equal(tt.want) {
			t.Errorf("%q received %v: got %v, want %v", tt.line, tt.received, got, tt.want)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - x", 95},
		{"<34>Oct 11 22:14:15 mymachine su: 'su root' failed", 90},
		{"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186", 90},
		{"Dec 10 06:55:46 LabSZ just words", 80},
		{"2026-11-21T10:00:00.123456+01:00 host tag[1]: msg", 75},
		{"<13>whatever", 50},
		{"<999>x", 0},
		{`{"@timestamp":"2026-01-01T00:00:00Z","message":"Oct 11 22:14:15 host su: x"}`, 0},
		{`{"a":1}`, 0},
		{"hello world", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestPacketFilterRepeatedKeys(t *testing.T) {
	var ev event.Event
	line := "<4>1 2026-11-21T11:00:00Z fw kernel - - - X IN=eth0 SRC=10.0.0.1 DST=10.0.0.2 PROTO=TCP SPT=1 DPT=2 IN=eth1 SRC=10.0.0.3 DPT=3"
	if err := Decode([]byte(line), &parse.Meta{Received: time.Now()}, &ev); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range ev.Fields {
		if seen[f.Name] {
			t.Errorf("field %s set twice", f.Name)
		}
		seen[f.Name] = true
	}
	if got := ev.GetString("source.ip"); got != "10.0.0.1" {
		t.Errorf("source.ip = %s, want the first, 10.0.0.1", got)
	}
}
