package vcenter

import (
	"strconv"
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Name is the format name.
const Name = "vcenter"

// Format returns the vcenter format.
func Format() parse.Format {
	return parse.Format{
		Name:        Name,
		Description: "VMware vCenter (vpxd) and ESXi (hostd) events forwarded by syslog",
		Detect:      Detect,
		Decode:      Decode,
	}
}

// Detect scores a record: 98 for a syslog line of a vSphere program
// carrying an event ("Event [key] [" from vpxd, "Event <key> : " from
// hostd), 96 for another line of vpxd or hostd, 0 otherwise.
func Detect(record []byte) int {
	if len(record) > 1024 {
		record = record[:1024]
	}
	s := string(record) // no allocation: does not escape
	prog := programAt(s)
	if prog < 0 {
		return 0
	}
	if eventStart(s[prog:]) >= 0 {
		return 98
	}
	return 96
}

// programs are the syslog tags of vSphere services.
var programs = []string{" vpxd ", " vpxd[", " vpxd:", " hostd[", " hostd:", " Hostd:", " Hostd[", " hostd ", " vpxa[", " vpxa:", " Vpxa:", " vpxa "}

// programAt returns where a vSphere program tag is in the first 200 bytes of
// s, or -1.
func programAt(s string) int {
	head := s[:min(len(s), 200)]
	for _, p := range programs {
		if i := strings.Index(head, p); i >= 0 {
			return i
		}
	}
	return -1
}

// eventStart finds an event in a message: the index of "Event [" followed
// by a digit (vpxd), or of "Event " digits " : " (hostd); -1 when none.
func eventStart(s string) int {
	off := 0
	for {
		i := strings.Index(s[off:], "Event ")
		if i < 0 {
			return -1
		}
		i += off
		rest := s[i+len("Event "):]
		if len(rest) > 1 && rest[0] == '[' && rest[1] >= '0' && rest[1] <= '9' {
			return i
		}
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j > 0 && strings.HasPrefix(rest[j:], " : ") {
			return i
		}
		off = i + len("Event ")
	}
}

// vsphereProgram reports whether a syslog program name is a vSphere one.
func vsphereProgram(p string) bool {
	switch strings.ToLower(p) {
	case "vpxd", "vpxa", "hostd", "vpxd-svcs", "vmware-vpxd", "vcenter":
		return true
	}
	return strings.HasPrefix(p, "vcenter-") || strings.HasPrefix(p, "vmware-")
}

// Decode decodes one syslog line of a vSphere service into ev. See the
// package comment.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	base := len(ev.Fields)
	msg, hasTime, err := syslogHeader(record, meta, ev)
	if err != nil {
		return err
	}
	fail := func(msg string) error {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		ev.Time = 0
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: msg}
	}
	if !hasTime {
		return fail("no syslog header")
	}
	d := decoder{ev: ev, meta: meta}
	i := eventStart(msg)
	if i < 0 {
		if !vsphereProgram(ev.GetString("process.name")) {
			return fail("not a vCenter/ESXi event and not a vSphere program's line")
		}
		d.add(event.FieldKind, event.String("event"))
		d.add(event.FieldModule, event.String("vsphere"))
		d.add(event.FieldDataset, event.String("vsphere.log"))
		d.str(event.FieldMessage, msg)
		d.apiTask(msg)
		return nil
	}
	ev2 := msg[i+len("Event "):]
	if strings.HasPrefix(ev2, "[") {
		d.vpxd(ev2)
	} else {
		d.hostd(ev2)
	}
	d.finish()
	return nil
}

// decoder holds the state of one Decode call.
type decoder struct {
	ev   *event.Event
	meta *parse.Meta

	typ, severity, user, desc string
	vm                        string
}

func (d *decoder) add(name string, v event.Value) { d.ev.Set(name, v) }

func (d *decoder) str(name, s string) {
	if s != "" {
		d.ev.Set(name, event.String(s))
	}
}

// vpxd decodes "[key] [part] [created] [type] [severity] [user] [target]
// [chainId] [desc]".
func (d *decoder) vpxd(s string) {
	var f [9]string
	n := 0
	for n < 8 {
		s = strings.TrimLeft(s, " ")
		if !strings.HasPrefix(s, "[") {
			break
		}
		j := strings.IndexByte(s, ']')
		if j < 0 {
			break
		}
		f[n] = s[1:j]
		s = s[j+1:]
		n++
	}
	// The description is the rest, in brackets; it may hold brackets itself.
	s = strings.TrimLeft(s, " ")
	if strings.HasPrefix(s, "[") {
		s = s[1:]
		if strings.HasSuffix(s, "]") {
			s = s[:len(s)-1]
		}
	}
	f[8] = s
	if k, err := strconv.ParseInt(f[0], 10, 64); err == nil {
		d.add("vsphere.event.key", event.Int(k))
	}
	d.str("vsphere.event.part", f[1])
	if t, ok := normalize.ParseTimestamp(f[2], d.meta.Loc()); ok {
		d.add("vsphere.event.created", event.Time(t))
		d.ev.Time = t.UnixNano()
	}
	d.typ, d.severity, d.user, d.desc = f[3], f[4], f[5], f[8]
	d.str("vsphere.event.type", f[3])
	d.str("vsphere.event.severity", f[4])
	d.str("vsphere.event.user", f[5])
	d.str("vsphere.event.target", f[6])
	if c, err := strconv.ParseInt(f[7], 10, 64); err == nil {
		d.add("vsphere.event.chain_id", event.Int(c))
	}
	if strings.HasPrefix(f[3], "vim.event.Vm") || f[3] == "vim.event.TaskEvent" {
		d.vm = f[6]
	}
}

// hostd decodes "<key> : <desc>".
func (d *decoder) hostd(s string) {
	j := strings.Index(s, " : ")
	if j < 0 {
		d.desc = strings.TrimSpace(s)
		return
	}
	if k, err := strconv.ParseInt(s[:j], 10, 64); err == nil {
		d.add("vsphere.event.key", event.Int(k))
	}
	d.desc = strings.TrimSpace(s[j+3:])
}

// apiTask recognizes the start of an API task in a plain vpxd or hostd log
// line, the trace vCenter and ESXi leave of an operation even when events
// are not streamed:
//
//	vpxd:  [VpxLRO] -- BEGIN task-1234 -- vm-45 -- vim.VirtualMachine.powerOn -- <session>
//	hostd: [Originator@6876 sub=Vimsvc.TaskManager opID=… user=root] Task Created : haTask-2-vim.VirtualMachine.powerOn-123
//
// and sets event.action "task-" + the method in kebab case
// ("task-virtual-machine-power-on"), vsphere.task.id/.method/.entity and,
// for hostd, user.name.
func (d *decoder) apiTask(msg string) {
	var id, entity, method, user string
	if i := strings.Index(msg, "[VpxLRO] -- BEGIN "); i >= 0 {
		parts := strings.Split(msg[i+len("[VpxLRO] -- BEGIN "):], " -- ")
		if len(parts) < 3 {
			return
		}
		id, entity, method = parts[0], parts[1], parts[2]
	} else if i := strings.Index(msg, "Task Created : "); i >= 0 {
		t := strings.TrimSpace(msg[i+len("Task Created : "):])
		// haTask-<entity>-<method>-<n>
		if !strings.HasPrefix(t, "haTask-") {
			return
		}
		rest := t[len("haTask-"):]
		j := strings.IndexByte(rest, '-')
		k := strings.LastIndexByte(rest, '-')
		if j < 0 || k <= j {
			return
		}
		id, entity, method = t, rest[:j], rest[j+1:k]
		if u := strings.Index(msg[:i], " user="); u >= 0 {
			user = msg[u+len(" user="):]
			if e := strings.IndexAny(user, " ]"); e >= 0 {
				user = user[:e]
			}
		}
	} else {
		return
	}
	if !strings.HasPrefix(method, "vim.") {
		return
	}
	m := strings.TrimPrefix(method, "vim.")
	d.add(event.FieldAction, event.String("task-"+kebab(m)))
	d.add(event.FieldCategory, event.Array(event.String("configuration")))
	typ := "change"
	switch l := strings.ToLower(m); {
	case strings.Contains(l, "unregister") || strings.Contains(l, "destroy") || strings.Contains(l, "remove") || strings.Contains(l, "delete"):
		typ = "deletion"
	case strings.Contains(l, "create") || strings.Contains(l, "clone") || strings.Contains(l, "register") || strings.Contains(l, "deploy"):
		typ = "creation"
	}
	d.add(event.FieldType, event.Array(event.String(typ)))
	d.str("vsphere.task.id", id)
	d.str("vsphere.task.method", method)
	d.str("vsphere.task.entity", entity)
	if user != "" {
		d.add(event.FieldUserName, event.String(user))
		normalize.AddRelatedUser(d.ev, user)
	}
}
