package auditd

import (
	"strconv"
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
)

// typeInfo is the ECS meaning of a record type.
type typeInfo struct {
	action   string
	category string // one ECS category
	types    []string
	iam      bool // acct is the account acted upon, not the actor
}

// actions maps record types to ECS (the action names follow Filebeat's
// auditd module).
var actions = map[string]typeInfo{
	"USER_AUTH":      {"authenticated", "authentication", []string{"info"}, false},
	"USER_ACCT":      {"was-authorized", "authentication", []string{"info"}, false},
	"USER_LOGIN":     {"logged-in", "authentication", []string{"start"}, false},
	"USER_LOGOUT":    {"logged-out", "authentication", []string{"end"}, false},
	"USER_ERR":       {"error", "authentication", []string{"info"}, false},
	"LOGIN":          {"changed-login-id-to", "authentication", []string{"start"}, false},
	"CRED_ACQ":       {"acquired-credentials", "authentication", []string{"info"}, false},
	"CRED_DISP":      {"disposed-credentials", "authentication", []string{"info"}, false},
	"CRED_REFR":      {"refreshed-credentials", "authentication", []string{"info"}, false},
	"USER_START":     {"started-session", "session", []string{"start"}, false},
	"USER_END":       {"ended-session", "session", []string{"end"}, false},
	"USER_CMD":       {"ran-command", "process", []string{"start"}, false},
	"USER_CHAUTHTOK": {"changed-password", "iam", []string{"user", "change"}, true},
	"ADD_USER":       {"added-user-account", "iam", []string{"user", "creation"}, true},
	"DEL_USER":       {"deleted-user-account", "iam", []string{"user", "deletion"}, true},
	"USER_MGMT":      {"modified-user-account", "iam", []string{"user", "change"}, true},
	"ADD_GROUP":      {"added-group-account-to", "iam", []string{"group", "creation"}, true},
	"DEL_GROUP":      {"deleted-group-account-from", "iam", []string{"group", "deletion"}, true},
	"GRP_MGMT":       {"modified-group-account", "iam", []string{"group", "change"}, true},
	"ROLE_ASSIGN":    {"assigned-user-role-to", "iam", []string{"user", "change"}, true},
	"ROLE_REMOVE":    {"removed-user-role-from", "iam", []string{"user", "change"}, true},
	"SERVICE_START":  {"started-service", "process", []string{"start"}, false},
	"SERVICE_STOP":   {"stopped-service", "process", []string{"end"}, false},
	"EXECVE":         {"executed", "process", []string{"start"}, false},
	"PROCTITLE":      {"proctitle", "process", []string{"info"}, false},
}

// logNames holds "auditd.log."+key for the common keys, so that naming
// their fields does not allocate.
var logNames = func() map[string]string {
	keys := strings.Fields(`arch syscall success exit a0 a1 a2 a3 items ppid pid auid uid gid euid suid
		fsuid egid sgid fsgid tty ses comm exe subj key op grantors acct hostname addr terminal res
		id cwd cmd unit name inode dev mode ouid ogid rdev obj objtype nametype item cap_fp cap_fi
		cap_fe cap_fver argc proctitle msg old-auid old-ses tclass scontext tcontext permissive`)
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = "auditd.log." + k
	}
	return m
}()

// execSyscalls are execve/execveat numbers per audit arch.
var execSyscalls = map[string][]string{
	"c000003e": {"59", "322"},  // x86_64
	"40000003": {"11", "358"},  // i386
	"c00000b7": {"221", "281"}, // aarch64
	"40000028": {"11", "387"},  // arm
}

// secondary reports whether a record type only adds to an event (the
// primary record is the first one that is not).
func secondary(typ string) bool {
	switch typ {
	case "EOE", "PROCTITLE", "PATH", "CWD", "EXECVE", "SOCKADDR", "BPRM_FCAPS", "MMAP", "OBJ_PID":
		return true
	}
	return false
}

// get returns the value of key in kvs (the last one).
func get(kvs []kv, key string) string {
	v := ""
	for _, p := range kvs {
		if p.key == key {
			v = p.val
		}
	}
	return v
}

// unset reports whether an id or text is the audit "not set" value.
func unset(v string) bool {
	return v == "" || v == "?" || v == "(null)" || v == "(none)" || v == "4294967295" || v == "-1" || v == "unset"
}

// build fills ev from the records of one event.
func build(g []*record, ev *event.Event) {
	p := g[0]
	for _, r := range g {
		if !secondary(r.typ) {
			p = r
			break
		}
	}
	ev.Time = p.time.UnixNano()
	ev.Set("auditd.log.record_type", event.String(p.typ))
	ev.Set("auditd.serial", event.Int(p.serial))
	if len(g) > 1 {
		types := make([]event.Value, len(g))
		for i, r := range g {
			types[i] = event.String(r.typ)
		}
		ev.Set("auditd.record_types", event.Array(types...))
	}
	if p.node != "" {
		ev.Set(event.FieldHostName, event.String(p.node))
	}
	for _, f := range p.kvs {
		name, ok := logNames[f.key]
		if !ok {
			name = "auditd.log." + f.key
		}
		ev.Set(name, event.String(f.val))
	}
	for _, f := range p.enrich {
		ev.Set("auditd.log.enriched."+f.key, event.String(f.val))
	}
	for _, r := range g {
		if r == p || r.typ == "EOE" {
			continue
		}
		pfx := "auditd.log." + strings.ToLower(r.typ) + "."
		for _, f := range r.kvs {
			appendField(ev, pfx+f.key, event.String(f.val))
		}
	}
	ecs(g, p, ev)
}

// appendField sets name, or turns an existing value into an array and
// appends to it (several PATH records).
func appendField(ev *event.Event, name string, v event.Value) {
	for i := range ev.Fields {
		f := &ev.Fields[i]
		if f.Name != name {
			continue
		}
		old := f.Value.Elems()
		if f.Value.Type() != event.TypeArray {
			old = []event.Value{f.Value}
		}
		vs := make([]event.Value, len(old), len(old)+1)
		copy(vs, old)
		f.Value = event.Array(append(vs, v)...)
		return
	}
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

func setStr(ev *event.Event, name, v string) {
	if !unset(v) {
		ev.Set(name, event.String(v))
	}
}

func setInt(ev *event.Event, name, v string) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && !unset(v) {
		ev.Set(name, event.Int(n))
	}
}

// ecs adds the ECS fields of one event.
func ecs(g []*record, p *record, ev *event.Event) {
	ev.Set(event.FieldKind, event.String("event"))
	ev.Set(event.FieldModule, event.String("auditd"))
	ev.Set(event.FieldDataset, event.String("auditd.log"))
	info, known := actions[p.typ]
	action := strings.ToLower(p.typ)
	if known {
		action = info.action
	}
	kvs := p.kvs
	if p.typ == "SYSCALL" {
		action = "syscall"
		if n := get(p.enrich, "SYSCALL"); n != "" {
			action = n
		}
		for _, n := range execSyscalls[get(kvs, "arch")] {
			if get(kvs, "syscall") == n {
				action, info, known = "executed", actions["EXECVE"], true
			}
		}
		if !known {
			info, known = typeInfo{category: "process", types: []string{"info"}}, true
		}
	}
	ev.Set(event.FieldAction, event.String(action))
	if known && info.category != "" {
		ev.Set(event.FieldCategory, event.Array(event.String(info.category)))
		ts := make([]event.Value, len(info.types))
		for i, t := range info.types {
			ts[i] = event.String(t)
		}
		ev.Set(event.FieldType, event.Array(ts...))
	}
	switch strings.ToLower(get(kvs, "success") + get(kvs, "res")) {
	case "yes", "success", "1":
		ev.Set(event.FieldOutcome, event.String("success"))
	case "no", "failed", "failure", "0":
		ev.Set(event.FieldOutcome, event.String("failure"))
	}
	setInt(ev, "process.pid", get(kvs, "pid"))
	setInt(ev, "process.parent.pid", get(kvs, "ppid"))
	setStr(ev, "process.name", get(kvs, "comm"))
	setStr(ev, "process.executable", get(kvs, "exe"))
	setStr(ev, "user.id", get(kvs, "uid"))
	setStr(ev, "user.audit.id", get(kvs, "auid"))
	setStr(ev, "user.effective.id", get(kvs, "euid"))
	setStr(ev, "group.id", get(kvs, "gid"))
	setStr(ev, "process.working_directory", get(kvs, "cwd"))
	if p.typ == "USER_CMD" {
		setStr(ev, "process.command_line", get(kvs, "cmd"))
	}
	// Who: acct is the actor, or for account management the target.
	acct := get(kvs, "acct")
	if unset(acct) {
		acct = ""
	}
	actor := get(p.enrich, "AUID")
	if unset(actor) {
		actor = get(p.enrich, "UID")
	}
	if unset(actor) {
		actor = ""
	}
	if info.iam {
		setStr(ev, "user.target.name", acct)
		normalize.AddRelatedUser(ev, acct)
		setStr(ev, event.FieldUserName, actor)
		normalize.AddRelatedUser(ev, actor)
	} else {
		name := acct
		if name == "" {
			name = actor
		}
		setStr(ev, event.FieldUserName, name)
		normalize.AddRelatedUser(ev, name)
	}
	if ip, ok := normalize.IPValue(get(kvs, "addr")); ok {
		ev.Set(event.FieldSourceIP, ip)
		normalize.AddRelatedIP(ev, ip)
	}
	if h := get(kvs, "hostname"); !unset(h) {
		if _, ok := normalize.IPValue(h); !ok {
			ev.Set("source.domain", event.String(h))
		}
	}
	// What the other records add.
	var args []event.Value
	var title string
	for _, r := range g {
		switch r.typ {
		case "EXECVE":
			args = execArgs(r.kvs)
		case "CWD":
			setStr(ev, "process.working_directory", get(r.kvs, "cwd"))
		case "PATH":
			if !ev.Has("file.path") {
				setStr(ev, "file.path", get(r.kvs, "name"))
			}
		case "PROCTITLE":
			title = strings.TrimRight(strings.ReplaceAll(get(r.kvs, "proctitle"), "\x00", " "), " ")
			setStr(ev, "process.title", title)
		}
	}
	if len(args) > 0 {
		ev.Set("process.args", event.Array(args...))
		ev.Set("process.args_count", event.Int(int64(len(args))))
		var b strings.Builder
		for i, a := range args {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(a.Str())
		}
		ev.Set("process.command_line", event.String(b.String()))
	} else if title != "" && !ev.Has("process.command_line") {
		ev.Set("process.command_line", event.String(title))
	}
}

// execArgs returns the arguments of an EXECVE record: a0, a1, … in order,
// a long argument's chunks aN[0], aN[1], … joined.
func execArgs(kvs []kv) []event.Value {
	argc := -1
	if n, err := strconv.Atoi(get(kvs, "argc")); err == nil && n >= 0 && n <= maxKV {
		argc = n
	}
	byIndex := map[int]*strings.Builder{}
	maxIdx := -1
	for _, f := range kvs {
		k := f.key
		if len(k) < 2 || k[0] != 'a' || k[1] < '0' || k[1] > '9' || strings.HasSuffix(k, "_len") {
			continue
		}
		num := k[1:]
		if i := strings.IndexByte(num, '['); i >= 0 {
			num = num[:i]
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 || n >= maxKV {
			continue
		}
		b := byIndex[n]
		if b == nil {
			b = new(strings.Builder)
			byIndex[n] = b
		}
		b.WriteString(f.val)
		maxIdx = max(maxIdx, n)
	}
	if argc < 0 {
		argc = maxIdx + 1
	}
	var args []event.Value
	for i := range argc {
		if b := byIndex[i]; b != nil {
			args = append(args, event.String(b.String()))
		} else {
			args = append(args, event.String(""))
		}
	}
	return args
}
