package formats

import (
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range All() {
		if f.Name == "" || f.Description == "" || f.Detect == nil || f.Decode == nil {
			t.Errorf("format %q is incomplete", f.Name)
		}
		if seen[f.Name] {
			t.Errorf("format %q listed twice", f.Name)
		}
		seen[f.Name] = true
		got, ok := ByName(f.Name)
		if !ok || got.Name != f.Name {
			t.Errorf("ByName(%q) = %q, %v", f.Name, got.Name, ok)
		}
	}
	if _, ok := ByName("no-such-format"); ok {
		t.Error("ByName found an unknown format")
	}
}

func lines(s string) [][]byte {
	var out [][]byte
	for _, l := range strings.Split(s, "\n") {
		out = append(out, []byte(l))
	}
	return out
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		samples string
		want    string // "" for no format
	}{
		{"ndjson", "{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"message\":\"a\"}\n\n{\"a\":1}\n", "json"},
		{"plain json", `{"a":1}`, "json"},
		{"auth.log", "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\nDec 10 06:55:46 LabSZ sshd[24200]: input_userauth_request: invalid user webmaster [preauth]\n", "syslog"},
		{"rfc5424", "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - msg\n", "syslog"},
		{"rfc3164", "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8\n", "syslog"},
		{"rsyslog precise", "2026-11-21T10:00:00.123456+01:00 host sshd[1]: hello\n", "syslog"},
		{"mostly json", "{\"a\":1}\n{\"a\":2}\nOct 11 22:14:15 host su: x\n", "json"},
		{"nothing", "\n  \n", ""},
		{"prose", "hello world\nthis is not a log format\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := Detect(lines(tt.samples))
			if got := map[bool]string{true: f.Name}[ok]; got != tt.want {
				t.Errorf("Detect = %q (ok %v), want %q", f.Name, ok, tt.want)
			}
		})
	}
}
