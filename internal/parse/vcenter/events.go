package vcenter

import (
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
)

// facts is what the description of an event says.
type facts struct {
	typ                  string // event type inferred from the text (hostd), e.g. "VmPoweredOnEvent"
	user, ip, agent      string
	vm, host, datacenter string
	principal, entity    string
	role, task, snapshot string
}

// describe reads a fullFormattedMessage (see the package comment for the
// message catalog it follows).
func describe(desc string) facts {
	var f facts
	switch {
	case strings.HasPrefix(desc, "User ") && strings.Contains(desc[len("User "):], " logged in"):
		rest := desc[len("User "):]
		k := strings.Index(rest, " logged in")
		f.user, f.ip = splitUserAt(rest[:k])
		if a, ok := strings.CutPrefix(rest[k:], " logged in as "); ok {
			f.agent = strings.TrimSpace(a)
		}
		f.typ = "UserLoginSessionEvent"
	case strings.HasPrefix(desc, "User ") && strings.Contains(desc[len("User "):], " logged out"):
		rest := desc[len("User "):]
		f.user, f.ip = splitUserAt(rest[:strings.Index(rest, " logged out")])
		if i := strings.Index(rest, "user agent: "); i >= 0 {
			f.agent = strings.TrimSuffix(rest[i+len("user agent: "):], ")")
		}
		f.typ = "UserLogoutSessionEvent"
	case strings.HasPrefix(desc, "Cannot login "):
		rest := desc[len("Cannot login "):]
		if i := strings.IndexByte(rest, ' '); i >= 0 {
			rest = rest[:i]
		}
		f.user, f.ip = splitUserAt(rest)
		f.typ = "BadUsernameSessionEvent"
	case strings.HasPrefix(desc, "Task: "):
		f.task = strings.TrimSpace(desc[len("Task: "):])
		f.typ = "TaskEvent"
	case strings.HasPrefix(desc, "Created virtual machine "):
		f.vm, f.host, f.datacenter = vmHostDC(desc[len("Created virtual machine "):], " in ")
		f.typ = "VmCreatedEvent"
	case strings.HasPrefix(desc, "Removed ") && strings.Contains(desc[len("Removed "):], " from "):
		f.vm, f.host, f.datacenter = vmHostDC(desc[len("Removed "):], " from ")
		f.typ = "VmRemovedEvent"
	case strings.HasPrefix(desc, "Reconfigured "):
		rest := desc[len("Reconfigured "):]
		if i := strings.Index(rest, ". "); i >= 0 {
			rest = rest[:i]
		}
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[:i]
		}
		f.vm, f.host, f.datacenter = vmHostDC(strings.TrimSuffix(strings.TrimSpace(rest), "."), " in ")
		f.typ = "VmReconfiguredEvent"
	case strings.HasPrefix(desc, "Renamed ") && strings.Contains(desc[len("Renamed "):], " from "):
		rest := desc[len("Renamed "):]
		f.vm = rest[:strings.Index(rest, " from ")]
		if i := strings.LastIndex(rest, " in "); i >= 0 {
			f.datacenter = rest[i+len(" in "):]
		}
		f.typ = "VmRenamedEvent"
	case strings.HasPrefix(desc, "Clone of ") && strings.HasSuffix(desc, " completed"):
		f.vm = strings.TrimSuffix(desc[len("Clone of "):], " completed")
		f.typ = "VmClonedEvent"
	case strings.HasPrefix(desc, "Migration of virtual machine "):
		rest := desc[len("Migration of virtual machine "):]
		if i := strings.Index(rest, " from "); i >= 0 {
			f.vm = rest[:i]
		}
		f.typ = "VmMigratedEvent"
	case strings.HasPrefix(desc, "The execution state of the virtual machine "):
		rest := desc[len("The execution state of the virtual machine "):]
		if i := strings.Index(rest, " on host "); i >= 0 {
			f.vm = rest[:i]
			h := rest[i+len(" on host "):]
			if j := strings.IndexByte(h, ','); j >= 0 {
				f.host = h[:j]
			}
		}
		if i := strings.Index(rest, "state of snapshot "); i >= 0 {
			s := rest[i+len("state of snapshot "):]
			if j := strings.LastIndex(s, ", with ID"); j >= 0 {
				s = s[:j]
			}
			f.snapshot = s
		}
		f.typ = "com.vmware.vc.vm.VmStateRevertedToSnapshot"
	case strings.HasPrefix(desc, "Permission created for "), strings.HasPrefix(desc, "Permission changed for "),
		strings.HasPrefix(desc, "Permission rule removed for "):
		rest := desc[strings.Index(desc, " for ")+len(" for "):]
		if i := strings.Index(rest, " on "); i >= 0 {
			f.principal, rest = rest[:i], rest[i+len(" on "):]
			f.entity = rest
			if j := strings.Index(rest, ", role is "); j >= 0 {
				f.entity, rest = rest[:j], rest[j+len(", role is "):]
				f.role = rest
				if k := strings.Index(rest, ", propagation is"); k >= 0 {
					f.role = rest[:k]
				}
			}
		}
		switch {
		case strings.HasPrefix(desc, "Permission created"):
			f.typ = "PermissionAddedEvent"
		case strings.HasPrefix(desc, "Permission changed"):
			f.typ = "PermissionUpdatedEvent"
		default:
			f.typ = "PermissionRemovedEvent"
		}
	case strings.HasPrefix(desc, "New role ") && strings.HasSuffix(desc, " created"):
		f.role, f.typ = strings.TrimSuffix(desc[len("New role "):], " created"), "RoleAddedEvent"
	case strings.HasPrefix(desc, "Role ") && strings.HasSuffix(desc, " removed"):
		f.role, f.typ = strings.TrimSuffix(desc[len("Role "):], " removed"), "RoleRemovedEvent"
	case strings.HasPrefix(desc, "Modified role "):
		f.role, f.typ = desc[len("Modified role "):], "RoleUpdatedEvent"
	default:
		for _, st := range vmStates {
			if strings.HasSuffix(desc, st.suffix) {
				f.vm, f.host, f.datacenter = vmHostDC(strings.TrimSuffix(desc, st.suffix), " in ")
				f.typ = st.typ
				break
			}
		}
	}
	return f
}

// vmStates are the "{vm} on {host} in {datacenter} is …" messages.
var vmStates = []struct{ suffix, typ string }{
	{" is powered on", "VmPoweredOnEvent"},
	{" is powered off", "VmPoweredOffEvent"},
	{" is starting", "VmStartingEvent"},
	{" is stopping", "VmStoppingEvent"},
	{" is suspended", "VmSuspendedEvent"},
	{" is reset", "VmResettingEvent"},
}

// splitUserAt splits "user@address" at its last "@".
func splitUserAt(s string) (user, ip string) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i+1:]
}

// vmHostDC splits "{vm} on [host ]{host}{sep}{datacenter}".
func vmHostDC(s, sep string) (vm, host, dc string) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		s, dc = s[:i], s[i+len(sep):]
	}
	if i := strings.LastIndex(s, " on "); i >= 0 {
		s, host = s[:i], strings.TrimPrefix(s[i+len(" on "):], "host ")
	}
	return s, host, dc
}

// kebab turns "VmPoweredOn" into "vm-powered-on" and "Power On virtual
// machine" into "power-on-virtual-machine".
func kebab(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		isUp := c >= 'A' && c <= 'Z'
		isLow := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		switch {
		case isUp:
			prevLow := i > 0 && (s[i-1] >= 'a' && s[i-1] <= 'z' || s[i-1] >= '0' && s[i-1] <= '9')
			nextLow := i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z'
			prevUp := i > 0 && s[i-1] >= 'A' && s[i-1] <= 'Z'
			if b.Len() > 0 && !dash && (prevLow || prevUp && nextLow) {
				b.WriteByte('-')
			}
			b.WriteByte(c + 'a' - 'A')
			dash = false
		case isLow:
			b.WriteByte(c)
			dash = false
		default:
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// action names an event type: the last dotted segment without "Event", in
// kebab case.
func action(typ string) string {
	if i := strings.LastIndexByte(typ, '.'); i >= 0 {
		typ = typ[i+1:]
	}
	return kebab(strings.TrimSuffix(typ, "Event"))
}

// finish adds the ECS fields of an event.
func (d *decoder) finish() {
	ev := d.ev
	d.add(event.FieldKind, event.String("event"))
	d.add(event.FieldModule, event.String("vsphere"))
	d.add(event.FieldDataset, event.String("vsphere.event"))
	d.str(event.FieldMessage, d.desc)
	f := describe(d.desc)
	typ := d.typ
	if typ == "" {
		typ = f.typ
	}
	short := typ
	if i := strings.LastIndexByte(short, '.'); i >= 0 {
		short = short[i+1:]
	}
	act := action(typ)
	if short == "TaskEvent" && f.task != "" {
		act = "task-" + kebab(f.task)
	}
	if act == "" {
		act = "event"
	}
	d.add(event.FieldAction, event.String(act))

	category, types, outcome := "configuration", "change", ""
	switch {
	case strings.Contains(short, "Session"), short == "BadUsernameSessionEvent":
		category, types = "authentication", "info"
		switch short {
		case "UserLoginSessionEvent":
			types, outcome = "start", "success"
		case "UserLogoutSessionEvent":
			types = "end"
		case "BadUsernameSessionEvent":
			types, outcome = "start", "failure"
		}
	case strings.HasPrefix(short, "Permission"), strings.HasPrefix(short, "Role"):
		category = "iam"
	}
	lower := strings.ToLower(short + " " + f.task)
	switch {
	case category == "authentication":
	case strings.Contains(lower, "created") || strings.Contains(lower, "added") || strings.Contains(lower, "cloned") ||
		strings.Contains(lower, "create") || strings.Contains(lower, "clone") || strings.Contains(lower, "deploy") || strings.Contains(lower, "register vm"):
		types = "creation"
	case strings.Contains(lower, "removed") || strings.Contains(lower, "remove") || strings.Contains(lower, "delete") ||
		strings.Contains(lower, "destroy") || strings.Contains(lower, "unregister"):
		types = "deletion"
	}
	if strings.EqualFold(d.severity, "error") && outcome == "" {
		outcome = "failure"
	}
	d.add(event.FieldCategory, event.Array(event.String(category)))
	if category == "iam" {
		d.add(event.FieldType, event.Array(event.String("admin"), event.String(types)))
	} else {
		d.add(event.FieldType, event.Array(event.String(types)))
	}
	d.str(event.FieldOutcome, outcome)

	// Who.
	user := f.user
	if user == "" {
		user = d.user
	}
	if user != "" {
		d.add(event.FieldUserName, event.String(user))
		normalize.AddRelatedUser(ev, user)
	}
	if ip, ok := normalize.IPValue(f.ip); ok {
		d.add(event.FieldSourceIP, ip)
		normalize.AddRelatedIP(ev, ip)
	}
	d.str("user_agent.original", f.agent)
	if f.principal != "" {
		d.add("user.target.name", event.String(f.principal))
		normalize.AddRelatedUser(ev, f.principal)
	}
	// What.
	vm := f.vm
	if vm == "" {
		vm = d.vm
	}
	d.str("vsphere.vm.name", vm)
	d.str("vsphere.host.name", f.host)
	d.str("vsphere.datacenter.name", f.datacenter)
	d.str("vsphere.task.description", f.task)
	d.str("vsphere.snapshot.name", f.snapshot)
	d.str("vsphere.permission.principal", f.principal)
	d.str("vsphere.permission.entity", f.entity)
	if strings.HasPrefix(short, "Permission") {
		d.str("vsphere.permission.role", f.role)
	} else {
		d.str("vsphere.role.name", f.role)
	}
}
