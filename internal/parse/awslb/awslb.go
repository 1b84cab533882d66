// Package awslb decodes AWS Elastic Load Balancing access logs: the format
// "alb" (Application Load Balancer) and the format "elb" (Classic Load
// Balancer), in the field orders AWS documents ("Access logs for your
// Application Load Balancer", "Access logs for your Classic Load
// Balancer"):
//
//	alb: type time elb client:port target:port request_processing_time
//	     target_processing_time response_processing_time elb_status_code
//	     target_status_code received_bytes sent_bytes "request" "user_agent"
//	     ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
//	     "chosen_cert_arn" matched_rule_priority request_creation_time
//	     "actions_executed" "redirect_url" "error_reason" "target:port_list"
//	     "target_status_code_list" "classification" "classification_reason"
//	     conn_trace_id
//	elb: time elb client:port backend:port request_processing_time
//	     backend_processing_time response_processing_time elb_status_code
//	     backend_status_code received_bytes sent_bytes "request" "user_agent"
//	     ssl_cipher ssl_protocol
//
// ALB lines may end early (older lines lack the later fields) and may carry
// fields AWS adds later (ignored). "-" means absent.
//
// ECS: @timestamp (time), event.kind event, event.category web, event.type
// access, event.outcome by the load balancer's status (success below 400),
// event.module aws, event.dataset aws.elb; source.ip/port (client),
// destination.ip/port (target or backend), http.request.method,
// url.original/path/query, http.version, http.response.status_code (the
// load balancer's), http.request.bytes, http.response.bytes,
// user_agent.original, tls.cipher, tls.version and tls.version_protocol,
// url.domain (domain_name), related.ip, cloud.provider aws. The rest under
// aws.elb.*: type (alb's connection type, "classic" for elb), name,
// target_port / backend_port, backend.http.response.status_code,
// request_processing_time.sec, backend_processing_time.sec,
// response_processing_time.sec (floats; -1 when the load balancer could not
// send or receive), target_group.arn, trace_id, chosen_cert.arn,
// matched_rule_priority, request_creation_time, action_executed (array),
// redirect_url, error.reason, target_port_list, target_status_code_list,
// classification, classification_reason, conn_trace_id.
//
// Errors (*parse.SyntaxError): fewer fields than up to the user agent, an
// unterminated quote, a bad time or a non-numeric status or byte count.
package awslb

import (
	"strconv"
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Format names.
const (
	ALB = "alb"
	ELB = "elb"
)

// ALBFormat returns the alb format.
func ALBFormat() parse.Format {
	return parse.Format{Name: ALB, Description: "AWS Application Load Balancer access logs",
		Detect: DetectALB, Decode: DecodeALB}
}

// ELBFormat returns the elb format.
func ELBFormat() parse.Format {
	return parse.Format{Name: ELB, Description: "AWS Classic Load Balancer access logs",
		Detect: DetectELB, Decode: DecodeELB}
}

// maxFields bounds the fields read from one line.
const maxFields = 40

var albTypes = map[string]bool{"http": true, "https": true, "h2": true, "grpcs": true, "ws": true, "wss": true}

func split(s string, f *[maxFields]string) (n int, off int, msg string) {
	i := 0
	for n < maxFields {
		j := skip(s, i)
		if j >= len(s) {
			break
		}
		var ok bool
		f[n], i, ok = normalize.NextField(s, j)
		if !ok {
			return n, j, "unterminated quoted field"
		}
		if s[j] == '"' && i < len(s) && s[i] != ' ' {
			return n, i, "quoted field not followed by a space"
		}
		n++
	}
	return n, 0, ""
}

func skip(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// DetectALB scores a record: 90 for a line that starts with an ALB
// connection type, an RFC 3339 time and "app/…", 0 otherwise.
func DetectALB(record []byte) int {
	s := string(record)
	typ, i, ok := normalize.NextField(s, 0)
	if !ok || !albTypes[typ] {
		return 0
	}
	tm, i, ok := normalize.NextField(s, i)
	if _, tok := normalize.ParseTimestamp(tm, nil); !ok || !tok {
		return 0
	}
	name, _, ok := normalize.NextField(s, i)
	if !ok || !strings.HasPrefix(name, "app/") {
		return 0
	}
	return 90
}

// DetectELB scores a record: 90 for a line that starts with an RFC 3339
// time, a name and a client ip:port and has a quoted request as its 12th
// field, 0 otherwise.
func DetectELB(record []byte) int {
	s := string(record)
	if len(s) < 30 || s[0] < '0' || s[0] > '9' {
		return 0
	}
	var f [maxFields]string
	n, _, msg := split(s, &f)
	if msg != "" || n < 13 || n > 15 {
		return 0
	}
	if _, ok := normalize.ParseTimestamp(f[0], nil); !ok {
		return 0
	}
	if _, _, ok := normalize.SplitHostPort(f[2]); !ok {
		return 0
	}
	if !strings.Contains(s, ` "`) || !validInt(f[7]) || !validInt(f[9]) {
		return 0
	}
	return 90
}

func validInt(s string) bool {
	if s == "-" {
		return true
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// DecodeALB decodes one ALB access-log line.
func DecodeALB(record []byte, meta *parse.Meta, ev *event.Event) error {
	return decode(ALB, record, meta, ev)
}

// DecodeELB decodes one Classic Load Balancer access-log line.
func DecodeELB(record []byte, meta *parse.Meta, ev *event.Event) error {
	return decode(ELB, record, meta, ev)
}

func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

func str(ev *event.Event, name, s string) {
	if s != "" && s != "-" {
		add(ev, name, event.String(s))
	}
}

func float(ev *event.Event, name, s string) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		add(ev, name, event.Float(f))
	}
}

func decode(format string, record []byte, meta *parse.Meta, ev *event.Event) error {
	s := strings.TrimRight(string(record), " \r\n")
	if strings.TrimSpace(s) == "" {
		return parse.ErrEmpty
	}
	var f [maxFields]string
	n, off, msg := split(s, &f)
	if msg != "" {
		return &parse.SyntaxError{Format: format, Offset: off, Msg: msg}
	}
	fs := f[:n]
	typ := "classic"
	if format == ALB {
		if n == 0 || !albTypes[fs[0]] {
			return &parse.SyntaxError{Format: format, Offset: 0, Msg: "no connection type (http, https, h2, grpcs, ws, wss)"}
		}
		typ, fs = fs[0], fs[1:]
	}
	// fs: time elb client target rpt tpt rspt status tstatus rbytes sbytes request agent [cipher protocol …]
	if len(fs) < 13 {
		return &parse.SyntaxError{Format: format, Offset: len(s), Msg: "fewer fields than the documented 13 up to the user agent"}
	}
	t, ok := normalize.ParseTimestamp(fs[0], nil)
	if !ok {
		return &parse.SyntaxError{Format: format, Offset: max(strings.Index(s, fs[0]), 0), Msg: "bad time " + strconv.Quote(fs[0])}
	}
	for _, k := range [...]int{7, 8, 9, 10} {
		if !validInt(fs[k]) {
			return &parse.SyntaxError{Format: format, Offset: max(strings.Index(s, fs[k]), 0), Msg: "not a number: " + strconv.Quote(fs[k])}
		}
	}
	ev.Time = t.UnixNano()
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldCategory, event.Array(event.String("web")))
	add(ev, event.FieldType, event.Array(event.String("access")))
	add(ev, event.FieldModule, event.String("aws"))
	add(ev, event.FieldDataset, event.String("aws.elb"))
	add(ev, "cloud.provider", event.String("aws"))
	add(ev, "aws.elb.type", event.String(typ))
	str(ev, "aws.elb.name", fs[1])
	normalize.AppendEndpoint(ev, "source", fs[2])
	normalize.AppendEndpoint(ev, "destination", fs[3])
	float(ev, "aws.elb.request_processing_time.sec", fs[4])
	float(ev, "aws.elb.backend_processing_time.sec", fs[5])
	float(ev, "aws.elb.response_processing_time.sec", fs[6])
	if code, ok := normalize.AppendInt(ev, "http.response.status_code", fs[7]); ok {
		if o := normalize.HTTPOutcome(code); o != "" {
			add(ev, event.FieldOutcome, event.String(o))
		}
	}
	normalize.AppendInt(ev, "aws.elb.backend.http.response.status_code", fs[8])
	normalize.AppendInt(ev, "http.request.bytes", fs[9])
	normalize.AppendInt(ev, "http.response.bytes", fs[10])
	if !normalize.AppendHTTPRequest(ev, fs[11]) {
		str(ev, "aws.elb.request", fs[11])
	}
	str(ev, "user_agent.original", fs[12])
	if len(fs) > 13 {
		str(ev, "tls.cipher", fs[13])
	}
	if len(fs) > 14 && fs[14] != "-" {
		p := fs[14]
		if v, ok := strings.CutPrefix(p, "TLSv"); ok {
			add(ev, "tls.version_protocol", event.String("tls"))
			add(ev, "tls.version", event.String(v))
		} else {
			str(ev, "aws.elb.ssl_protocol", p)
		}
	}
	if format == ALB {
		rest := fs[min(15, len(fs)):]
		names := [...]string{"aws.elb.target_group.arn", "aws.elb.trace_id", "url.domain", "aws.elb.chosen_cert.arn",
			"aws.elb.matched_rule_priority", "aws.elb.request_creation_time", "aws.elb.action_executed",
			"aws.elb.redirect_url", "aws.elb.error.reason", "aws.elb.target_port_list",
			"aws.elb.target_status_code_list", "aws.elb.classification", "aws.elb.classification_reason",
			"aws.elb.conn_trace_id"}
		for k, v := range rest {
			if k >= len(names) || v == "-" || v == "" {
				continue
			}
			switch names[k] {
			case "aws.elb.action_executed", "aws.elb.target_port_list", "aws.elb.target_status_code_list":
				parts := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
				vs := make([]event.Value, len(parts))
				for i, p := range parts {
					vs[i] = event.String(p)
				}
				if len(vs) > 0 {
					add(ev, names[k], event.Array(vs...))
				}
			case "aws.elb.request_creation_time":
				if t, ok := normalize.ParseTimestamp(v, nil); ok {
					add(ev, names[k], event.Time(t))
				}
			default:
				add(ev, names[k], event.String(v))
			}
		}
	}
	parse.SetCommon(ev, record, meta)
	return nil
}
