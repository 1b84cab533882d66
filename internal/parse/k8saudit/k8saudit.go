// Package k8saudit decodes Kubernetes API server audit events, the format
// "k8s-audit": one audit.k8s.io Event object per line, as the log backend
// writes them (--audit-log-path) and as webhook backends forward them.
//
// The whole event is kept flattened with dots under kubernetes.audit.*
// with its own member names (kubernetes.audit.verb,
// kubernetes.audit.objectRef.resource, kubernetes.audit.user.username,
// kubernetes.audit.responseStatus.code …), the way jsonl flattens JSON.
//
// ECS: @timestamp (requestReceivedTimestamp, else stageTimestamp),
// event.kind event, event.module kubernetes, event.dataset
// kubernetes.audit, event.action (verb), event.category (iam for RBAC
// objects and service accounts, configuration for other changes, api for
// reads), event.type (creation, deletion, change, access), event.outcome
// (responseStatus.code below 400: success, else failure; absent before
// ResponseComplete), user.name (user.username), user.group.name (groups),
// user.effective.name (impersonatedUser.username), source.ip (the first of
// sourceIPs; all go to related.ip), user_agent.original, url.original
// (requestURI), http.request.method is not set (verbs are not HTTP
// methods), http.response.status_code, orchestrator.type kubernetes,
// orchestrator.namespace, orchestrator.resource.type (resource, with
// "/subresource"), orchestrator.resource.name, orchestrator.api_version,
// related.user.
//
// Errors: a line that is not a JSON object, or lacks kind "Event" of
// apiVersion audit.k8s.io, is a *parse.SyntaxError.
package k8saudit

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/jsonl"
)

// Name is the format name.
const Name = "k8s-audit"

// Prefix is the namespace of the event's own fields.
const Prefix = "kubernetes.audit."

// Format returns the k8s-audit format.
func Format() parse.Format {
	return parse.Format{Name: Name, Description: "Kubernetes API server audit events (audit.k8s.io, JSON lines)",
		Detect: Detect, Decode: Decode}
}

// Detect scores a record: 99 for a JSON object naming apiVersion
// audit.k8s.io and an auditID, 0 otherwise.
func Detect(record []byte) int {
	b := bytes.TrimLeft(record, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return 0
	}
	if bytes.Contains(b, []byte(`"audit.k8s.io/`)) && bytes.Contains(b, []byte(`"auditID"`)) {
		return 99
	}
	return 0
}

// names interns the prefixed names of the common members.
var names = func() map[string]string {
	m := map[string]string{}
	for _, n := range strings.Fields(`kind apiVersion level auditID stage requestURI verb user.username user.uid
		user.groups user.extra sourceIPs userAgent objectRef.resource objectRef.namespace objectRef.name
		objectRef.apiVersion objectRef.apiGroup objectRef.subresource objectRef.uid objectRef.resourceVersion
		responseStatus.code responseStatus.status responseStatus.reason responseStatus.message
		responseStatus.metadata requestReceivedTimestamp stageTimestamp annotations.authorization.k8s.io/decision
		annotations.authorization.k8s.io/reason impersonatedUser.username impersonatedUser.groups`) {
		m[n] = Prefix + n
	}
	return m
}()

func prefixed(n string) string {
	if p, ok := names[n]; ok {
		return p
	}
	return Prefix + n
}

func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

// Decode decodes one audit event.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	base := len(ev.Fields)
	if err := jsonl.Decode(record, meta, ev); err != nil {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		var se *parse.SyntaxError
		if errors.As(err, &se) {
			return &parse.SyntaxError{Format: Name, Offset: se.Offset, Msg: se.Msg}
		}
		return err
	}
	var kind, apiVersion, verb, username, effective, received, stage, resource, sub, uri string
	var code int64 = -1
	var groups, sourceIPs event.Value
	// out rewrites ev.Fields in place, so it must never grow faster than
	// the loop reads: the ECS copies go to extra and are appended after.
	var extra [3]event.Field
	nextra := 0
	out := ev.Fields[:base]
	for _, f := range ev.Fields[base:] {
		s := f.Value.Str()
		switch f.Name {
		case event.FieldCreated, event.FieldOriginal:
			continue
		case "kind":
			kind = s
		case "apiVersion":
			apiVersion = s
		case "verb":
			verb = s
		case "user.username":
			username = s
		case "impersonatedUser.username":
			effective = s
		case "user.groups":
			groups = f.Value
		case "sourceIPs":
			sourceIPs = f.Value
		case "requestReceivedTimestamp":
			received = s
		case "stageTimestamp":
			stage = s
		case "objectRef.resource":
			resource = s
		case "objectRef.subresource":
			sub = s
		case "requestURI":
			uri = s
		case "responseStatus.code":
			if n, ok := f.Value.Int(); ok && f.Value.Type() == event.TypeInt {
				code = n
			}
		case "objectRef.namespace":
			extra[nextra] = event.Field{Name: "orchestrator.namespace", Value: f.Value}
			nextra++
		case "objectRef.name":
			extra[nextra] = event.Field{Name: "orchestrator.resource.name", Value: f.Value}
			nextra++
		case "objectRef.apiVersion":
			extra[nextra] = event.Field{Name: "orchestrator.api_version", Value: f.Value}
			nextra++
		}
		f.Name = prefixed(f.Name)
		out = append(out, f)
	}
	clear(ev.Fields[len(out):])
	ev.Fields = append(out, extra[:nextra]...)
	if kind != "Event" || !strings.HasPrefix(apiVersion, "audit.k8s.io/") {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: `not an audit event: no kind "Event" of apiVersion audit.k8s.io`}
	}
	if t, ok := normalize.ParseTimestamp(received, time.UTC); ok {
		ev.Time = t.UnixNano()
	} else if t, ok := normalize.ParseTimestamp(stage, time.UTC); ok {
		ev.Time = t.UnixNano()
	}
	parse.SetCommon(ev, record, meta)
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldModule, event.String("kubernetes"))
	add(ev, event.FieldDataset, event.String("kubernetes.audit"))
	add(ev, "orchestrator.type", event.String("kubernetes"))
	if verb != "" {
		add(ev, event.FieldAction, event.String(verb))
	}
	cat, typ := categorize(verb, resource)
	add(ev, event.FieldCategory, event.Array(event.String(cat)))
	add(ev, event.FieldType, event.Array(event.String(typ)))
	if code >= 0 {
		add(ev, "http.response.status_code", event.Int(code))
		if code < 400 {
			add(ev, event.FieldOutcome, event.String("success"))
		} else {
			add(ev, event.FieldOutcome, event.String("failure"))
		}
	}
	if resource != "" {
		r := resource
		if sub != "" {
			r += "/" + sub
		}
		add(ev, "orchestrator.resource.type", event.String(r))
	}
	if uri != "" {
		add(ev, "url.original", event.String(uri))
	}
	if username != "" {
		add(ev, event.FieldUserName, event.String(username))
		normalize.AddRelatedUser(ev, username)
	}
	if effective != "" {
		add(ev, "user.effective.name", event.String(effective))
		normalize.AddRelatedUser(ev, effective)
	}
	if !groups.IsNull() {
		add(ev, "user.group.name", groups)
	}
	ips := sourceIPs.Elems()
	if sourceIPs.Type() != event.TypeArray && !sourceIPs.IsNull() {
		ips = []event.Value{sourceIPs}
	}
	first := true
	for _, v := range ips {
		ip, ok := normalize.IPValue(v.Str())
		if !ok {
			continue
		}
		if first {
			add(ev, event.FieldSourceIP, ip)
			first = false
		}
		normalize.AddRelatedIP(ev, ip)
	}
	return nil
}

// categorize maps a verb and resource to event.category and event.type.
func categorize(verb, resource string) (string, string) {
	typ := "info"
	switch verb {
	case "create":
		typ = "creation"
	case "delete", "deletecollection":
		typ = "deletion"
	case "update", "patch", "bind", "escalate", "impersonate", "approve":
		typ = "change"
	case "get", "list", "watch":
		typ = "access"
	}
	switch resource {
	case "roles", "rolebindings", "clusterroles", "clusterrolebindings", "serviceaccounts",
		"certificatesigningrequests", "tokenreviews", "subjectaccessreviews":
		if typ == "access" {
			typ = "info"
		}
		return "iam", typ
	}
	if typ == "creation" || typ == "deletion" || typ == "change" {
		return "configuration", typ
	}
	return "api", typ
}
