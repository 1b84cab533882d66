package weblog

import (
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Format names.
const (
	Apache = "apache"
	Nginx  = "nginx"
)

// ApacheFormat returns the apache format: access logs (common, combined,
// vhost_common, vhost_combined) and the error log.
func ApacheFormat() parse.Format {
	return parse.Format{
		Name:        Apache,
		Description: "Apache httpd access logs (common, combined, vhost variants) and error log",
		Detect:      DetectApache,
		Decode:      DecodeApache,
	}
}

// NginxFormat returns the nginx format: access logs (the combined format
// and its common and vhost variants) and the error log.
func NginxFormat() parse.Format {
	return parse.Format{
		Name:        Nginx,
		Description: "nginx access logs (combined and variants) and error log",
		Detect:      DetectNginx,
		Decode:      DecodeNginx,
	}
}

// DetectApache scores a record: 80 for an access-log line (common,
// combined or a vhost variant, with nothing but quoted fields after the
// byte count), 85 for an Apache error-log line, 0 otherwise.
func DetectApache(record []byte) int {
	s := string(record)
	if isApacheError(s) {
		return 85
	}
	if detectAccess(s) {
		return 80
	}
	return 0
}

// DetectNginx scores a record: 85 for an nginx error-log line, 0 otherwise.
// Access-log lines are the same for Apache and nginx, so they are left to
// the apache format (select nginx explicitly to label them nginx.access).
func DetectNginx(record []byte) int {
	if isNginxError(string(record)) {
		return 85
	}
	return 0
}

// DecodeApache decodes an Apache access-log or error-log line.
func DecodeApache(record []byte, meta *parse.Meta, ev *event.Event) error {
	return decode(Apache, record, meta, ev)
}

// DecodeNginx decodes an nginx access-log or error-log line.
func DecodeNginx(record []byte, meta *parse.Meta, ev *event.Event) error {
	return decode(Nginx, record, meta, ev)
}

func decode(module string, record []byte, meta *parse.Meta, ev *event.Event) error {
	s := strings.TrimRight(string(record), " \t\r\n")
	if strings.TrimSpace(s) == "" {
		return parse.ErrEmpty
	}
	base := len(ev.Fields)
	var err *parse.SyntaxError
	switch {
	case module == Apache && len(s) > 0 && s[0] == '[':
		err = appendApacheError(ev, s, meta.Loc())
	case module == Nginx && isNginxError(s):
		err = appendNginxError(ev, s, meta.Loc())
	default:
		err = appendAccess(ev, s, module, meta.Loc())
	}
	if err != nil {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		err.Format = module
		return err
	}
	parse.SetCommon(ev, record, meta)
	return nil
}

// AppendNginxMessage decodes the message of an nginx record received by
// syslog (program nginx: an access-log or an error-log line) and appends
// its fields to ev: the same fields as the nginx format, except that
// event.original and event.created are left to the caller, and @timestamp
// is set from the line's own timestamp. It reports false, leaving ev as it
// was, when msg is neither.
func AppendNginxMessage(ev *event.Event, msg string, loc *time.Location) bool {
	base, t := len(ev.Fields), ev.Time
	var err *parse.SyntaxError
	if isNginxError(msg) {
		err = appendNginxError(ev, msg, loc)
	} else {
		err = appendAccess(ev, msg, Nginx, loc)
	}
	if err != nil {
		clear(ev.Fields[base:])
		ev.Fields, ev.Time = ev.Fields[:base], t
		return false
	}
	return true
}

func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

func str(ev *event.Event, name, s string) {
	if s != "" && s != "-" {
		add(ev, name, event.String(s))
	}
}

func fail(off int, msg string) *parse.SyntaxError {
	return &parse.SyntaxError{Offset: off, Msg: msg}
}

// access is one parsed access-log line.
type access struct {
	vhost, client, ident, user, tm, request, status, bytes string
	referrer, agent                                        string
	quoted                                                 bool // referrer and agent present
	trailer                                                string
	trailerUnquoted                                        bool
}

// parseAccess splits an access-log line:
//
//	[vhost[:port]] client ident user [time] "request" status bytes ["referrer" "agent"] [more…]
func parseAccess(s string) (a access, off int, msg string) {
	var f [5]string
	i := 0
	n := 0
	for ; n < 5; n++ {
		var ok bool
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && s[j] == '[' {
			break
		}
		f[n], i, ok = normalize.NextField(s, i)
		if !ok {
			return a, i, "truncated access-log line"
		}
	}
	switch n {
	case 3:
		a.client, a.ident, a.user = f[0], f[1], f[2]
	case 4:
		a.vhost, a.client, a.ident, a.user = f[0], f[1], f[2], f[3]
	default:
		return a, i, "no [time] as the 4th or 5th field"
	}
	var ok bool
	start := i
	if a.tm, i, ok = normalize.NextField(s, i); !ok {
		return a, start, "unterminated [time]"
	}
	j := skip(s, i)
	if j >= len(s) || s[j] != '"' {
		return a, j, `no "request" after the time`
	}
	if a.request, i, ok = normalize.NextField(s, i); !ok {
		return a, j, `unterminated "request"`
	}
	if a.status, i, ok = normalize.NextField(s, i); !ok {
		return a, i, "no status"
	}
	if a.bytes, i, ok = normalize.NextField(s, i); !ok {
		return a, i, "no byte count"
	}
	j = skip(s, i)
	if j < len(s) && s[j] == '"' {
		var ok1, ok2 bool
		a.referrer, i, ok1 = normalize.NextField(s, i)
		k := skip(s, i)
		if ok1 && k < len(s) && s[k] == '"' {
			a.agent, i, ok2 = normalize.NextField(s, i)
		}
		if !ok1 || !ok2 {
			return a, j, `"referrer" without "user agent"`
		}
		a.quoted = true
	}
	if j = skip(s, i); j < len(s) {
		a.trailer = s[j:]
		for k := j; k < len(s); {
			k = skip(s, k)
			if k >= len(s) {
				break
			}
			if s[k] != '"' {
				a.trailerUnquoted = true
			}
			var ok bool
			if _, k, ok = normalize.NextField(s, k); !ok {
				a.trailerUnquoted = true
				break
			}
		}
	}
	return a, 0, ""
}

func skip(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

func validStatus(s string) bool {
	if s == "-" {
		return true
	}
	n, err := strconv.Atoi(s)
	return err == nil && n >= 100 && n <= 999 && len(s) == 3
}

func validBytes(s string) bool {
	if s == "-" {
		return true
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func detectAccess(s string) bool {
	s = strings.TrimRight(s, " \t\r\n")
	if len(s) < 20 {
		return false
	}
	a, _, msg := parseAccess(s)
	if msg != "" || a.trailerUnquoted {
		return false
	}
	if _, ok := normalize.ParseCLFTime(a.tm, nil); !ok || len(a.tm) < 26 {
		return false // no time, or one without the zone CLF always writes
	}
	return validStatus(a.status) && validBytes(a.bytes)
}

// appendAccess appends the fields of an access-log line.
func appendAccess(ev *event.Event, s, module string, loc *time.Location) *parse.SyntaxError {
	a, off, msg := parseAccess(s)
	if msg != "" {
		return fail(off, msg)
	}
	t, ok := normalize.ParseCLFTime(a.tm, loc)
	if !ok {
		return fail(max(strings.Index(s, a.tm), 0), "bad [time] "+strconv.Quote(a.tm))
	}
	if !validStatus(a.status) {
		return fail(max(strings.Index(s, a.status), 0), "bad status "+strconv.Quote(a.status))
	}
	if !validBytes(a.bytes) {
		return fail(max(strings.Index(s, a.bytes), 0), "bad byte count "+strconv.Quote(a.bytes))
	}
	ev.Time = t.UnixNano()
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldCategory, event.Array(event.String("web")))
	add(ev, event.FieldType, event.Array(event.String("access")))
	add(ev, event.FieldModule, event.String(module))
	add(ev, event.FieldDataset, event.String(module+".access"))
	if a.vhost != "" && a.vhost != "-" {
		host, port, ok := normalize.SplitHostPort(a.vhost)
		if !ok {
			host = a.vhost
		}
		add(ev, "url.domain", event.String(host))
		if port > 0 {
			add(ev, "url.port", event.Int(int64(port)))
		}
	}
	if a.client != "-" {
		add(ev, "source.address", event.String(a.client))
		normalize.AppendIP(ev, event.FieldSourceIP, a.client)
	}
	if a.ident != "-" {
		add(ev, module+".access.identity", event.String(a.ident))
	}
	if a.user != "-" && a.user != "" {
		add(ev, event.FieldUserName, event.String(a.user))
		normalize.AddRelatedUser(ev, a.user)
	}
	if !normalize.AppendHTTPRequest(ev, a.request) && a.request != "-" && a.request != "" {
		add(ev, module+".access.request", event.String(a.request))
	}
	if code, ok := normalize.AppendInt(ev, "http.response.status_code", a.status); ok {
		if o := normalize.HTTPOutcome(code); o != "" {
			add(ev, event.FieldOutcome, event.String(o))
		}
	}
	normalize.AppendInt(ev, "http.response.body.bytes", a.bytes)
	if a.quoted {
		str(ev, "http.request.referrer", a.referrer)
		str(ev, "user_agent.original", a.agent)
	}
	if a.trailer != "" {
		add(ev, module+".access.trailer", event.String(a.trailer))
	}
	return nil
}
