package winevent

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// Field names set by Normalize besides the well-known ones in package event.
const (
	FieldEventCode        = "event.code"
	FieldEventProvider    = "event.provider"
	FieldChannel          = "winlog.channel"
	FieldProviderName     = "winlog.provider_name"
	FieldProviderGUID     = "winlog.provider_guid"
	FieldEventID          = "winlog.event_id"
	FieldRecordID         = "winlog.record_id"
	FieldComputerName     = "winlog.computer_name"
	FieldProcessPID       = "winlog.process.pid"
	FieldThreadID         = "winlog.process.thread.id"
	FieldUserIdentifier   = "winlog.user.identifier"
	FieldKeywords         = "winlog.keywords"
	FieldLevel            = "winlog.level"
	FieldTask             = "winlog.task"
	FieldOpcode           = "winlog.opcode"
	FieldVersion          = "winlog.version"
	FieldActivityID       = "winlog.activity_id"
	FieldRelatedID        = "winlog.related_activity_id"
	FieldEventSourceName  = "winlog.event_source_name"
	FieldQualifiers       = "winlog.event_qualifiers"
	EventDataPrefix       = "winlog.event_data."
	ModuleWindows         = "windows"
	DatasetSecurity       = "windows.security"
	DatasetSysmon         = "windows.sysmon_operational"
	DatasetPowerShell     = "windows.powershell"
	DatasetPowerShellOper = "windows.powershell_operational"
	DatasetSystem         = "windows.system"
	DatasetApplication    = "windows.application"
)

// Normalize maps a Record to a Shoseki event in ev (which the caller reset):
//   - @timestamp from TimeCreated (meta.Received when the record has none;
//     an error when neither is known);
//   - event.created from meta, event.original from original when non-nil
//     (the JSON document, or the rendered XML for the EVTX reader);
//   - event.code, event.provider, event.module "windows", event.dataset
//     (windows.security, windows.sysmon_operational, windows.powershell for
//     "Windows PowerShell", windows.powershell_operational, windows.system,
//     windows.application, else "windows." + the channel in snake case);
//   - host.name and the winlog.* System fields;
//   - winlog.event_data.<Name> for every Data item, names verbatim, so Sigma
//     field names stay reachable;
//   - ECS fields for well-known Security and Sysmon events (ecs.go).
//
// Normalize does not keep r or its Data slice; values are shared (immutable).
func Normalize(r *Record, original []byte, meta *parse.Meta, ev *event.Event) error {
	var orig string
	if original != nil {
		orig = string(original)
	}
	return normalize(r, orig, original != nil, meta, ev)
}

var errNoTime = errors.New("winevent: record has no TimeCreated and no receive time is known")

func normalize(r *Record, original string, haveOriginal bool, meta *parse.Meta, ev *event.Event) error {
	if r == nil {
		return errors.New("winevent: nil record")
	}
	switch {
	case !r.TimeCreated.IsZero():
		ev.Time = r.TimeCreated.UnixNano()
	case meta != nil && !meta.Received.IsZero():
		ev.Time = meta.Received.UnixNano()
	default:
		return errNoTime
	}
	if cap(ev.Fields)-len(ev.Fields) < 24+len(r.Data) {
		f := make([]event.Field, len(ev.Fields), len(ev.Fields)+40+len(r.Data))
		copy(f, ev.Fields)
		ev.Fields = f
	}
	if meta != nil && !meta.Received.IsZero() {
		ev.Set(event.FieldCreated, event.Time(meta.Received))
	}
	if haveOriginal {
		ev.Set(event.FieldOriginal, event.String(original))
	}
	// The names below are distinct and ev was reset: append directly.
	add := func(name string, v event.Value) { ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v}) }
	addStr := func(name, s string) {
		if s != "" {
			add(name, event.String(s))
		}
	}
	code := eventCode(r.EventID)
	add(event.FieldKind, event.String("event"))
	add(FieldEventCode, event.String(code))
	addStr(FieldEventProvider, r.Provider)
	add(event.FieldModule, event.String(ModuleWindows))
	addStr(event.FieldDataset, Dataset(r.Channel))
	addStr(event.FieldHostName, r.Computer)
	addStr(FieldChannel, r.Channel)
	addStr(FieldProviderName, r.Provider)
	addStr(FieldProviderGUID, r.ProviderGUID)
	addStr(FieldEventSourceName, r.EventSource)
	add(FieldEventID, event.Int(int64(r.EventID)))
	if r.Qualifiers != 0 {
		add(FieldQualifiers, event.Int(int64(r.Qualifiers)))
	}
	if r.RecordID != 0 {
		add(FieldRecordID, event.Int(int64(r.RecordID)))
	}
	addStr(FieldComputerName, r.Computer)
	if r.ProcessID != 0 {
		add(FieldProcessPID, event.Int(int64(r.ProcessID)))
	}
	if r.ThreadID != 0 {
		add(FieldThreadID, event.Int(int64(r.ThreadID)))
	}
	addStr(FieldUserIdentifier, r.UserID)
	addStr(FieldKeywords, r.Keywords)
	add(FieldLevel, event.Int(int64(r.Level)))
	add(FieldTask, event.Int(int64(r.Task)))
	add(FieldOpcode, event.Int(int64(r.Opcode)))
	add(FieldVersion, event.Int(int64(r.Version)))
	addStr(FieldActivityID, r.ActivityID)
	addStr(FieldRelatedID, r.RelatedID)
	for i := range r.Data {
		d := &r.Data[i]
		dup := false
		for j := 0; j < i; j++ {
			if r.Data[j].Name == d.Name {
				dup = true
				break
			}
		}
		if dup || d.Name == "" {
			continue
		}
		add(DataFieldName(d.Name), d.Value)
	}
	ecs(r, ev)
	return nil
}

// eventCodes caches the decimal text of small event IDs.
var eventCodes = func() (t [8192]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return
}()

func eventCode(id uint32) string {
	if id < uint32(len(eventCodes)) {
		return eventCodes[id]
	}
	return strconv.FormatUint(uint64(id), 10)
}

// dataNames caches "winlog.event_data."+name for the names seen (bounded).
var dataNames sync.Map
var dataNamesCount int64
var dataNamesMu sync.Mutex

const maxCachedDataNames = 8192

// commonDataNames maps the Data names of common Security, Sysmon, System
// and PowerShell events to their field names. It is built once and only
// read, so a lookup is a plain map access, cheaper than sync.Map's.
var commonDataNames = func() map[string]string {
	names := []string{
		// Sysmon
		"RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion",
		"Description", "Product", "Company", "OriginalFileName", "CommandLine",
		"CurrentDirectory", "User", "LogonGuid", "LogonId", "TerminalSessionId",
		"IntegrityLevel", "Hashes", "ParentProcessGuid", "ParentProcessId",
		"ParentImage", "ParentCommandLine", "ParentUser", "TargetFilename",
		"CreationUtcTime", "PreviousCreationUtcTime", "Protocol", "Initiated",
		"SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort",
		"SourcePortName", "DestinationIsIpv6", "DestinationIp",
		"DestinationHostname", "DestinationPort", "DestinationPortName",
		"ImageLoaded", "Signed", "Signature", "SignatureStatus",
		"SourceProcessGuid", "SourceProcessId", "SourceImage",
		"TargetProcessGuid", "TargetProcessId", "TargetImage", "NewThreadId",
		"StartAddress", "StartModule", "StartFunction", "SourceThreadId",
		"GrantedAccess", "CallTrace", "SourceUser", "TargetUser", "EventType",
		"TargetObject", "Details", "NewName", "Hash", "Contents", "PipeName",
		"QueryName", "QueryStatus", "QueryResults", "IsExecutable", "Archived",
		"State", "Version", "SchemaVersion", "Configuration", "ConfigurationFileHash",
		"Device", "ID", "Type",
		// Security
		"SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId",
		"TargetUserSid", "TargetUserName", "TargetDomainName", "TargetLogonId",
		"LogonType", "LogonProcessName", "AuthenticationPackageName",
		"WorkstationName", "TransmittedServices", "LmPackageName", "KeyLength",
		"ProcessName", "IpAddress", "IpPort", "ImpersonationLevel",
		"RestrictedAdminMode", "TargetOutboundUserName",
		"TargetOutboundDomainName", "VirtualAccount", "TargetLinkedLogonId",
		"ElevatedToken", "Status", "FailureReason", "SubStatus",
		"PrivilegeList", "NewProcessId", "NewProcessName", "TokenElevationType",
		"MandatoryLabel", "ParentProcessName", "TargetUserDomain",
		"TargetServerName", "TargetInfo", "ObjectServer", "ObjectType",
		"ObjectName", "HandleId", "AccessList", "AccessMask", "AccessReason",
		"ResourceAttributes", "OperationType", "Properties", "AdditionalInfo",
		"AdditionalInfo2", "ShareName", "ShareLocalPath", "RelativeTargetName",
		"MemberName", "MemberSid", "SamAccountName", "DisplayName",
		"UserPrincipalName", "ServiceName", "ServiceFileName", "ServiceType",
		"ServiceStartType", "ServiceAccount", "TaskName", "TaskContent",
		"ServiceSid", "TicketOptions", "TicketEncryptionType", "PreAuthType",
		"CertIssuerName", "CertSerialNumber", "CertThumbprint", "ObjectDN",
		"ObjectClass", "AttributeLDAPDisplayName", "AttributeValue",
		"Application", "Direction", "SourceAddress", "DestAddress", "DestPort",
		"FilterRTID", "LayerName", "LayerRTID", "RemoteUserID", "RemoteMachineID",
		// System, PowerShell, unnamed items
		"ImagePath", "StartType", "AccountName", "param1", "param2", "param3",
		"param4", "param5", "param6", "param7", "param8", "Binary",
		"MessageNumber", "MessageTotal", "ScriptBlockText", "ScriptBlockId",
		"Path", "ContextInfo", "Payload", "UserData", "HostApplication",
		"EngineVersion", "RunspaceId", "PipelineId", "CommandName",
		"CommandType", "ScriptName", "CommandPath", "NewEngineState",
		"PreviousEngineState", "SequenceNumber", "HostName", "HostVersion",
		"HostId", "ProviderName", "NewProviderState",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = EventDataPrefix + n
	}
	return m
}()

// DataFieldName returns the event field name of a Data item:
// "winlog.event_data." + name.
func DataFieldName(name string) string {
	if v, ok := commonDataNames[name]; ok {
		return v
	}
	if v, ok := dataNames.Load(name); ok {
		return v.(string)
	}
	full := EventDataPrefix + name
	dataNamesMu.Lock()
	if dataNamesCount < maxCachedDataNames {
		dataNamesCount++
		dataNames.Store(strings.Clone(name), full)
	}
	dataNamesMu.Unlock()
	return full
}

// Dataset returns event.dataset for a channel.
func Dataset(channel string) string {
	switch {
	case channel == "":
		return ""
	case strings.EqualFold(channel, "Security"):
		return DatasetSecurity
	case strings.EqualFold(channel, "Microsoft-Windows-Sysmon/Operational"):
		return DatasetSysmon
	case strings.EqualFold(channel, "Windows PowerShell"):
		return DatasetPowerShell
	case strings.EqualFold(channel, "Microsoft-Windows-PowerShell/Operational"):
		return DatasetPowerShellOper
	case strings.EqualFold(channel, "System"):
		return DatasetSystem
	case strings.EqualFold(channel, "Application"):
		return DatasetApplication
	}
	c := channel
	if len(c) > len("Microsoft-Windows-") && strings.EqualFold(c[:len("Microsoft-Windows-")], "Microsoft-Windows-") {
		c = c[len("Microsoft-Windows-"):]
	}
	b := make([]byte, 0, len("windows.")+len(c))
	b = append(b, "windows."...)
	us := false
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case ch >= 'A' && ch <= 'Z':
			ch += 'a' - 'A'
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9':
		default:
			if !us && len(b) > len("windows.") {
				b = append(b, '_')
				us = true
			}
			continue
		}
		b = append(b, ch)
		us = false
	}
	return strings.TrimRight(string(b), "_")
}

// dataStr returns a Data item's text.
func dataStr(r *Record, name string) string {
	for i := range r.Data {
		if r.Data[i].Name == name {
			v := r.Data[i].Value
			if v.Type() == event.TypeString {
				return v.Str()
			}
			return v.Text()
		}
	}
	return ""
}

// dataInt returns a Data item as an integer (decimal or 0x-hex text).
func dataInt(r *Record, name string) (int64, bool) {
	for i := range r.Data {
		if r.Data[i].Name != name {
			continue
		}
		v := r.Data[i].Value
		if n, ok := v.Int(); ok {
			return n, true
		}
		s := strings.TrimSpace(v.Str())
		if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
			n, err := strconv.ParseInt(s[2:], 16, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// ipValue parses an address as Windows renders it ("::ffff:10.0.0.1",
// "-", "127.0.0.1"); ok is false for anything that is not an address.
func ipValue(s string) (event.Value, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" {
		return event.Value{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return event.Value{}, false
	}
	return event.IP(a), true
}
