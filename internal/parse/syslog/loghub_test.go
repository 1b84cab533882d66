package syslog

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestLoghub decodes every line of the loghub Linux and OpenSSH samples and
// compares timestamp, host, program, PID and message with the
// _structured.csv ground truth.
func TestLoghub(t *testing.T) {
	tests := []struct {
		dir, file string
		// CSV columns of month, day, time, host, program ("" = sshd), pid, content
		month, day, clock, host, program, pid, content int
	}{
		{"loghub/Linux", "Linux_2k.log", 1, 2, 3, 4, 5, 6, 7},
		{"loghub/OpenSSH", "OpenSSH_2k.log", 1, 2, 3, 4, -1, 5, 6},
	}
	meta := &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			lines, rows := parsetest.Loghub(t, tt.dir+"/"+tt.file)
			var ev event.Event
			bad := 0
			hits := map[string]int{}
			defer func() {
				for _, r := range actionRules {
					if r.file == tt.file && hits[r.prefix] == 0 {
						t.Errorf("no line of %s starts with %q: the rule is not exercised", tt.file, r.prefix)
					}
				}
			}()
			for i, line := range lines {
				ev.Reset()
				if err := Decode(line, meta, &ev); err != nil {
					t.Errorf("line %d: %v: %q", i+1, err, line)
					continue
				}
				row := rows[i]
				ts := ev.Timestamp()
				want := map[string]string{
					"month":   row[tt.month],
					"day":     row[tt.day],
					"time":    row[tt.clock],
					"host":    row[tt.host],
					"pid":     row[tt.pid],
					"message": strings.TrimSpace(row[tt.content]),
					"program": "sshd",
				}
				if tt.program >= 0 {
					want["program"] = row[tt.program]
				}
				pid := ""
				if v, ok := ev.Get(fieldProcessPID); ok {
					n, _ := v.Int()
					pid = strconv.FormatInt(n, 10)
				}
				got := map[string]string{
					"month":   ts.Month().String()[:3],
					"day":     strconv.Itoa(ts.Day()),
					"time":    ts.Format("15:04:05"),
					"host":    ev.GetString(event.FieldHostName),
					"pid":     pid,
					"message": ev.GetString(event.FieldMessage),
					"program": ev.GetString(fieldAppName),
				}
				for k, w := range want {
					if got[k] != w {
						bad++
						if bad <= 20 {
							t.Errorf("line %d %s = %q, ground truth %q: %q", i+1, k, got[k], w, line)
						}
					}
				}
				checkActions(t, i+1, &ev, hits)
				if ev.GetString(event.FieldOriginal) != string(line) {
					t.Errorf("line %d: event.original differs", i+1)
				}
			}
		})
	}
}

// actionRules say which event.action real messages must get, so that the
// program patterns are checked against reality.
var actionRules = []struct {
	file, prefix, action string
	sourceIP, user       bool
}{
	{"OpenSSH_2k.log", "Failed password for invalid user ", "ssh_login", true, true},
	{"OpenSSH_2k.log", "Failed password for ", "ssh_login", true, true},
	{"OpenSSH_2k.log", "Failed none for invalid user ", "ssh_login", true, true},
	{"OpenSSH_2k.log", "Accepted password for ", "ssh_login", true, true},
	{"OpenSSH_2k.log", "Invalid user ", "ssh_invalid_user", true, false},
	{"OpenSSH_2k.log", "pam_unix(sshd:auth): authentication failure;", "authentication_failure", false, false},
	{"OpenSSH_2k.log", "PAM ", "authentication_failure", false, false}, // rhost may be a name
	{"OpenSSH_2k.log", "Connection closed by ", "ssh_disconnect", true, false},
	{"OpenSSH_2k.log", "Received disconnect from ", "ssh_disconnect", true, false},
	{"OpenSSH_2k.log", "pam_unix(sshd:session): session opened for user ", "session_opened", false, true},
	{"OpenSSH_2k.log", "pam_unix(sshd:session): session closed for user ", "session_closed", false, true},
	{"OpenSSH_2k.log", "message repeated ", "ssh_login", true, true},
	{"Linux_2k.log", "authentication failure;", "authentication_failure", false, false},
	{"Linux_2k.log", "session opened for user ", "session_opened", false, false},
	{"Linux_2k.log", "session closed for user ", "session_closed", false, false},
}

// checkActions applies the first matching rule of actionRules to ev.
func checkActions(t *testing.T, line int, ev *event.Event, hits map[string]int) {
	t.Helper()
	msg := ev.GetString(event.FieldMessage)
	for _, r := range actionRules {
		if !strings.HasPrefix(msg, r.prefix) {
			continue
		}
		if r.prefix == "PAM " && !strings.Contains(msg, "more authentication failure") {
			return // "PAM service(sshd) ignoring max retries"
		}
		hits[r.prefix]++
		if got := ev.GetString(event.FieldAction); got != r.action {
			t.Errorf("line %d: event.action = %q, want %q: %s", line, got, r.action, msg)
		}
		if v, ok := ev.Get(event.FieldSourceIP); r.sourceIP && (!ok || v.Type() != event.TypeIP) {
			t.Errorf("line %d: no source.ip of type ip: %s", line, msg)
		}
		if r.user && ev.GetString(event.FieldUserName) == "" {
			t.Errorf("line %d: no user.name: %s", line, msg)
		}
		return
	}
}
