package winevent

import (
	"strings"

	"github.com/shoseki/shoseki/internal/event"
)

// ECS mapping of well-known events. The table follows Winlogbeat's
// processors for the Security channel and Sysmon where they are stable;
// the winlog.event_data.* fields always stay as they are.

type ecsInfo struct {
	category, typ, action string
	outcome               string // "" means: decide from the event
}

var securityECS = map[uint32]ecsInfo{
	1102: {"iam", "admin", "audit-log-cleared", "success"},
	4624: {"authentication", "start", "logged-in", "success"},
	4625: {"authentication", "start", "logon-failed", "failure"},
	4634: {"authentication", "end", "logged-out", "success"},
	4647: {"authentication", "end", "logged-out", "success"},
	4648: {"authentication", "start", "logged-in-explicit", "success"},
	4672: {"iam", "admin", "logged-in-special", "success"},
	4688: {"process", "start", "created-process", "success"},
	4689: {"process", "end", "exited-process", "success"},
	4720: {"iam", "user", "added-user-account", "success"},
	4722: {"iam", "user", "enabled-user-account", "success"},
	4723: {"iam", "user", "changed-password", "success"},
	4724: {"iam", "user", "reset-password", "success"},
	4725: {"iam", "user", "disabled-user-account", "success"},
	4726: {"iam", "user", "deleted-user-account", "success"},
	4727: {"iam", "group", "added-group-account", "success"},
	4728: {"iam", "group", "added-member-to-group", "success"},
	4729: {"iam", "group", "removed-member-from-group", "success"},
	4730: {"iam", "group", "deleted-group-account", "success"},
	4731: {"iam", "group", "added-group-account", "success"},
	4732: {"iam", "group", "added-member-to-group", "success"},
	4733: {"iam", "group", "removed-member-from-group", "success"},
	4734: {"iam", "group", "deleted-group-account", "success"},
	4735: {"iam", "group", "modified-group-account", "success"},
	4737: {"iam", "group", "modified-group-account", "success"},
	4738: {"iam", "user", "modified-user-account", "success"},
	4740: {"iam", "user", "locked-out-user-account", "success"},
	4768: {"authentication", "start", "kerberos-authentication-ticket-requested", ""},
	4769: {"authentication", "start", "kerberos-service-ticket-requested", ""},
	4770: {"authentication", "start", "kerberos-service-ticket-renewed", ""},
	4771: {"authentication", "start", "kerberos-preauth-failed", "failure"},
	5140: {"network", "access", "network-share-object-accessed", "success"},
	5145: {"network", "access", "network-share-object-access-checked", "success"},
}

var sysmonECS = map[uint32]ecsInfo{
	1:  {"process", "start", "Process Create (rule: ProcessCreate)", "success"},
	2:  {"file", "change", "File creation time changed (rule: FileCreateTime)", "success"},
	3:  {"network", "connection", "Network connection detected (rule: NetworkConnect)", "success"},
	5:  {"process", "end", "Process terminated (rule: ProcessTerminate)", "success"},
	6:  {"driver", "start", "Driver loaded (rule: DriverLoad)", "success"},
	7:  {"process", "change", "Image loaded (rule: ImageLoad)", "success"},
	8:  {"process", "change", "CreateRemoteThread detected (rule: CreateRemoteThread)", "success"},
	9:  {"process", "access", "RawAccessRead detected (rule: RawAccessRead)", "success"},
	10: {"process", "access", "Process accessed (rule: ProcessAccess)", "success"},
	11: {"file", "creation", "File created (rule: FileCreate)", "success"},
	12: {"configuration", "change", "Registry object added or deleted (rule: RegistryEvent)", "success"},
	13: {"configuration", "change", "Registry value set (rule: RegistryEvent)", "success"},
	14: {"configuration", "change", "Registry object renamed (rule: RegistryEvent)", "success"},
	15: {"file", "access", "File stream created (rule: FileCreateStreamHash)", "success"},
	17: {"file", "creation", "Pipe Created (rule: PipeEvent)", "success"},
	18: {"file", "access", "Pipe Connected (rule: PipeEvent)", "success"},
	22: {"network", "protocol", "Dns query (rule: DnsQuery)", "success"},
	23: {"file", "deletion", "File Delete archived (rule: FileDelete)", "success"},
	26: {"file", "deletion", "File Delete logged (rule: FileDeleteDetected)", "success"},
}

// ecs adds the ECS fields of well-known Security and Sysmon events.
func ecs(r *Record, ev *event.Event) {
	var (
		info  ecsInfo
		known bool
	)
	sysmon := strings.EqualFold(r.Channel, "Microsoft-Windows-Sysmon/Operational") || r.Provider == "Microsoft-Windows-Sysmon"
	security := strings.EqualFold(r.Channel, "Security") || r.Provider == "Microsoft-Windows-Security-Auditing"
	switch {
	case sysmon:
		info, known = sysmonECS[r.EventID]
	case security:
		info, known = securityECS[r.EventID]
	}
	if !known {
		return
	}
	// The fields set here are not among those Normalize set before, so a
	// replacing set needs to look only at what this function added.
	start := len(ev.Fields)
	set := func(name string, v event.Value) {
		for i := start; i < len(ev.Fields); i++ {
			if ev.Fields[i].Name == name {
				ev.Fields[i].Value = v
				return
			}
		}
		ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
	}
	set(event.FieldCategory, event.String(info.category))
	set(event.FieldType, event.String(info.typ))
	set(event.FieldAction, event.String(info.action))
	outcome := info.outcome
	var related []event.Value
	var relatedIPs []event.Value
	addUser := func(name, domain string) {
		if name == "" || name == "-" {
			return
		}
		for _, v := range related {
			if strings.EqualFold(v.Str(), name) {
				return
			}
		}
		related = append(related, event.String(name))
		_ = domain
	}
	setStr := func(field, s string) {
		if s != "" && s != "-" {
			set(field, event.String(s))
		}
	}
	setIP := func(field, s string) {
		if v, ok := ipValue(s); ok {
			set(field, v)
			for _, o := range relatedIPs {
				if event.Equal(o, v) {
					return
				}
			}
			relatedIPs = append(relatedIPs, v)
		}
	}
	setInt := func(field, name string) {
		if n, ok := dataInt(r, name); ok {
			set(field, event.Int(n))
		}
	}
	// setProcess sets <process>.executable and <process>.name; the names
	// are constants, not built per event.
	setProcess := func(parent bool, exe string) {
		if exe == "" || exe == "-" {
			return
		}
		if parent {
			set("process.parent.executable", event.String(exe))
			set("process.parent.name", event.String(baseName(exe)))
			return
		}
		set("process.executable", event.String(exe))
		set("process.name", event.String(baseName(exe)))
	}

	if security {
		switch r.EventID {
		case 4624, 4625, 4634, 4647, 4648, 4768, 4769, 4770, 4771:
			user, domain := dataStr(r, "TargetUserName"), dataStr(r, "TargetDomainName")
			if r.EventID == 4647 {
				user, domain = dataStr(r, "SubjectUserName"), dataStr(r, "SubjectDomainName")
			}
			setStr(event.FieldUserName, user)
			setStr("user.domain", domain)
			addUser(user, domain)
			if r.EventID == 4648 {
				addUser(dataStr(r, "SubjectUserName"), "")
				setStr("user.target.name", user)
				setStr(event.FieldUserName, dataStr(r, "SubjectUserName"))
				setStr("user.domain", dataStr(r, "SubjectDomainName"))
			}
			setIP(event.FieldSourceIP, dataStr(r, "IpAddress"))
			if p, ok := dataInt(r, "IpPort"); ok && p > 0 {
				set("source.port", event.Int(p))
			}
			setStr("source.domain", dataStr(r, "WorkstationName"))
			if lt, ok := dataInt(r, "LogonType"); ok {
				set("winlog.logon.type", event.Int(lt))
			}
			if r.EventID >= 4768 && r.EventID <= 4770 {
				if st, ok := dataInt(r, "Status"); ok {
					outcome = "success"
					if st != 0 {
						outcome = "failure"
					}
				}
			}
			if r.EventID == 4624 || r.EventID == 4688 {
				setProcess(false, dataStr(r, "ProcessName"))
			}
		case 4672:
			user := dataStr(r, "SubjectUserName")
			setStr(event.FieldUserName, user)
			setStr("user.domain", dataStr(r, "SubjectDomainName"))
			addUser(user, "")
		case 4688:
			setStr(event.FieldUserName, dataStr(r, "SubjectUserName"))
			setStr("user.domain", dataStr(r, "SubjectDomainName"))
			addUser(dataStr(r, "SubjectUserName"), "")
			setInt("process.pid", "NewProcessId")
			setProcess(false, dataStr(r, "NewProcessName"))
			setStr("process.command_line", dataStr(r, "CommandLine"))
			setInt("process.parent.pid", "ProcessId")
			setProcess(true, dataStr(r, "ParentProcessName"))
		case 4689:
			setStr(event.FieldUserName, dataStr(r, "SubjectUserName"))
			setInt("process.pid", "ProcessId")
			setProcess(false, dataStr(r, "ProcessName"))
		case 1102:
			// The subject is in UserData.
			user := dataStr(r, "SubjectUserName")
			setStr(event.FieldUserName, user)
			setStr("user.domain", dataStr(r, "SubjectDomainName"))
			addUser(user, "")
		case 5140, 5145:
			user := dataStr(r, "SubjectUserName")
			setStr(event.FieldUserName, user)
			setStr("user.domain", dataStr(r, "SubjectDomainName"))
			addUser(user, "")
			setIP(event.FieldSourceIP, dataStr(r, "IpAddress"))
			if p, ok := dataInt(r, "IpPort"); ok && p > 0 {
				set("source.port", event.Int(p))
			}
			share, rel := dataStr(r, "ShareName"), dataStr(r, "RelativeTargetName")
			path := share
			if rel != "" {
				path = strings.TrimRight(share, `\`) + `\` + rel
			}
			setStr("file.path", path)
		default: // 4720-4740 account management
			user := dataStr(r, "SubjectUserName")
			setStr(event.FieldUserName, user)
			setStr("user.domain", dataStr(r, "SubjectDomainName"))
			addUser(user, "")
			target := dataStr(r, "TargetUserName")
			if info.typ == "group" {
				setStr("group.name", target)
				if m := dataStr(r, "MemberName"); m != "" && m != "-" {
					setStr("user.target.name", firstRDN(m))
				}
			} else {
				setStr("user.target.name", target)
				setStr("user.target.domain", dataStr(r, "TargetDomainName"))
				addUser(target, "")
			}
		}
	}

	if sysmon {
		setInt("process.pid", "ProcessId")
		setProcess(false, dataStr(r, "Image"))
		setStr("process.entity_id", dataStr(r, "ProcessGuid"))
		if u := dataStr(r, "User"); u != "" {
			domain, name, ok := strings.Cut(u, `\`)
			if !ok {
				name, domain = u, ""
			}
			setStr(event.FieldUserName, name)
			setStr("user.domain", domain)
			addUser(name, domain)
		}
		switch r.EventID {
		case 1:
			setStr("process.command_line", dataStr(r, "CommandLine"))
			setStr("process.working_directory", dataStr(r, "CurrentDirectory"))
			setStr("process.pe.original_file_name", dataStr(r, "OriginalFileName"))
			setInt("process.parent.pid", "ParentProcessId")
			setProcess(true, dataStr(r, "ParentImage"))
			setStr("process.parent.command_line", dataStr(r, "ParentCommandLine"))
			setStr("process.parent.entity_id", dataStr(r, "ParentProcessGuid"))
		case 3:
			setIP(event.FieldSourceIP, dataStr(r, "SourceIp"))
			setInt("source.port", "SourcePort")
			setStr("source.domain", dataStr(r, "SourceHostname"))
			setIP("destination.ip", dataStr(r, "DestinationIp"))
			setInt("destination.port", "DestinationPort")
			setStr("destination.domain", dataStr(r, "DestinationHostname"))
			setStr("network.transport", strings.ToLower(dataStr(r, "Protocol")))
			if strings.EqualFold(dataStr(r, "Initiated"), "true") {
				setStr("network.direction", "egress")
			}
		case 6:
			setStr("file.path", dataStr(r, "ImageLoaded"))
		case 7:
			setStr("file.path", dataStr(r, "ImageLoaded"))
			setStr("dll.path", dataStr(r, "ImageLoaded"))
		case 8, 10:
			setInt("process.pid", "SourceProcessId")
			setProcess(false, dataStr(r, "SourceImage"))
		case 2, 11, 15, 23, 26:
			p := dataStr(r, "TargetFilename")
			setStr("file.path", p)
			if p != "" {
				setStr("file.name", baseName(p))
			}
		case 12, 13, 14:
			setStr("registry.path", dataStr(r, "TargetObject"))
			setStr("registry.data.strings", dataStr(r, "Details"))
		case 17, 18:
			setStr("file.name", dataStr(r, "PipeName"))
		case 22:
			setStr("dns.question.name", dataStr(r, "QueryName"))
		}
	}
	if outcome != "" {
		set(event.FieldOutcome, event.String(outcome))
	}
	if len(related) > 0 {
		set(event.FieldRelatedUser, event.Array(related...))
	}
	if len(relatedIPs) > 0 {
		set(event.FieldRelatedIP, event.Array(relatedIPs...))
	}
}

// baseName returns the last element of a Windows or POSIX path.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// firstRDN returns the value of the first RDN of a distinguished name
// ("CN=John,OU=x" → "John"), or s.
func firstRDN(s string) string {
	if strings.HasPrefix(strings.ToUpper(s), "CN=") {
		s = s[3:]
		if i := strings.IndexByte(s, ','); i >= 0 {
			s = s[:i]
		}
	}
	return s
}
