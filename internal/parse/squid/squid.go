// Package squid decodes Squid proxy access logs, the format "squid", in
// Squid's two built-in log formats:
//
//	squid   time.ms elapsed remotehost code/status bytes method URL rfc931 peerstatus/peerhost type
//	common  remotehost rfc931 authuser [date] "method URL HTTP/v" status bytes code:peerstatus
//
// ("squid" is logformat %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un
// %Sh/%<a %mt; "common" is %>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs
// %<st %Ss:%Sh.) "-" means absent.
//
// ECS: @timestamp, event.kind event, event.category web and network,
// event.type access plus allowed or denied (TCP_DENIED and other _DENIED
// codes), event.action (the Squid result code, e.g. TCP_MISS), event.outcome
// by HTTP status (failure for 4xx/5xx and denied requests), event.module
// squid, event.dataset squid.access, event.duration (elapsed ms → ns),
// source.ip (remotehost; source.address when a name), user.name, the
// request's http/url fields (url.original, url.domain for CONNECT and
// absolute URLs), http.response.status_code, http.response.bytes,
// http.response.mime_type, destination.ip or destination.address (the
// peer host), related.ip/user; squid.result_code, squid.hierarchy_code,
// squid.peer.
//
// Errors (*parse.SyntaxError): a line of neither form, a bad time, a
// non-numeric elapsed time, byte count or status.
package squid

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Name is the format name.
const Name = "squid"

// Format returns the squid format.
func Format() parse.Format {
	return parse.Format{Name: Name, Description: "Squid proxy access logs (native squid and common formats)",
		Detect: Detect, Decode: Decode}
}

// Detect scores a record: 90 for a native line (epoch.ms, elapsed, client,
// CODE/status) or a common line ending with CODE:HIERARCHY, 0 otherwise.
func Detect(record []byte) int {
	s := strings.TrimRight(string(record), " \r\n")
	if _, ok := parseNative(s); ok {
		return 90
	}
	if _, ok := parseCommon(s); ok {
		return 90
	}
	return 0
}

type line struct {
	t                                     time.Time
	elapsed, client, code, status, bytes  string
	method, url, proto, user, ident, hier string
	peer, mime                            string
}

func isCode(code string) bool {
	if len(code) < 4 || len(code) > 40 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// parseNative parses the native format.
func parseNative(s string) (line, bool) {
	var l line
	f := strings.Fields(s)
	if len(f) < 7 || len(f) > 10 {
		return l, false
	}
	sec, frac, _ := strings.Cut(f[0], ".")
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || secs < 0 || secs > 1<<33 || len(frac) > 9 {
		return l, false
	}
	ns := int64(0)
	if frac != "" {
		n, err := strconv.ParseUint(frac, 10, 32)
		if err != nil {
			return l, false
		}
		ns = int64(n)
		for k := len(frac); k < 9; k++ {
			ns *= 10
		}
	}
	l.t = time.Unix(secs, ns).UTC()
	code, status, ok := strings.Cut(f[3], "/")
	if !ok || !isCode(code) || !isNum(f[1]) || !isNum(status) || !isNum(f[4]) {
		return l, false
	}
	l.elapsed, l.client, l.code, l.status, l.bytes, l.method, l.url = f[1], f[2], code, status, f[4], f[5], f[6]
	if len(f) > 7 {
		l.user = f[7]
	}
	if len(f) > 8 {
		l.hier, l.peer, _ = strings.Cut(f[8], "/")
	}
	if len(f) > 9 {
		l.mime = f[9]
	}
	return l, true
}

func isNum(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseCommon parses the common format with Squid's code:hierarchy suffix.
func parseCommon(s string) (line, bool) {
	var l line
	var f [8]string
	i := 0
	for n := range f {
		var ok bool
		f[n], i, ok = normalize.NextField(s, i)
		if !ok {
			return l, false
		}
	}
	if strings.TrimSpace(s[i:]) != "" {
		return l, false
	}
	t, ok := normalize.ParseCLFTime(f[3], nil)
	code, hier, ok2 := strings.Cut(f[7], ":")
	if !ok || !ok2 || !isCode(code) || !isNum(f[5]) && f[5] != "-" || !isNum(f[6]) && f[6] != "-" {
		return l, false
	}
	method, rest, _ := strings.Cut(f[4], " ")
	u, proto, _ := strings.Cut(rest, " ")
	l.t, l.client, l.ident, l.user = t, f[0], f[1], f[2]
	l.method, l.url, l.proto = method, u, strings.TrimPrefix(proto, "HTTP/")
	l.status, l.bytes, l.code, l.hier = f[5], f[6], code, hier
	return l, true
}

func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

func str(ev *event.Event, name, s string) {
	if s != "" && s != "-" {
		add(ev, name, event.String(s))
	}
}

// Decode decodes one access-log line of either format.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	s := strings.TrimRight(string(record), " \r\n")
	if strings.TrimSpace(s) == "" {
		return parse.ErrEmpty
	}
	l, ok := parseNative(s)
	if !ok {
		if l, ok = parseCommon(s); !ok {
			return &parse.SyntaxError{Format: Name, Offset: 0, Msg: "neither a native nor a common Squid access-log line"}
		}
	}
	ev.Time = l.t.UnixNano()
	denied := strings.Contains(l.code, "DENIED")
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldCategory, event.Array(event.String("web"), event.String("network")))
	if denied {
		add(ev, event.FieldType, event.Array(event.String("access"), event.String("denied")))
	} else {
		add(ev, event.FieldType, event.Array(event.String("access"), event.String("allowed")))
	}
	add(ev, event.FieldModule, event.String("squid"))
	add(ev, event.FieldDataset, event.String("squid.access"))
	add(ev, event.FieldAction, event.String(l.code))
	add(ev, "squid.result_code", event.String(l.code))
	str(ev, "squid.hierarchy_code", l.hier)
	if ms, err := strconv.ParseInt(l.elapsed, 10, 64); err == nil {
		add(ev, "event.duration", event.Int(ms*1e6))
	}
	if l.client != "-" {
		if !normalize.AppendIP(ev, event.FieldSourceIP, l.client) {
			add(ev, "source.address", event.String(l.client))
		}
	}
	if l.user != "" && l.user != "-" {
		user := l.user
		if u, err := url.PathUnescape(user); err == nil {
			user = u
		}
		add(ev, event.FieldUserName, event.String(user))
		normalize.AddRelatedUser(ev, user)
	}
	if l.method != "" && l.method != "-" {
		add(ev, "http.request.method", event.String(l.method))
	}
	if l.url != "" && l.url != "-" {
		normalize.AppendURL(ev, l.url)
		host := ""
		if l.method == "CONNECT" {
			host, _, _ = strings.Cut(l.url, ":")
		} else if _, rest, ok := strings.Cut(l.url, "://"); ok {
			host, _, _ = strings.Cut(rest, "/")
			if h, _, ok := strings.Cut(host, ":"); ok && !strings.Contains(h, "[") {
				host = h
			}
		}
		str(ev, "url.domain", host)
	}
	if l.proto != "" {
		add(ev, "http.version", event.String(l.proto))
	}
	status, _ := normalize.AppendInt(ev, "http.response.status_code", l.status)
	switch o := normalize.HTTPOutcome(status); {
	case denied:
		add(ev, event.FieldOutcome, event.String("failure"))
	case o != "":
		add(ev, event.FieldOutcome, event.String(o))
	}
	normalize.AppendInt(ev, "http.response.bytes", l.bytes)
	str(ev, "http.response.mime_type", l.mime)
	if l.peer != "" && l.peer != "-" {
		add(ev, "squid.peer", event.String(l.peer))
		if !normalize.AppendIP(ev, "destination.ip", l.peer) {
			add(ev, "destination.address", event.String(l.peer))
		}
	}
	parse.SetCommon(ev, record, meta)
	return nil
}
