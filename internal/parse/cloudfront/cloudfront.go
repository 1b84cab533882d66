// Package cloudfront decodes Amazon CloudFront standard (access) logs, the
// format "cloudfront": W3C extended log files, tab-separated, with
// "#Version:" and "#Fields:" header lines. The documented default field
// order ("Standard logging reference", 33 fields) is
//
//	date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem
//	sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie)
//	x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes
//	time-taken x-forwarded-for ssl-protocol ssl-cipher
//	x-edge-response-result-type cs-protocol-version fle-status
//	fle-encrypted-fields c-port time-to-first-byte
//	x-edge-detailed-result-type sc-content-type sc-content-len
//	sc-range-start sc-range-end
//
// DecodeAll (whole files, as `shoseki ingest` sends them) follows the
// file's own "#Fields:" line, so logs with a custom field selection decode
// too; Decode, which sees one line, uses the default order, and skips
// header lines (parse.ErrEmpty). "-" means absent. cs(User-Agent),
// cs(Referer) and cs(Cookie) are URL-encoded by CloudFront and are decoded.
//
// ECS: @timestamp (date and time, UTC), event.kind event, event.category
// web, event.type access, event.outcome by sc-status, event.module aws,
// event.dataset aws.cloudfront, event.duration (time-taken), source.ip and
// source.port (c-ip, c-port), http.request.method, url.path (cs-uri-stem),
// url.query, url.original (path?query), url.domain (x-host-header, the
// Host the viewer sent), url.scheme (cs-protocol), http.version,
// http.response.status_code, http.response.bytes (sc-bytes),
// http.request.bytes (cs-bytes), http.request.referrer,
// user_agent.original, tls.version and tls.version_protocol, tls.cipher,
// http.response.mime_type, cloud.provider aws, related.ip. Every field
// also under aws.cloudfront.<W3C name> (e.g.
// aws.cloudfront.x-edge-location, aws.cloudfront.cs(Host)).
//
// Errors (*parse.SyntaxError): fewer fields than the header names, or a
// bad date/time.
package cloudfront

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Name is the format name.
const Name = "cloudfront"

// Format returns the cloudfront format.
func Format() parse.Format {
	return parse.Format{Name: Name, Description: "Amazon CloudFront standard logs (W3C, tab-separated, #Fields)",
		Detect: Detect, Decode: Decode, DecodeAll: DecodeAll}
}

// DefaultFields is the documented field order.
var DefaultFields = strings.Fields(`date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem
	sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id
	x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher
	x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte
	x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end`)

// maxFields bounds the fields of one line or header.
const maxFields = 64

// prefixed holds aws.cloudfront.<name> for the known names.
var prefixed = func() map[string]string {
	m := map[string]string{}
	for _, n := range DefaultFields {
		m[n] = "aws.cloudfront." + n
	}
	return m
}()

// Detect scores a record (or the first bytes of a file): 99 for a
// "#Fields:" line naming x-edge-location, 95 for a tab-separated line
// starting with a date, a time and an edge location, 60 for "#Version:
// 1.0" (W3C, which IIS writes too), 0 otherwise.
func Detect(record []byte) int {
	switch {
	case bytes.HasPrefix(record, []byte("#Fields:")) && bytes.Contains(record, []byte("x-edge-location")):
		return 99
	case bytes.HasPrefix(record, []byte("#Version: 1.0")):
		if bytes.Contains(record, []byte("x-edge-location")) {
			return 99
		}
		return 60
	}
	s := string(record)
	if len(s) < 30 || strings.Count(s, "\t") < 10 {
		return 0
	}
	date, rest, _ := strings.Cut(s, "\t")
	tm, rest, _ := strings.Cut(rest, "\t")
	edge, _, _ := strings.Cut(rest, "\t")
	if _, ok := normalize.ParseTimestamp(date+"T"+tm+"Z", nil); !ok || len(edge) < 3 || len(edge) > 16 {
		return 0
	}
	return 95
}

// Decode decodes one data line in the default field order; header lines
// give parse.ErrEmpty.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	if len(bytes.TrimSpace(record)) == 0 || record[0] == '#' {
		return parse.ErrEmpty
	}
	return decode(record, DefaultFields, meta, ev)
}

// DecodeAll decodes a whole log file, following its "#Fields:" lines.
// Lines that do not decode are emitted as pipeline_error events.
func DecodeAll(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
	fields := DefaultFields
	for len(data) > 0 {
		line := data
		if k := bytes.IndexByte(data, '\n'); k >= 0 {
			line, data = data[:k], data[k+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if h, ok := bytes.CutPrefix(line, []byte("#Fields:")); ok {
			fs := strings.Fields(string(h))
			if len(fs) > 0 && len(fs) <= maxFields {
				fields = fs
			}
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 || line[0] == '#' {
			continue
		}
		ev := new(event.Event)
		if err := decode(line, fields, meta, ev); err != nil {
			created := time.Now()
			if meta != nil && !meta.Received.IsZero() {
				created = meta.Received
			}
			ev = event.NewPipelineError(line, err.Error(), created)
		}
		if err := emit(ev); err != nil {
			return err
		}
	}
	return nil
}

func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}

func decode(record []byte, names []string, meta *parse.Meta, ev *event.Event) error {
	s := strings.TrimRight(string(record), "\r\n")
	var vals [maxFields]string
	n := 0
	for rest := s; n < maxFields; n++ {
		v, r, more := strings.Cut(rest, "\t")
		vals[n] = v
		rest = r
		if !more {
			n++
			break
		}
	}
	if n < len(names) {
		return &parse.SyntaxError{Format: Name, Offset: len(s),
			Msg: "line has " + strconv.Itoa(n) + " fields, the header names " + strconv.Itoa(len(names))}
	}
	var date, tm, stem, query string
	var status int64 = -1
	base := len(ev.Fields)
	for k, name := range names {
		v := vals[k]
		if v == "-" || v == "" {
			continue
		}
		switch name {
		case "date":
			date = v
		case "time":
			tm = v
		case "c-ip":
			normalize.AppendIP(ev, event.FieldSourceIP, v)
		case "c-port":
			normalize.AppendInt(ev, "source.port", v)
		case "cs-method":
			add(ev, "http.request.method", event.String(v))
		case "cs-uri-stem":
			stem = v
		case "cs-uri-query":
			query = v
		case "sc-status":
			status, _ = normalize.AppendInt(ev, "http.response.status_code", v)
		case "sc-bytes":
			normalize.AppendInt(ev, "http.response.bytes", v)
		case "cs-bytes":
			normalize.AppendInt(ev, "http.request.bytes", v)
		case "cs(Referer)":
			add(ev, "http.request.referrer", event.String(unescape(v)))
		case "cs(User-Agent)":
			add(ev, "user_agent.original", event.String(unescape(v)))
		case "x-host-header":
			add(ev, "url.domain", event.String(v))
		case "cs-protocol":
			add(ev, "url.scheme", event.String(v))
		case "cs-protocol-version":
			add(ev, "http.version", event.String(strings.TrimPrefix(v, "HTTP/")))
		case "ssl-protocol":
			if ver, ok := strings.CutPrefix(v, "TLSv"); ok {
				add(ev, "tls.version_protocol", event.String("tls"))
				add(ev, "tls.version", event.String(ver))
			}
		case "ssl-cipher":
			add(ev, "tls.cipher", event.String(v))
		case "sc-content-type":
			add(ev, "http.response.mime_type", event.String(v))
		case "time-taken":
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f < 1e9 {
				add(ev, "event.duration", event.Int(int64(f*1e9)))
			}
		}
		full, ok := prefixed[name]
		if !ok {
			if strings.HasPrefix(name, "aws.") || len(name) > 64 {
				continue
			}
			full = "aws.cloudfront." + name
		}
		if name == "cs(User-Agent)" || name == "cs(Referer)" || name == "cs(Cookie)" {
			v = unescape(v)
		}
		add(ev, full, event.String(v))
	}
	t, ok := normalize.ParseTimestamp(date+"T"+tm+"Z", nil)
	if !ok {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: "bad date and time " + strconv.Quote(date+" "+tm)}
	}
	ev.Time = t.UnixNano()
	if stem != "" {
		add(ev, "url.path", event.String(stem))
		orig := stem
		if query != "" {
			orig += "?" + query
			add(ev, "url.query", event.String(query))
		}
		add(ev, "url.original", event.String(orig))
	}
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldCategory, event.Array(event.String("web")))
	add(ev, event.FieldType, event.Array(event.String("access")))
	add(ev, event.FieldModule, event.String("aws"))
	add(ev, event.FieldDataset, event.String("aws.cloudfront"))
	add(ev, "cloud.provider", event.String("aws"))
	if o := normalize.HTTPOutcome(status); o != "" {
		add(ev, event.FieldOutcome, event.String(o))
	}
	parse.SetCommon(ev, record, meta)
	return nil
}
