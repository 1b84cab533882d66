// Package proxifier decodes Proxifier (Windows/macOS proxy client) log
// lines, the format "proxifier", as in loghub's Proxifier sample:
//
//	[MM.DD HH:MM:SS] program[ *64] - host:port open through proxy proxy:port HTTPS
//	[MM.DD HH:MM:SS] program - host:port close, 403 bytes sent, 18846 bytes (18.4 KB) received, lifetime 00:02
//	[MM.DD HH:MM:SS] program - host:port error : Could not connect through proxy proxy:port - …
//
// The timestamp has no year and no zone: it is read in meta.Loc(), in the
// year (of the receive year and its neighbours) that puts it closest to
// meta.Received without being more than a day after it.
//
// ECS: @timestamp, event.kind event, event.category network, event.type
// connection plus start (open), end (close) or error, event.action open,
// close or error, event.outcome (success for open and close, failure for
// error), event.module proxifier, event.dataset proxifier.log,
// process.name (program; "*64" marks a 64-bit process:
// proxifier.process.64bit), destination.domain or destination.ip and
// destination.port (the target), source.bytes (sent), destination.bytes
// (received), network.bytes (both), proxifier.proxy.address and .port,
// proxifier.proxy.protocol (HTTPS, SOCKS5), proxifier.lifetime, message
// (the text after "program - "), error.message for errors, related.ip.
//
// Errors (*parse.SyntaxError): a line not of the form "[MM.DD HH:MM:SS]
// program - text", or an impossible date.
package proxifier

import (
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Name is the format name.
const Name = "proxifier"

// Format returns the proxifier format.
func Format() parse.Format {
	return parse.Format{Name: Name, Description: "Proxifier proxy client logs", Detect: Detect, Decode: Decode}
}

type header struct {
	month, day, hour, minute, sec int
	program                       string
	is64                          bool
	target, text                  string
}

func num2(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

func parseHeader(s string) (h header, ok bool) {
	if len(s) < 20 || s[0] != '[' || s[3] != '.' || s[6] != ' ' || s[9] != ':' || s[12] != ':' || s[15] != ']' || s[16] != ' ' {
		return h, false
	}
	var oks [5]bool
	h.month, oks[0] = num2(s[1:3])
	h.day, oks[1] = num2(s[4:6])
	h.hour, oks[2] = num2(s[7:9])
	h.minute, oks[3] = num2(s[10:12])
	h.sec, oks[4] = num2(s[13:15])
	for _, o := range oks {
		if !o {
			return h, false
		}
	}
	if h.month < 1 || h.month > 12 || h.day < 1 || h.day > 31 || h.hour > 23 || h.minute > 59 || h.sec > 60 {
		return h, false
	}
	rest := s[17:]
	k := strings.Index(rest, " - ")
	if k <= 0 {
		return h, false
	}
	h.program = rest[:k]
	if p, ok := strings.CutSuffix(h.program, " *64"); ok {
		h.program, h.is64 = p, true
	}
	if h.program == "" || strings.ContainsAny(h.program, "[]") {
		return h, false
	}
	h.text = rest[k+3:]
	h.target, _, _ = strings.Cut(h.text, " ")
	return h, true
}

// Detect scores a record: 90 for "[MM.DD HH:MM:SS] program - host:port"
// followed by open/close/error, 0 otherwise.
func Detect(record []byte) int {
	h, ok := parseHeader(string(record))
	if !ok {
		return 0
	}
	rest := strings.TrimPrefix(h.text, h.target+" ")
	if strings.HasPrefix(rest, "open ") || strings.HasPrefix(rest, "close") || strings.HasPrefix(rest, "error") {
		return 90
	}
	return 0
}

func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

// stamp picks the year for a year-less time.
func stamp(h header, meta *parse.Meta) (time.Time, bool) {
	recv := time.Now()
	if meta != nil && !meta.Received.IsZero() {
		recv = meta.Received
	}
	loc := meta.Loc()
	var best time.Time
	for _, y := range []int{recv.Year() - 1, recv.Year(), recv.Year() + 1} {
		t := time.Date(y, time.Month(h.month), h.day, h.hour, h.minute, h.sec, 0, loc)
		if t.Day() != h.day {
			continue // Feb 29 in a common year, Apr 31 …
		}
		if t.After(recv.Add(24 * time.Hour)) {
			continue
		}
		if best.IsZero() || t.After(best) {
			best = t
		}
	}
	return best.UTC(), !best.IsZero()
}

// Decode decodes one Proxifier log line.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	s := strings.TrimRight(string(record), " \r\n")
	if strings.TrimSpace(s) == "" {
		return parse.ErrEmpty
	}
	h, ok := parseHeader(s)
	if !ok {
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: `not "[MM.DD HH:MM:SS] program - text"`}
	}
	t, ok := stamp(h, meta)
	if !ok {
		return &parse.SyntaxError{Format: Name, Offset: 1, Msg: "impossible date " + strconv.Quote(s[1:6])}
	}
	ev.Time = t.UnixNano()
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldCategory, event.Array(event.String("network")))
	add(ev, event.FieldModule, event.String("proxifier"))
	add(ev, event.FieldDataset, event.String("proxifier.log"))
	add(ev, "process.name", event.String(h.program))
	if h.is64 {
		add(ev, "proxifier.process.64bit", event.Bool(true))
	}
	if host, port, ok := normalize.SplitHostPort(h.target); ok {
		if !normalize.AppendIP(ev, "destination.ip", host) {
			add(ev, "destination.domain", event.String(host))
		}
		if port > 0 {
			add(ev, "destination.port", event.Int(int64(port)))
		}
	}
	rest := strings.TrimPrefix(h.text, h.target+" ")
	action, typ, outcome := "", "info", ""
	switch {
	case strings.HasPrefix(rest, "open through proxy "):
		action, typ, outcome = "open", "start", "success"
		f := strings.Fields(strings.TrimPrefix(rest, "open through proxy "))
		if len(f) > 0 {
			appendProxy(ev, f[0])
		}
		if len(f) > 1 {
			add(ev, "proxifier.proxy.protocol", event.String(f[1]))
		}
	case strings.HasPrefix(rest, "open directly"):
		action, typ, outcome = "open", "start", "success"
	case strings.HasPrefix(rest, "close"):
		action, typ, outcome = "close", "end", "success"
		appendClose(ev, rest)
	case strings.HasPrefix(rest, "error"):
		action, typ, outcome = "error", "error", "failure"
		msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(rest, "error"), " :"))
		if msg != "" {
			add(ev, event.FieldErrorMsg, event.String(msg))
		}
		if i := strings.Index(msg, "proxy "); i >= 0 {
			if f := strings.Fields(msg[i+6:]); len(f) > 0 {
				if _, _, ok := normalize.SplitHostPort(f[0]); ok && strings.Contains(f[0], ":") {
					appendProxy(ev, f[0])
				}
			}
		}
	}
	add(ev, event.FieldType, event.Array(event.String("connection"), event.String(typ)))
	if action != "" {
		add(ev, event.FieldAction, event.String(action))
	}
	if outcome != "" {
		add(ev, event.FieldOutcome, event.String(outcome))
	}
	add(ev, event.FieldMessage, event.String(h.text))
	parse.SetCommon(ev, record, meta)
	return nil
}

func appendProxy(ev *event.Event, hostport string) {
	host, port, ok := normalize.SplitHostPort(hostport)
	if !ok {
		return
	}
	add(ev, "proxifier.proxy.address", event.String(host))
	if port > 0 {
		add(ev, "proxifier.proxy.port", event.Int(int64(port)))
	}
}

// appendClose reads "close, 403 bytes sent, 18846 bytes (18.4 KB) received,
// lifetime 00:02".
func appendClose(ev *event.Event, s string) {
	var sent, recv int64 = -1, -1
	for _, part := range strings.Split(s, ", ") {
		f := strings.Fields(part)
		switch {
		case len(f) >= 3 && f[1] == "bytes" && f[len(f)-1] == "sent":
			sent, _ = strconv.ParseInt(f[0], 10, 64)
		case len(f) >= 3 && f[1] == "bytes" && f[len(f)-1] == "received":
			recv, _ = strconv.ParseInt(f[0], 10, 64)
		case len(f) >= 2 && f[0] == "lifetime":
			add(ev, "proxifier.lifetime", event.String(strings.Join(f[1:], " ")))
		}
	}
	if sent >= 0 {
		add(ev, "source.bytes", event.Int(sent))
	}
	if recv >= 0 {
		add(ev, "destination.bytes", event.Int(recv))
	}
	if sent >= 0 && recv >= 0 {
		add(ev, "network.bytes", event.Int(sent+recv))
	}
}
