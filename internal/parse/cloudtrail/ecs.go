package cloudtrail

import (
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
)

// rec holds the record members the ECS mapping reads, noted while the
// fields are renamed (names are the record's own, without the prefix).
type rec struct {
	eventTime, eventSource, eventName, eventCategory, eventType string
	region, accountID, recipientAccountID                       string
	sourceIP, userAgent, errorCode                              string
	idType, idUserName, idArn, idPrincipalID, idInvokedBy       string
	consoleLogin, targetUser                                    string
	readOnly                                                    event.Value
}

func (r *rec) note(name string, v event.Value) {
	s := ""
	if v.Type() == event.TypeString || v.Type() == event.TypeIP {
		s = v.Str()
	}
	switch name {
	case "eventTime":
		r.eventTime = s
	case "eventSource":
		r.eventSource = s
	case "eventName":
		r.eventName = s
	case "eventCategory":
		r.eventCategory = s
	case "eventType":
		r.eventType = s
	case "awsRegion":
		r.region = s
	case "recipientAccountId":
		r.recipientAccountID = s
	case "sourceIPAddress":
		r.sourceIP = s
	case "userAgent":
		r.userAgent = s
	case "errorCode":
		r.errorCode = s
	case "readOnly":
		r.readOnly = v
	case "userIdentity.type":
		r.idType = s
	case "userIdentity.userName":
		r.idUserName = s
	case "userIdentity.arn":
		r.idArn = s
	case "userIdentity.principalId":
		r.idPrincipalID = s
	case "userIdentity.accountId":
		r.accountID = s
	case "userIdentity.invokedBy":
		r.idInvokedBy = s
	case "responseElements.ConsoleLogin":
		r.consoleLogin = s
	case "requestParameters.userName":
		r.targetUser = s
	}
}

// maxECSFields is the most fields ecs adds.
const maxECSFields = 20

// ecs sets the ECS fields of the record (maxECSFields at most).
func (r *rec) ecs(ev *event.Event) {
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldModule, event.String("aws"))
	add(ev, event.FieldDataset, event.String("aws.cloudtrail"))
	add(ev, "event.provider", event.String(r.eventSource))
	add(ev, event.FieldAction, event.String(r.eventName))
	add(ev, event.FieldOutcome, event.String(r.outcome()))
	cats, typ := r.categorize()
	add(ev, event.FieldCategory, cats)
	add(ev, event.FieldType, typeValue(typ))
	add(ev, "cloud.provider", event.String("aws"))
	if r.region != "" {
		add(ev, "cloud.region", event.String(r.region))
	}
	if acct := cmp(r.recipientAccountID, r.accountID); acct != "" {
		add(ev, "cloud.account.id", event.String(acct))
	}
	// related.ip, related.user and user.roles share one allocation. They
	// are built here as normalize.AddRelatedIP and AddRelatedUser would
	// build them (the record's own fields are all under Prefix).
	var arrs arrays
	if r.sourceIP != "" {
		add(ev, "source.address", event.String(r.sourceIP))
		if ip, ok := normalize.IPValue(r.sourceIP); ok {
			add(ev, event.FieldSourceIP, ip)
			add(ev, event.FieldRelatedIP, arrs.of(ip))
		}
	}
	if r.userAgent != "" {
		add(ev, "user_agent.original", event.String(r.userAgent))
	}
	name, target := r.userName(), ""
	if r.targetUser != "" && r.eventSource == "iam.amazonaws.com" {
		target = r.targetUser
	}
	if name != "" {
		add(ev, event.FieldUserName, event.String(name))
		if target != "" && target != name {
			add(ev, event.FieldRelatedUser, arrs.of(event.String(name), event.String(target)))
		} else {
			add(ev, event.FieldRelatedUser, arrs.of(event.String(name)))
		}
	}
	if r.idPrincipalID != "" {
		add(ev, "user.id", event.String(r.idPrincipalID))
	}
	if r.idType == "AssumedRole" {
		if role := roleName(r.idArn); role != "" {
			add(ev, "user.roles", arrs.of(event.String(role)))
		}
	}
	if target != "" {
		add(ev, "user.target.name", event.String(target))
		if name == "" {
			add(ev, event.FieldRelatedUser, arrs.of(event.String(target)))
		}
	}
}

// arrays hands out the small array values of one event from one backing
// array. Each value's slice is capped at its length, so the values stay
// independent.
type arrays struct{ buf []event.Value }

func (a *arrays) of(vs ...event.Value) event.Value {
	if cap(a.buf)-len(a.buf) < len(vs) {
		a.buf = make([]event.Value, 0, max(4, len(vs)))
	}
	i := len(a.buf)
	a.buf = append(a.buf, vs...)
	return event.Array(a.buf[i:len(a.buf):len(a.buf)]...)
}

// Shared category and type values (values are immutable).
var (
	catAuthentication = event.Array(event.String("authentication"))
	catIAM            = event.Array(event.String("iam"))
	catFile           = event.Array(event.String("file"))
	catAPI            = event.Array(event.String("api"))
	catNetworkConfig  = event.Array(event.String("network"), event.String("configuration"))
	catAPIConfig      = event.Array(event.String("api"), event.String("configuration"))
	typeValues        = func() map[string]event.Value {
		m := make(map[string]event.Value)
		for _, t := range [...]string{"access", "creation", "deletion", "change", "info", "start", "user", "group"} {
			m[t] = event.Array(event.String(t))
		}
		return m
	}()
)

// typeValue returns event.type for typ: one of the shared values.
func typeValue(typ string) event.Value {
	if v, ok := typeValues[typ]; ok {
		return v
	}
	return event.Array(event.String(typ))
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// outcome: ConsoleLogin reports its own result; otherwise an errorCode means
// failure.
func (r *rec) outcome() string {
	if r.eventName == "ConsoleLogin" && r.consoleLogin != "" {
		if r.consoleLogin == "Success" {
			return "success"
		}
		return "failure"
	}
	if r.errorCode != "" && r.errorCode != "Success" {
		return "failure"
	}
	return "success"
}

// userName is userIdentity.userName, else the last part of the ARN: the
// session name of an assumed role, the user of a federated user, "root".
func (r *rec) userName() string {
	if r.idUserName != "" {
		return r.idUserName
	}
	arn := r.idArn
	if arn == "" {
		return ""
	}
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return ""
}

// roleName returns Role of arn:aws:sts::acct:assumed-role/Role/Session.
func roleName(arn string) string {
	const marker = ":assumed-role/"
	i := strings.Index(arn, marker)
	if i < 0 {
		return ""
	}
	rest := arn[i+len(marker):]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		return rest[:j]
	}
	return rest
}

// verbs maps API name prefixes to ECS event.type.
var verbs = [...]struct{ prefix, typ string }{
	{"Get", "access"}, {"List", "access"}, {"Describe", "access"}, {"Head", "access"}, {"Lookup", "access"},
	{"Search", "access"}, {"Select", "access"}, {"Scan", "access"}, {"Query", "access"}, {"BatchGet", "access"},
	{"Download", "access"}, {"Check", "access"},
	{"Create", "creation"}, {"Run", "creation"}, {"Import", "creation"}, {"Allocate", "creation"},
	{"Register", "creation"}, {"Copy", "creation"}, {"Upload", "creation"}, {"Issue", "creation"},
	{"CompleteMultipartUpload", "creation"},
	{"Delete", "deletion"}, {"BatchDelete", "deletion"}, {"Remove", "deletion"}, {"Terminate", "deletion"},
	{"Deregister", "deletion"}, {"Release", "deletion"}, {"Purge", "deletion"},
	{"Put", "change"}, {"Update", "change"}, {"Modify", "change"}, {"Set", "change"}, {"Attach", "change"},
	{"Detach", "change"}, {"Associate", "change"}, {"Disassociate", "change"}, {"Enable", "change"},
	{"Disable", "change"}, {"Stop", "change"}, {"Start", "change"}, {"Reboot", "change"}, {"Change", "change"},
	{"Tag", "change"}, {"Untag", "change"}, {"Reset", "change"}, {"Restore", "change"}, {"Replace", "change"},
	{"Authorize", "change"}, {"Revoke", "change"}, {"Add", "change"}, {"Apply", "change"}, {"Accept", "change"},
	{"Reject", "change"}, {"Cancel", "change"}, {"Rotate", "change"}, {"Upgrade", "change"},
}

func verbType(name string) string {
	for _, v := range verbs {
		if strings.HasPrefix(name, v.prefix) {
			return v.typ
		}
	}
	return "info"
}

// iamSources are the services whose API calls are identity and access
// management.
var iamSources = map[string]bool{
	"iam.amazonaws.com": true, "sso.amazonaws.com": true, "sso-directory.amazonaws.com": true,
	"identitystore.amazonaws.com": true, "access-analyzer.amazonaws.com": true,
}

// ec2Network are EC2 API name fragments that change the network.
var ec2Network = [...]string{"SecurityGroup", "NetworkAcl", "Vpc", "Subnet", "Route", "InternetGateway",
	"NatGateway", "FlowLogs", "NetworkInterface", "TransitGateway", "VpnConnection", "VpnGateway"}

// categorize returns event.category (an array) and event.type for the
// record:
//   - signin ConsoleLogin (and other sign-in calls), STS AssumeRole* and
//     Get*Token: authentication (type start for logins and role
//     assumptions, info otherwise);
//   - IAM, IAM Identity Center and Identity Store: iam (type user or group
//     when the call names one, else creation/deletion/change/info);
//   - S3 data events (eventCategory Data, or object-level calls): file;
//   - EC2 calls on security groups, ACLs, VPCs, routes …: network and
//     configuration;
//   - any other call: api, plus configuration when it changes something.
func (r *rec) categorize() (event.Value, string) {
	src, name := r.eventSource, r.eventName
	typ := verbType(name)
	if typ == "info" {
		if ro, ok := r.readOnly.Bool(); ok && ro {
			typ = "access"
		}
	}
	switch {
	case src == "signin.amazonaws.com":
		if name == "ConsoleLogin" || strings.HasPrefix(name, "SwitchRole") {
			return catAuthentication, "start"
		}
		return catAuthentication, "info"
	case src == "sts.amazonaws.com" && (strings.HasPrefix(name, "AssumeRole") || name == "GetSessionToken" || name == "GetFederationToken"):
		return catAuthentication, "start"
	case iamSources[src]:
		switch {
		case typ == "access":
			typ = "info"
		case strings.Contains(name, "Group") && (typ == "creation" || typ == "deletion"):
			typ = "group"
		case strings.Contains(name, "User") && (typ == "creation" || typ == "deletion"):
			typ = "user"
		}
		return catIAM, typ
	case src == "s3.amazonaws.com" && (r.eventCategory == "Data" || strings.Contains(name, "Object") ||
		strings.Contains(name, "MultipartUpload") || name == "UploadPart" || name == "UploadPartCopy"):
		if typ == "info" {
			typ = "access"
		}
		return catFile, typ
	case src == "ec2.amazonaws.com" && typ != "access" && typ != "info" && containsAny(name, ec2Network[:]):
		return catNetworkConfig, typ
	}
	if typ == "creation" || typ == "deletion" || typ == "change" {
		return catAPIConfig, typ
	}
	return catAPI, typ
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
