package auditd

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/syslog"
)

// Name is the format name.
const Name = "auditd"

// Limits.
const (
	// maxKV is the largest number of key=value pairs decoded of a record.
	maxKV = 512
	// maxGroup is the largest number of records joined into one event by
	// DecodeAll; further records of the same serial start a new event.
	maxGroup = 256
)

// Format returns the auditd format.
func Format() parse.Format {
	return parse.Format{
		Name:        Name,
		Description: "Linux audit.log records (type=… msg=audit(…)); whole files join the records of an event",
		Detect:      Detect,
		Decode:      Decode,
		DecodeAll:   DecodeAll,
	}
}

// Detect scores a record (or the first bytes of a whole input; only its
// first line counts): 100 for "type=<TYPE> msg=audit(" at the start or
// after "node=<name> ", 98 when that follows a syslog header (audisp-syslog,
// audispd), 0 otherwise.
func Detect(record []byte) int {
	if i := bytes.IndexByte(record, '\n'); i >= 0 {
		record = record[:i]
	}
	s := string(record) // no allocation: does not escape
	switch auditStart(s) {
	case -1:
		return 0
	case 0:
		return 100
	}
	return 98
}

// auditStart returns where the audit record starts in a line: 0, or after
// a syslog header ending in ": " (the audisp-syslog and audispd plugins
// forward records so: "Nov 21 10:00:00 host audisp-syslog: type=…"), or -1.
func auditStart(s string) int {
	if _, _, _, ok := header(s); ok {
		return 0
	}
	head := s[:min(len(s), 256)]
	for _, m := range []string{": type=", ": node="} {
		if i := strings.Index(head, m); i > 0 {
			if _, _, _, ok := header(s[i+2:]); ok {
				return i + 2
			}
		}
	}
	return -1
}

// kv is one decoded key=value of a record.
type kv struct{ key, val string }

// record is one parsed audit record.
type record struct {
	src    string // the line
	prefix string // the syslog header before the record, if any
	node   string
	typ    string
	stamp  string // "1700000000.123:456"
	time   time.Time
	serial int64
	kvs    []kv
	enrich []kv // interpreted fields after 0x1D
}

// header splits "[node=N ]type=T msg=audit(S):" and reports where the
// fields start.
func header(s string) (node, typ string, end int, ok bool) {
	i := 0
	if strings.HasPrefix(s, "node=") {
		j := strings.IndexByte(s, ' ')
		if j < 0 {
			return "", "", 0, false
		}
		node, i = s[5:j], j+1
	}
	if !strings.HasPrefix(s[i:], "type=") {
		return "", "", 0, false
	}
	i += 5
	j := strings.IndexByte(s[i:], ' ')
	if j <= 0 {
		return "", "", 0, false
	}
	typ = s[i : i+j]
	for _, c := range []byte(typ) {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return "", "", 0, false
		}
	}
	i += j + 1
	if !strings.HasPrefix(s[i:], "msg=audit(") {
		return "", "", 0, false
	}
	return node, typ, i + len("msg=audit("), true
}

// parseRecord parses one line.
func parseRecord(line string) (*record, error) {
	start := auditStart(line)
	if start < 0 {
		return nil, &parse.SyntaxError{Format: Name, Offset: 0, Msg: `no "type=<TYPE> msg=audit(" header`}
	}
	r, err := parseBody(line[start:])
	if err != nil {
		var se *parse.SyntaxError
		if errors.As(err, &se) {
			se.Offset += start
		}
		return nil, err
	}
	r.src, r.prefix = line, line[:start]
	return r, nil
}

// parseBody parses a record from its "node=" or "type=" on.
func parseBody(s string) (*record, error) {
	node, typ, i, ok := header(s)
	if !ok {
		return nil, &parse.SyntaxError{Format: Name, Offset: 0, Msg: `no "type=<TYPE> msg=audit(" header`}
	}
	j := strings.IndexByte(s[i:], ')')
	if j < 0 {
		return nil, &parse.SyntaxError{Format: Name, Offset: i, Msg: "unterminated msg=audit("}
	}
	stamp := s[i : i+j]
	sec, rest, ok1 := strings.Cut(stamp, ".")
	ms, serial, ok2 := strings.Cut(rest, ":")
	secN, err1 := strconv.ParseInt(sec, 10, 64)
	msN, err2 := strconv.ParseInt(ms, 10, 64)
	serialN, err3 := strconv.ParseInt(serial, 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil || err3 != nil || secN < 0 || msN < 0 || msN > 999 || len(ms) > 3 || serialN < 0 {
		return nil, &parse.SyntaxError{Format: Name, Offset: i, Msg: "msg=audit(" + strconv.Quote(stamp) + ") is not <seconds>.<ms>:<serial>"}
	}
	for len(ms) < 3 {
		msN *= 10
		ms += "0"
	}
	r := &record{src: s, node: node, typ: typ, stamp: stamp, serial: serialN,
		time: time.Unix(secN, msN*int64(time.Millisecond)).UTC()}
	body := s[i+j+1:]
	body = strings.TrimPrefix(body, ":")
	if k := strings.IndexByte(body, 0x1d); k >= 0 {
		r.enrich = splitKV(body[k+1:], nil, typ, false)
		body = body[:k]
	}
	r.kvs = splitKV(body, nil, typ, true)
	return r, nil
}

// splitKV splits space-separated key=value pairs; a msg='…' value is split
// in turn (the fields of user-space records). Quoted values lose their
// quotes; unquoted values of hex-encoded keys are decoded.
func splitKV(s string, dst []kv, typ string, decode bool) []kv {
	for len(s) > 0 && len(dst) < maxKV {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		sp := strings.IndexByte(s, ' ')
		if eq < 0 || (sp >= 0 && sp < eq) {
			// A word that is not key=value (AVC text): skip it.
			if sp < 0 {
				break
			}
			s = s[sp+1:]
			continue
		}
		key := s[:eq]
		s = s[eq+1:]
		var val string
		quoted := false
		switch {
		case strings.HasPrefix(s, `"`):
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				val, s = s[1:], ""
			} else {
				val, s = s[1:1+end], s[2+end:]
			}
			quoted = true
		case strings.HasPrefix(s, `'`):
			end := strings.IndexByte(s[1:], '\'')
			var inner string
			if end < 0 {
				inner, s = s[1:], ""
			} else {
				inner, s = s[1:1+end], s[2+end:]
			}
			if key == "msg" {
				dst = splitKV(inner, dst, typ, decode)
				continue
			}
			val, quoted = inner, true
		default:
			end := strings.IndexByte(s, ' ')
			if end < 0 {
				val, s = s, ""
			} else {
				val, s = s[:end], s[end:]
			}
		}
		if key == "" {
			continue
		}
		if decode && !quoted && encoded(typ, key) {
			if d, ok := unhex(val); ok {
				val = d
			}
		}
		dst = append(dst, kv{key, val})
	}
	return dst
}

// encoded reports whether a key's unquoted value is hex-encoded.
func encoded(typ, key string) bool {
	switch key {
	case "proctitle", "comm", "exe", "cwd", "name", "acct", "cmd", "key", "data", "path", "old", "new", "ocomm", "vm", "watch", "dir":
		return true
	}
	if typ == "EXECVE" && len(key) > 1 && key[0] == 'a' && key[1] >= '0' && key[1] <= '9' {
		return !strings.HasSuffix(key, "_len")
	}
	return false
}

// unhex decodes an even-length string of hex digits.
func unhex(s string) (string, bool) {
	if len(s) == 0 || len(s)%2 != 0 {
		return "", false
	}
	b := make([]byte, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := hexVal(s[i])
		lo, ok2 := hexVal(s[i+1])
		if !ok1 || !ok2 {
			return "", false
		}
		b[i/2] = hi<<4 | lo
	}
	return string(b), true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// trimLine removes the line terminator.
func trimLine(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// Decode decodes one audit record into ev. See the package comment.
func Decode(rec []byte, meta *parse.Meta, ev *event.Event) error {
	line := trimLine(rec)
	if len(bytes.TrimSpace(line)) == 0 {
		return parse.ErrEmpty
	}
	src := string(rec)
	r, err := parseRecord(src[:len(line)])
	if err != nil {
		return err
	}
	if r.prefix != "" {
		syslogHeader(r.prefix, meta, ev)
	}
	build([]*record{r}, ev)
	if meta != nil && !meta.Received.IsZero() {
		ev.Set(event.FieldCreated, event.Time(meta.Received))
	}
	ev.Set(event.FieldOriginal, event.String(src))
	return nil
}

// DecodeAll decodes a whole audit.log, joining the records of each event.
// See the package comment.
func DecodeAll(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
	var received time.Time
	if meta != nil {
		received = meta.Received
	}
	type key struct {
		node, stamp string
	}
	var (
		groups [][]*record
		index  = map[key]int{}
	)
	var errs []*event.Event // undecodable lines, emitted in place
	order := []int{}        // >= 0: group index; < 0: -1-errs index
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = trimLine(line)
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		r, err := parseRecord(string(line))
		if err != nil {
			errs = append(errs, event.NewPipelineError(line, err.Error(), received))
			order = append(order, -len(errs))
			continue
		}
		k := key{r.node, r.stamp}
		if g, ok := index[k]; ok && len(groups[g]) < maxGroup {
			groups[g] = append(groups[g], r)
			continue
		}
		index[k] = len(groups)
		order = append(order, len(groups))
		groups = append(groups, []*record{r})
	}
	for _, o := range order {
		if o < 0 {
			if err := emit(errs[-o-1]); err != nil {
				return err
			}
			continue
		}
		g := groups[o]
		ev := new(event.Event)
		if g[0].prefix != "" {
			syslogHeader(g[0].prefix, meta, ev)
		}
		build(g, ev)
		var orig strings.Builder
		for i, r := range g {
			if i > 0 {
				orig.WriteByte('\n')
			}
			orig.WriteString(r.src)
		}
		parse.SetCommon(ev, nil, meta)
		ev.Set(event.FieldOriginal, event.String(orig.String()))
		if err := emit(ev); err != nil {
			return err
		}
	}
	return nil
}

// syslogHeader decodes the syslog header before a forwarded record into ev
// with the syslog format's decoder, keeping host.name (when the record has
// no node=) and log.syslog.*; the record's own time and fields win.
func syslogHeader(prefix string, meta *parse.Meta, ev *event.Event) {
	base := len(ev.Fields)
	if err := syslog.Decode([]byte(prefix), meta, ev); err != nil {
		return
	}
	keep := ev.Fields[:base]
	for _, f := range ev.Fields[base:] {
		if f.Name == event.FieldHostName || strings.HasPrefix(f.Name, "log.syslog.") {
			keep = append(keep, f)
		}
	}
	clear(ev.Fields[len(keep):])
	ev.Fields = keep
}
