package vcenter

import (
	"errors"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

var testMeta = &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}

const hdr = "<14>1 2026-11-21T10:00:00.000Z vc01 vpxd 1 - - "

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"created time is the timestamp", hdr + "Event [1] [1-1] [2026-11-21T09:00:00Z] [vim.event.VmStartingEvent] [info] [u] [vm1] [1] [vm1 on host esx1 in DC is starting]", map[string]string{
			"@timestamp": `"2026-11-21T09:00:00Z"`, "event.action": `"vm-starting"`, "vsphere.vm.name": `"vm1"`,
			"vsphere.host.name": `"esx1"`, "vsphere.datacenter.name": `"DC"`, "host.name": `"vc01"`, "process.name": `"vpxd"`,
		}},
		{"bad created time keeps the header time", hdr + "Event [1] [1-1] [yesterday] [vim.event.VmPoweredOnEvent] [info] [u] [] [1] [x]", map[string]string{
			"@timestamp": `"2026-11-21T10:00:00Z"`, "vsphere.event.created": "<absent>",
		}},
		{"description with brackets", hdr + "Event [2] [1-1] [2026-11-21T09:00:00Z] [vim.event.TaskEvent] [info] [u] [t] [2] [Task: Move [ds1] file]", map[string]string{
			"vsphere.task.description": `"Move [ds1] file"`, "event.action": `"task-move-ds1-file"`,
		}},
		{"unknown event type", hdr + "Event [3] [1-1] [2026-11-21T09:00:00Z] [vim.event.HostConnectionLostEvent] [error] [] [esx9] [3] [Host esx9 is not responding]", map[string]string{
			"event.action": `"host-connection-lost"`, "event.outcome": `"failure"`, "event.category": `["configuration"]`,
		}},
		{"role updated", hdr + "Event [4] [1-1] [2026-11-21T09:00:00Z] [vim.event.RoleUpdatedEvent] [info] [u] [] [4] [Modified role Ops]", map[string]string{
			"event.action": `"role-updated"`, "vsphere.role.name": `"Ops"`, "event.type": `["admin","change"]`,
		}},
		{"upn login", hdr + "Event [5] [1-1] [2026-11-21T09:00:00Z] [vim.event.UserLoginSessionEvent] [info] [administrator@vsphere.local] [] [5] [User administrator@vsphere.local@2001:db8::5 logged in as pyvmomi]", map[string]string{
			"user.name": `"administrator@vsphere.local"`, "source.ip": `"2001:db8::5"`, "related.ip": `["2001:db8::5"]`,
		}},
		{"kebab of acronyms", hdr + "Event [6] [1-1] [2026-11-21T09:00:00Z] [vim.event.DrsVmPoweredOnEvent] [info] [] [] [6] [x]", map[string]string{
			"event.action": `"drs-vm-powered-on"`,
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
	for _, in := range []string{"hello", "Nov 21 10:00:00 h sshd[1]: x", "<999>1 bad", "Event [1] [1-1]"} {
		ev := event.Event{Fields: []event.Field{{Name: "pre", Value: event.String("x")}}}
		err := Decode([]byte(in), testMeta, &ev)
		var se *parse.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Decode(%q) = %v, want a *parse.SyntaxError", in, err)
		}
		if len(ev.Fields) != 1 || ev.Time != 0 {
			t.Errorf("Decode(%q) left fields %v", in, ev.Fields)
		}
	}
	if err := Decode([]byte(" "), testMeta, &event.Event{}); !errors.Is(err, parse.ErrEmpty) {
		t.Errorf("blank: %v", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{hdr + "Event [1] [1-1] [x] [y]", 98},
		{"2026-11-21T10:00:17Z esx01 Hostd: info hostd[1] [Originator@6876 sub=Vimsvc.ha-eventmgr] Event 123 : User root@1.2.3.4 logged in", 98},
		{hdr + "info vpxd[1] [Originator@6876] plain line", 96},
		{"Nov 21 10:00:00 h sshd[1]: Event [1] [x]", 0},
		{`{"process":"vpxd","message":"Event [1] ["}`, 0},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
