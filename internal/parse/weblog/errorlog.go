package weblog

import (
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// apacheLevels are the LogLevel names of Apache httpd 2.2 and 2.4.
var apacheLevels = map[string]bool{
	"emerg": true, "alert": true, "crit": true, "error": true, "warn": true, "notice": true, "info": true,
	"debug": true, "trace1": true, "trace2": true, "trace3": true, "trace4": true, "trace5": true,
	"trace6": true, "trace7": true, "trace8": true,
}

// parseApacheTime parses "Sun Dec 04 04:47:44 2005" or, with microseconds
// (Apache 2.4), "Wed Oct 11 14:32:52.123456 2000", in loc.
func parseApacheTime(s string, loc *time.Location) (time.Time, bool) {
	if len(s) < 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	month := normalize.MonthIndex(s[4:7])
	day, err1 := strconv.Atoi(strings.TrimLeft(s[8:10], " "))
	hour, err2 := strconv.Atoi(s[11:13])
	minute, err3 := strconv.Atoi(s[14:16])
	sec, err4 := strconv.Atoi(s[17:19])
	i, nsec := 19, 0
	if s[i] == '.' {
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
	if len(s) != i+5 || s[i] != ' ' {
		return time.Time{}, false
	}
	year, err5 := strconv.Atoi(s[i+1:])
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil || month == 0 ||
		day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 || year < 1970 {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day {
		return time.Time{}, false // Feb 30 and the like
	}
	return t.UTC(), true
}

// bracket returns the [field] at s[i] (after spaces) and the index after it.
func bracket(s string, i int) (string, int, bool) {
	i = skip(s, i)
	if i >= len(s) || s[i] != '[' {
		return "", i, false
	}
	j := strings.IndexByte(s[i:], ']')
	if j < 0 {
		return "", i, false
	}
	return s[i+1 : i+j], i + j + 1, true
}

// apacheLevel returns the level of "[level]" or "[module:level]".
func apacheLevel(f string) (module, level string, ok bool) {
	if m, l, found := strings.Cut(f, ":"); found {
		return m, l, apacheLevels[l]
	}
	return "", f, apacheLevels[f]
}

func isApacheError(s string) bool {
	tm, i, ok := bracket(s, 0)
	if !ok {
		return false
	}
	if _, ok := parseApacheTime(tm, nil); !ok {
		return false
	}
	lv, _, ok := bracket(s, i)
	if !ok {
		return false
	}
	_, _, ok = apacheLevel(lv)
	return ok
}

// appendApacheError appends the fields of an Apache error-log line:
//
//	[time] [module:level] [pid N:tid M] [client ip:port] AH00000: message
//
// (2.4) or [time] [level] [client ip] message (2.2).
func appendApacheError(ev *event.Event, s string, loc *time.Location) *parse.SyntaxError {
	tm, i, ok := bracket(s, 0)
	if !ok {
		return fail(0, "unterminated [time]")
	}
	t, ok := parseApacheTime(tm, loc)
	if !ok {
		return fail(1, "bad [time] "+strconv.Quote(tm))
	}
	lv, i2, ok := bracket(s, i)
	if !ok {
		return fail(i, "no [level] after the time")
	}
	module, level, ok := apacheLevel(lv)
	if !ok {
		return fail(i, "unknown level "+strconv.Quote(lv))
	}
	i = i2
	ev.Time = t.UnixNano()
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldCategory, event.Array(event.String("web")))
	add(ev, event.FieldType, event.Array(event.String(errorType(level))))
	add(ev, event.FieldModule, event.String(Apache))
	add(ev, event.FieldDataset, event.String("apache.error"))
	add(ev, "log.level", event.String(level))
	if module != "" {
		add(ev, "apache.error.module", event.String(module))
	}
	var seen [3]bool
	for {
		f, j, ok := bracket(s, i)
		if !ok {
			break
		}
		key, val, _ := strings.Cut(f, " ")
		switch {
		case key == "pid" && !seen[0]:
			seen[0] = true
			pid, tid, _ := strings.Cut(val, ":tid ")
			normalize.AppendInt(ev, "process.pid", pid)
			normalize.AppendInt(ev, "process.thread.id", tid)
		case key == "client" && !seen[1]:
			seen[1] = true
			normalize.AppendEndpoint(ev, "source", val)
		case key == "remote" && !seen[2]:
			seen[2] = true
			normalize.AppendEndpoint(ev, "apache.error.remote", val)
		default:
			j = -1
		}
		if j < 0 {
			break
		}
		i = j
	}
	msg := strings.TrimLeft(s[i:], " ")
	if len(msg) > 9 && msg[0] == 'A' && msg[1] == 'H' && msg[7] == ':' && msg[8] == ' ' {
		if _, err := strconv.Atoi(msg[2:7]); err == nil {
			add(ev, "error.code", event.String(msg[:7]))
		}
	}
	if msg != "" {
		add(ev, event.FieldMessage, event.String(msg))
	}
	return nil
}

// errorType maps a log level to event.type: error for error and worse,
// info otherwise.
func errorType(level string) string {
	switch level {
	case "emerg", "alert", "crit", "error":
		return "error"
	}
	return "info"
}

var nginxLevels = map[string]bool{
	"debug": true, "info": true, "notice": true, "warn": true, "error": true, "crit": true, "alert": true, "emerg": true,
}

// isNginxError reports whether s starts "YYYY/MM/DD HH:MM:SS [level] ".
func isNginxError(s string) bool {
	if len(s) < 23 || s[4] != '/' || s[7] != '/' || s[10] != ' ' || s[13] != ':' || s[19] != ' ' || s[20] != '[' {
		return false
	}
	j := strings.IndexByte(s[20:], ']')
	return j > 0 && nginxLevels[s[21:20+j]]
}

// appendNginxError appends the fields of an nginx error-log line:
//
//	2024/01/01 12:00:00 [error] PID#TID: *CID message, client: IP, server: NAME, request: "…", host: "…"
func appendNginxError(ev *event.Event, s string, loc *time.Location) *parse.SyntaxError {
	if !isNginxError(s) {
		return fail(0, "not an nginx error-log line")
	}
	ts := s[:4] + "-" + s[5:7] + "-" + s[8:10] + "T" + s[11:19]
	t, ok := normalize.ParseTimestamp(ts, loc)
	if !ok {
		return fail(0, "bad time "+strconv.Quote(s[:19]))
	}
	j := strings.IndexByte(s[20:], ']')
	level := s[21 : 20+j]
	rest := strings.TrimLeft(s[21+j:], " ")
	ev.Time = t.UnixNano()
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldCategory, event.Array(event.String("web")))
	add(ev, event.FieldType, event.Array(event.String(errorType(level))))
	add(ev, event.FieldModule, event.String(Nginx))
	add(ev, event.FieldDataset, event.String("nginx.error"))
	add(ev, "log.level", event.String(level))
	if k := strings.Index(rest, ": "); k > 0 {
		if pid, tid, ok := strings.Cut(rest[:k], "#"); ok && isDigits(pid) && isDigits(tid) {
			normalize.AppendInt(ev, "process.pid", pid)
			normalize.AppendInt(ev, "process.thread.id", tid)
			rest = rest[k+2:]
		}
	}
	if len(rest) > 1 && rest[0] == '*' {
		if k := strings.IndexByte(rest, ' '); k > 1 && isDigits(rest[1:k]) {
			normalize.AppendInt(ev, "nginx.error.connection_id", rest[1:k])
			rest = rest[k+1:]
		}
	}
	msg := rest
	if k := strings.Index(rest, ", client: "); k >= 0 {
		msg = rest[:k]
		appendNginxContext(ev, rest[k+2:])
	}
	if msg != "" {
		add(ev, event.FieldMessage, event.String(msg))
	}
	return nil
}

// appendNginxContext reads `client: IP, server: NAME, request: "…",
// upstream: "…", host: "…", referrer: "…"`.
func appendNginxContext(ev *event.Event, s string) {
	seen := map[string]bool{}
	for s != "" {
		key, rest, ok := strings.Cut(s, ": ")
		if !ok {
			return
		}
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			if end < 0 {
				return
			}
			val, s = rest[1:1+end], rest[2+end:]
		} else {
			end := strings.Index(rest, ", ")
			if end < 0 {
				end = len(rest)
			}
			val, s = rest[:end], rest[end:]
		}
		s = strings.TrimPrefix(s, ", ")
		if seen[key] {
			continue
		}
		seen[key] = true
		switch key {
		case "client":
			add(ev, "source.address", event.String(val))
			normalize.AppendIP(ev, event.FieldSourceIP, val)
		case "server":
			str(ev, "nginx.error.server", val)
		case "request":
			normalize.AppendHTTPRequest(ev, val)
		case "upstream":
			str(ev, "nginx.error.upstream", val)
		case "host":
			str(ev, "url.domain", val)
		case "referrer":
			str(ev, "http.request.referrer", val)
		}
	}
}

func isDigits(s string) bool {
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
