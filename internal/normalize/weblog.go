package normalize

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// Helpers shared by the web and proxy access-log decoders (weblog, awslb,
// s3access, cloudfront, squid): field splitting, the Common Log Format
// timestamp, the HTTP request line and the outcome of a status code.

// NextField reads one field of a space-separated access-log line starting
// at or after s[i]: a "quoted" field (backslash escapes are skipped over,
// not decoded; the quotes are not returned), a [bracketed] field (without
// the brackets), or a run of non-space bytes. next is the index after the
// field. ok is false at the end of s or for an unterminated quote or
// bracket.
func NextField(s string, i int) (field string, next int, ok bool) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) {
		return "", i, false
	}
	switch s[i] {
	case '"':
		for j := i + 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case '"':
				return s[i+1 : j], j + 1, true
			}
		}
		return "", len(s), false
	case '[':
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			return "", len(s), false
		}
		return s[i+1 : i+j], i + j + 1, true
	}
	j := strings.IndexByte(s[i:], ' ')
	if j < 0 {
		return s[i:], len(s), true
	}
	return s[i : i+j], i + j, true
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// MonthIndex returns 1..12 for an English three-letter month abbreviation,
// 0 otherwise.
func MonthIndex(s string) int {
	for i, m := range months {
		if s == m {
			return i + 1
		}
	}
	return 0
}

// ParseCLFTime parses the Common Log Format timestamp
// "10/Oct/2000:13:55:36 -0700" (with an optional ".fraction" after the
// seconds, as some servers write), returning it in UTC. A timestamp
// without the zone is read in loc (UTC when nil).
func ParseCLFTime(s string, loc *time.Location) (time.Time, bool) {
	if len(s) < 20 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' {
		return time.Time{}, false
	}
	day, ok1 := digits(s, 0, 2)
	month := MonthIndex(s[3:6])
	year, ok2 := digits(s, 7, 4)
	hour, ok3 := digits(s, 12, 2)
	minute, ok4 := digits(s, 15, 2)
	sec, ok5 := digits(s, 18, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || month == 0 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	i, nsec := 20, 0
	if i < len(s) && s[i] == '.' {
		i++
		start, scale := i, 100000000
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			nsec += int(s[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	if i == len(s) {
		if loc == nil {
			loc = time.UTC
		}
		return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc).UTC(), true
	}
	if len(s) != i+6 || s[i] != ' ' || (s[i+1] != '+' && s[i+1] != '-') {
		return time.Time{}, false
	}
	oh, ok1 := digits(s, i+2, 2)
	om, ok2 := digits(s, i+4, 2)
	if !ok1 || !ok2 || oh > 23 || om > 59 {
		return time.Time{}, false
	}
	off := oh*3600 + om*60
	if s[i+1] == '-' {
		off = -off
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(off) * time.Second), true
}

// AppendHTTPRequest appends the fields of an HTTP request line
// "METHOD TARGET HTTP/x.y": http.request.method, url.original, url.path,
// url.query (without "?") and http.version ("1.1"). A line of one or two
// words gives what it has; "-" or "" gives nothing. It reports whether a
// method was found. The caller must not have set these fields.
func AppendHTTPRequest(ev *event.Event, line string) bool {
	if line == "" || line == "-" {
		return false
	}
	method, rest, _ := strings.Cut(line, " ")
	if !isToken(method) {
		return false
	}
	target, proto, _ := strings.Cut(rest, " ")
	add(ev, "http.request.method", event.String(method))
	if target != "" {
		AppendURL(ev, target)
	}
	if v, ok := strings.CutPrefix(proto, "HTTP/"); ok && v != "" {
		add(ev, "http.version", event.String(v))
	}
	return true
}

// AppendURL appends url.original, and url.path and url.query (without
// "?") split from it. The caller must not have set these fields.
func AppendURL(ev *event.Event, target string) {
	add(ev, "url.original", event.String(target))
	path, query, hasQuery := strings.Cut(target, "?")
	if i := strings.Index(path, "://"); i > 0 {
		// An absolute URL (proxies, load balancers): the path starts after
		// the authority.
		rest := path[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			path = rest[j:]
		} else {
			path = ""
		}
	}
	if path != "" {
		add(ev, "url.path", event.String(path))
	}
	if hasQuery && query != "" {
		add(ev, "url.query", event.String(query))
	}
}

// isToken reports whether s is a plausible HTTP method: 1 to 32 upper-case
// letters, digits, '-' or '_'.
func isToken(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// HTTPOutcome returns the ECS event.outcome of an HTTP status: success
// below 400, failure from 400, "" for a status outside 100..599.
func HTTPOutcome(status int64) string {
	switch {
	case status >= 100 && status < 400:
		return "success"
	case status >= 400 && status < 600:
		return "failure"
	}
	return ""
}

// AppendInt appends name as an Int when s is a decimal integer (with an
// optional sign); "-" and anything else give nothing. It reports the
// value and whether it was appended.
func AppendInt(ev *event.Event, name, s string) (int64, bool) {
	if s == "" || s == "-" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	add(ev, name, event.Int(n))
	return n, true
}

// AppendIP appends name as an IP value when s is an address, adds it to
// related.ip and reports whether it did.
func AppendIP(ev *event.Event, name, s string) bool {
	ip, ok := IPValue(s)
	if !ok {
		return false
	}
	add(ev, name, ip)
	AddRelatedIP(ev, ip)
	return true
}

// SplitHostPort splits "1.2.3.4:80", "[2001:db8::1]:80" or a bare address
// into an address and a port (0 when absent or invalid).
func SplitHostPort(s string) (host string, port int, ok bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return s[:strings.LastIndexByte(s, ':')], int(ap.Port()), true
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return s, 0, true
	}
	if i := strings.LastIndexByte(s, ':'); i > 0 && !strings.Contains(s[:i], ":") {
		if p, err := strconv.Atoi(s[i+1:]); err == nil && p >= 0 && p < 65536 {
			return s[:i], p, true
		}
	}
	return "", 0, false
}

// AppendEndpoint appends <prefix>.ip (or <prefix>.address when not an
// address) and <prefix>.port from "host:port", adding the IP to
// related.ip. "-" and "" give nothing.
func AppendEndpoint(ev *event.Event, prefix, hostport string) {
	if hostport == "" || hostport == "-" {
		return
	}
	host, port, ok := SplitHostPort(hostport)
	if !ok {
		add(ev, prefix+".address", event.String(hostport))
		return
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if !AppendIP(ev, prefix+".ip", host) {
		add(ev, prefix+".address", event.String(host))
	}
	if port > 0 {
		add(ev, prefix+".port", event.Int(int64(port)))
	}
}

// add appends a field the caller knows is not set yet.
func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}
