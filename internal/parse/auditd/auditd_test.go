package auditd

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
		{"timestamp and serial", `type=EOE msg=audit(1700000000.5:9):`, map[string]string{
			"@timestamp": `"2023-11-14T22:13:20.5Z"`, "auditd.serial": "9", "auditd.log.record_type": `"EOE"`,
		}},
		{"hex comm and exe, quoted not decoded", `type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=1 success=yes comm=6D7920636F6D6D exe="/bin/41" key=(null)`, map[string]string{
			"process.name": `"my comm"`, "process.executable": `"/bin/41"`, "auditd.log.key": `"(null)"`,
			"event.action": `"syscall"`, "event.outcome": `"success"`,
		}},
		{"execve syscall", `type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 success=yes pid=7 ppid=1 auid=4294967295 uid=0`, map[string]string{
			"event.action": `"executed"`, "event.category": `["process"]`, "event.type": `["start"]`,
			"process.pid": "7", "process.parent.pid": "1", "user.audit.id": "<absent>", "user.id": `"0"`,
		}},
		{"user message fields", `type=USER_LOGIN msg=audit(1.000:1): pid=1 uid=0 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=host.example addr=::1 terminal=ssh res=failed'`, map[string]string{
			"user.name": `"root"`, "source.ip": `"::1"`, "source.domain": `"host.example"`, "event.outcome": `"failure"`,
			"event.category": `["authentication"]`, "auditd.log.op": `"login"`, "auditd.log.terminal": `"ssh"`,
		}},
		{"odd hex stays", `type=PATH msg=audit(1.000:1): item=0 name=ABC`, map[string]string{
			"auditd.log.name": `"ABC"`, "file.path": `"ABC"`,
		}},
		{"unterminated quote", `type=USER_CMD msg=audit(1.000:1): msg='cwd="/x cmd=41`, map[string]string{
			"auditd.log.cwd": `"/x cmd=41"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev event.Event
			if err := Decode([]byte(tt.in), testMeta, &ev); err != nil {
				t.Fatal(err)
			}
			parsetest.CheckFields(t, &ev, tt.want)
		})
	}
}

func TestDecodeAllJoins(t *testing.T) {
	in := "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 success=yes\n" +
		"type=SYSCALL msg=audit(1.000:2): arch=c000003e syscall=2 success=no\n" +
		"type=EXECVE msg=audit(1.000:1): argc=2 a0=\"ls\" a1=\"-l\"\n" +
		"node=b type=EXECVE msg=audit(1.000:1): argc=1 a0=\"other\"\n"
	var evs []*event.Event
	if err := DecodeAll([]byte(in), testMeta, func(ev *event.Event) error { evs = append(evs, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3 (serial 1, serial 2, serial 1 of node b)", len(evs))
	}
	parsetest.CheckFields(t, evs[0], map[string]string{
		"process.args": `["ls","-l"]`, "process.command_line": `"ls -l"`, "auditd.record_types": `["SYSCALL","EXECVE"]`,
		"auditd.log.execve.a0": `"ls"`, "event.original": `"type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 success=yes\ntype=EXECVE msg=audit(1.000:1): argc=2 a0=\"ls\" a1=\"-l\""`,
	})
	if got := parsetest.Field(evs[2], "host.name"); got != `"b"` {
		t.Errorf("third event host.name = %s", got)
	}
}

func TestErrors(t *testing.T) {
	for _, in := range []string{"hello", "type=X msg=audit(1.2:3", "type=X msg=audit(1.2):", "type=x msg=audit(1.2:3):", "type=X msg=audit(1.1234:3):", "node=a"} {
		ev := event.Event{Fields: []event.Field{{Name: "pre", Value: event.String("x")}}}
		err := Decode([]byte(in), testMeta, &ev)
		var se *parse.SyntaxError
		if !errors.As(err, &se) || se.Format != Name {
			t.Errorf("Decode(%q) = %v, want an auditd *parse.SyntaxError", in, err)
		}
		if len(ev.Fields) != 1 {
			t.Errorf("Decode(%q) left fields %v", in, ev.Fields)
		}
	}
	if err := Decode([]byte("\n"), testMeta, &event.Event{}); !errors.Is(err, parse.ErrEmpty) {
		t.Errorf("blank: %v", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"type=SYSCALL msg=audit(1.000:1): x=1", 100},
		{"node=h type=USER_LOGIN msg=audit(1.000:1): x=1\ntype=EOE", 100},
		{"type=syscall msg=audit(1.000:1):", 0},
		{"Nov 21 10:00:00 h audisp-syslog: type=SYSCALL msg=audit(1.000:1):", 98},
		{"Nov 21 10:00:00 h sshd[1]: type=SYSCALL is not msg=audit", 0},
		{`{"type":"SYSCALL"}`, 0},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
