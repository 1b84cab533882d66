// Package s3access decodes Amazon S3 server access logs, the format
// "s3access", in the field order AWS documents ("Amazon S3 server access
// log format"):
//
//	bucket_owner bucket [time] remote_ip requester request_id operation key
//	"request_uri" http_status error_code bytes_sent object_size total_time
//	turn_around_time "referer" "user_agent" version_id host_id
//	signature_version cipher_suite authentication_type host_header
//	tls_version access_point_arn acl_required [source_region]
//
// Older lines end after user_agent or version_id; fields AWS adds later are
// ignored. "-" means absent.
//
// ECS: @timestamp ([time]), event.kind event, event.category web,
// event.type access, event.action (operation, e.g. REST.GET.OBJECT),
// event.outcome by http_status, event.module aws, event.dataset
// aws.s3access, event.duration (total_time, ms → ns), source.ip
// (remote_ip), user.id (requester: a canonical user ID or an IAM ARN),
// http.request.method, url.original/path/query, http.version,
// http.response.status_code, http.response.body.bytes (bytes_sent),
// http.request.referrer, user_agent.original, tls.cipher, tls.version and
// tls.version_protocol, url.domain (host_header), cloud.provider aws,
// related.ip. Everything also under aws.s3access.* with AWS's names
// (bucket_owner, bucket, requester, request_id, operation, key, error_code,
// object_size, total_time, turn_around_time, version_id, host_id,
// signature_version, authentication_type, access_point_arn, acl_required,
// source_region).
//
// Errors (*parse.SyntaxError): fewer than the 17 fields up to user_agent, a
// bad [time], an unterminated quote, a non-numeric status.
package s3access

import (
	"strconv"
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Name is the format name.
const Name = "s3access"

// Format returns the s3access format.
func Format() parse.Format {
	return parse.Format{Name: Name, Description: "Amazon S3 server access logs", Detect: Detect, Decode: Decode}
}

const maxFields = 32

func split(s string, f *[maxFields]string) (n int, off int, msg string) {
	i := 0
	for n < maxFields {
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j >= len(s) {
			break
		}
		var ok bool
		f[n], i, ok = normalize.NextField(s, j)
		if !ok {
			return n, j, "unterminated quoted or bracketed field"
		}
		n++
	}
	return n, 0, ""
}

func isOwner(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Detect scores a record: 95 for a line starting with a 64-hex-digit
// canonical owner ID, a bucket name and a [CLF time], 0 otherwise.
func Detect(record []byte) int {
	s := string(record)
	owner, i, ok := normalize.NextField(s, 0)
	if !ok || !isOwner(owner) {
		return 0
	}
	_, i, ok = normalize.NextField(s, i)
	if !ok || i >= len(s) || strings.IndexByte(s[i:], '[') != 1 {
		return 0
	}
	tm, _, ok := normalize.NextField(s, i)
	if _, tok := normalize.ParseCLFTime(tm, nil); !ok || !tok {
		return 0
	}
	return 95
}

func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

func str(ev *event.Event, name, s string) {
	if s != "" && s != "-" {
		add(ev, name, event.String(s))
	}
}

// Decode decodes one S3 server access-log line.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	s := strings.TrimRight(string(record), " \r\n")
	if strings.TrimSpace(s) == "" {
		return parse.ErrEmpty
	}
	var f [maxFields]string
	n, off, msg := split(s, &f)
	if msg != "" {
		return &parse.SyntaxError{Format: Name, Offset: off, Msg: msg}
	}
	if n < 17 {
		return &parse.SyntaxError{Format: Name, Offset: len(s), Msg: "fewer than the 17 documented fields up to user_agent"}
	}
	t, ok := normalize.ParseCLFTime(f[2], nil)
	if !ok {
		return &parse.SyntaxError{Format: Name, Offset: max(strings.IndexByte(s, '['), 0), Msg: "bad [time] " + strconv.Quote(f[2])}
	}
	status, err := strconv.Atoi(f[9])
	if err != nil && f[9] != "-" {
		return &parse.SyntaxError{Format: Name, Offset: max(strings.Index(s, f[9]), 0), Msg: "bad http_status " + strconv.Quote(f[9])}
	}
	ev.Time = t.UnixNano()
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldCategory, event.Array(event.String("web")))
	add(ev, event.FieldType, event.Array(event.String("access")))
	add(ev, event.FieldModule, event.String("aws"))
	add(ev, event.FieldDataset, event.String("aws.s3access"))
	add(ev, "cloud.provider", event.String("aws"))
	str(ev, event.FieldAction, f[6])
	if err == nil {
		add(ev, "http.response.status_code", event.Int(int64(status)))
		if o := normalize.HTTPOutcome(int64(status)); o != "" {
			add(ev, event.FieldOutcome, event.String(o))
		}
	}
	if f[3] != "-" && !normalize.AppendIP(ev, event.FieldSourceIP, f[3]) {
		add(ev, "source.address", event.String(f[3]))
	}
	str(ev, "user.id", f[4])
	if !normalize.AppendHTTPRequest(ev, f[8]) {
		str(ev, "aws.s3access.request_uri", f[8])
	}
	normalize.AppendInt(ev, "http.response.body.bytes", f[11])
	if ms, err := strconv.ParseInt(f[13], 10, 64); err == nil {
		add(ev, "event.duration", event.Int(ms*1e6))
	}
	str(ev, "http.request.referrer", f[15])
	str(ev, "user_agent.original", f[16])
	names := [...]string{"aws.s3access.bucket_owner", "aws.s3access.bucket", "", "", "aws.s3access.requester",
		"aws.s3access.request_id", "aws.s3access.operation", "aws.s3access.key", "", "", "aws.s3access.error_code",
		"", "aws.s3access.object_size", "aws.s3access.total_time", "aws.s3access.turn_around_time", "", "",
		"aws.s3access.version_id", "aws.s3access.host_id", "aws.s3access.signature_version", "",
		"aws.s3access.authentication_type", "", "", "aws.s3access.access_point_arn", "aws.s3access.acl_required",
		"aws.s3access.source_region"}
	for k := 0; k < n && k < len(names); k++ {
		if names[k] == "" || f[k] == "-" || f[k] == "" {
			continue
		}
		switch k {
		case 12, 13, 14:
			normalize.AppendInt(ev, names[k], f[k])
		default:
			add(ev, names[k], event.String(f[k]))
		}
	}
	if n > 20 {
		str(ev, "tls.cipher", f[20])
	}
	if n > 22 {
		str(ev, "url.domain", f[22])
	}
	if n > 23 {
		if v, ok := strings.CutPrefix(strings.ToUpper(f[23]), "TLSV"); ok && v != "" {
			add(ev, "tls.version_protocol", event.String("tls"))
			add(ev, "tls.version", event.String(v))
		}
	}
	parse.SetCommon(ev, record, meta)
	return nil
}
