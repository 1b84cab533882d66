package normalize

import (
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

func TestParseTimestamp(t *testing.T) {
	plus2 := time.FixedZone("", 2*3600)
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time // zero: not ok
	}{
		{"2026-11-21T10:00:00Z", nil, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)},
		{"2026-11-21t10:00:00z", nil, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)},
		{"2026-11-21T10:00:00.123456789+01:00", nil, time.Date(2026, 11, 21, 9, 0, 0, 123456789, time.UTC)},
		{"2026-11-21T10:00:00.1234567891Z", nil, time.Date(2026, 11, 21, 10, 0, 0, 123456789, time.UTC)},
		{"2026-11-21T10:00:00,5-0230", nil, time.Date(2026, 11, 21, 12, 30, 0, 5e8, time.UTC)},
		{"2026-11-21T10:00:00+01", nil, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)},
		{"2026-11-21 10:00:00", plus2, time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)},
		{"2026-11-21T10:00", nil, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)},
		{"2024-02-29T00:00:00Z", nil, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"2026-12-31T23:59:60Z", nil, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-02-29T00:00:00Z", nil, time.Time{}},
		{"2026-13-01T00:00:00Z", nil, time.Time{}},
		{"2026-11-21T24:00:00Z", nil, time.Time{}},
		{"2026-11-21T10:00:00.Z", nil, time.Time{}},
		{"2026-11-21T10:00:00+25:00", nil, time.Time{}},
		{"2026-11-21T10:00:00+01:0", nil, time.Time{}},
		{"2026-11-21T10:00:00Zjunk", nil, time.Time{}},
		{"2026-11-21X10:00:00Z", nil, time.Time{}},
		{"2026-1-21T10:00:00Z", nil, time.Time{}},
		{"yesterday", nil, time.Time{}},
		{"", nil, time.Time{}},
	}
	for _, tt := range tests {
		got, ok := ParseTimestamp(tt.in, tt.loc)
		if ok != !tt.want.IsZero() || (ok && !got.Equal(tt.want)) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
		if ok && got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) not in UTC", tt.in)
		}
	}
}

func TestIPValue(t *testing.T) {
	tests := []struct {
		in, want string // want "" for not an IP
	}{
		{"192.0.2.1", "192.0.2.1"},
		{"2001:DB8:0::1", "2001:db8::1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"fe80::1%eth0", "fe80::1"},
		{"192.0.2.01", ""},
		{"192.0.2.256", ""},
		{"host.example", ""},
		{"", ""},
	}
	for _, tt := range tests {
		v, ok := IPValue(tt.in)
		if ok != (tt.want != "") || (ok && (v.Type() != event.TypeIP || v.Str() != tt.want)) {
			t.Errorf("IPValue(%q) = %v %q, %v; want %q", tt.in, v.Type(), v.Str(), ok, tt.want)
		}
	}
}

func TestRelated(t *testing.T) {
	var ev event.Event
	ip1, _ := IPValue("192.0.2.1")
	ip2, _ := IPValue("2001:db8::1")
	AddRelatedIP(&ev, ip1)
	AddRelatedIP(&ev, ip2)
	AddRelatedIP(&ev, ip1)
	AddRelatedIP(&ev, event.String("192.0.2.9")) // not an IP value: ignored
	AddRelatedUser(&ev, "alice")
	AddRelatedUser(&ev, "")
	AddRelatedUser(&ev, "alice")
	AddRelatedUser(&ev, "root")
	first, _ := ev.Get(event.FieldRelatedIP)
	AddRelatedIP(&ev, ip1) // must not change values handed out before
	for name, want := range map[string]string{
		event.FieldRelatedIP:   `["192.0.2.1","2001:db8::1"]`,
		event.FieldRelatedUser: `["alice","root"]`,
	} {
		v, _ := ev.Get(name)
		if got := string(v.AppendJSON(nil)); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if got := string(first.AppendJSON(nil)); got != `["192.0.2.1","2001:db8::1"]` {
		t.Errorf("earlier value changed: %s", got)
	}
	if len(ev.Fields) != 2 {
		t.Errorf("%d fields, want 2", len(ev.Fields))
	}
}

func TestSyslogNames(t *testing.T) {
	tests := []struct {
		code          int
		facility, sev string
	}{
		{0, "kern", "emergency"},
		{3, "daemon", "error"},
		{4, "auth", "warning"},
		{7, "news", "debug"},
		{10, "authpriv", ""},
		{23, "local7", ""},
		{24, "", ""},
		{-1, "", ""},
	}
	for _, tt := range tests {
		if got := SyslogFacilityName(tt.code); got != tt.facility {
			t.Errorf("SyslogFacilityName(%d) = %q, want %q", tt.code, got, tt.facility)
		}
		if got := SyslogSeverityName(tt.code); got != tt.sev {
			t.Errorf("SyslogSeverityName(%d) = %q, want %q", tt.code, got, tt.sev)
		}
	}
}
