package zeek

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// header is the state a TSV log's header lines set up.
type header struct {
	sep, setSep  string
	empty, unset string
	path         string
	fields       []string
	types        []string
	names        []string    // "zeek.<path>.<field>"
	dataset      event.Value // "zeek.<path>"
}

func newHeader() *header {
	return &header{sep: "\t", setSep: ",", empty: "(empty)", unset: "-"}
}

// directive applies one header line ("#name<sep>value…"). It returns an
// error for a malformed #fields/#types line.
func (h *header) directive(line string) error {
	if rest, ok := strings.CutPrefix(line, "#separator "); ok {
		// The separator is written escaped: "#separator \x09".
		sep := unescape(strings.TrimSpace(rest))
		if sep == "" {
			return errors.New("empty #separator")
		}
		h.sep = sep
		return nil
	}
	name, value, _ := strings.Cut(line[1:], h.sep)
	switch name {
	case "set_separator":
		h.setSep = unescape(value)
	case "empty_field":
		h.empty = unescape(value)
	case "unset_field":
		h.unset = unescape(value)
	case "path":
		h.path = cleanPath(value)
		h.rename()
	case "fields":
		h.fields = strings.Split(value, h.sep)
		if len(h.fields) > MaxColumns {
			h.fields = nil
			return errors.New("more than " + strconv.Itoa(MaxColumns) + " #fields")
		}
		h.types = nil
		seen := make(map[string]bool, len(h.fields))
		for _, f := range h.fields {
			if f == "" || seen[f] {
				h.fields = nil
				return errors.New("#fields has an empty or repeated column name " + strconv.Quote(f))
			}
			seen[f] = true
		}
		h.rename()
	case "types":
		h.types = strings.Split(value, h.sep)
		if len(h.types) != len(h.fields) {
			n := len(h.types)
			h.types = nil
			return errors.New("#types has " + strconv.Itoa(n) + " columns, #fields " + strconv.Itoa(len(h.fields)))
		}
	}
	return nil
}

// rename precomputes the field names of the columns.
func (h *header) rename() {
	path := h.path
	if path == "" {
		path = "log"
	}
	h.dataset = event.String("zeek." + path)
	h.names = make([]string, len(h.fields))
	for i, f := range h.fields {
		h.names[i] = "zeek." + path + "." + f
	}
}

// DecodeAll decodes a whole Zeek log: TSV with its header lines, or NDJSON.
// See the package comment.
func DecodeAll(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
	first := bytes.TrimLeft(data, " \t\r\n")
	if len(first) == 0 {
		return nil
	}
	var received time.Time
	if meta != nil {
		received = meta.Received
	}
	if first[0] == '{' {
		for len(data) > 0 {
			var line []byte
			line, data = nextLine(data)
			ev := new(event.Event)
			if err := Decode(line, meta, ev); err != nil {
				if errors.Is(err, parse.ErrEmpty) {
					continue
				}
				ev = event.NewPipelineError(line, err.Error(), received)
			}
			if err := emit(ev); err != nil {
				return err
			}
		}
		return nil
	}
	if first[0] != '#' {
		return &parse.SyntaxError{Format: Name, Offset: len(data) - len(first), Msg: "not a Zeek log: no #separator/#fields header and not JSON"}
	}
	h := newHeader()
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		if len(line) == 0 {
			continue
		}
		var err error
		ev := &event.Event{Fields: make([]event.Field, 0, len(h.fields)+extraFields)}
		if line[0] == '#' {
			if err = h.directive(string(line)); err == nil {
				continue
			}
			err = &parse.SyntaxError{Format: Name, Offset: 0, Msg: err.Error()}
		} else {
			err = h.decode(line, meta, ev)
		}
		if err != nil {
			ev = event.NewPipelineError(line, err.Error(), received)
		}
		if err := emit(ev); err != nil {
			return err
		}
	}
	return nil
}

// extraFields is room for the ECS fields added to a record's columns.
const extraFields = 24

// nextLine splits the first line (without its \n or \r\n) off data.
func nextLine(data []byte) (line, rest []byte) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		line, rest = data, nil
	} else {
		line, rest = data[:i], data[i+1:]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// decode decodes one TSV data line with the header.
func (h *header) decode(line []byte, meta *parse.Meta, ev *event.Event) error {
	if len(h.fields) == 0 || len(h.types) != len(h.fields) {
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: "data line before the #fields and #types header"}
	}
	src := string(line)
	base := len(ev.Fields)
	var m ecsRec
	s, off := src, 0
	for i := range h.fields {
		col := s
		if j := strings.Index(s, h.sep); j >= 0 {
			if i == len(h.fields)-1 {
				return h.fail(ev, base, off+j, "more columns than the "+strconv.Itoa(len(h.fields))+" #fields")
			}
			col, s = s[:j], s[j+len(h.sep):]
		} else if i < len(h.fields)-1 {
			return h.fail(ev, base, len(src), strconv.Itoa(i+1)+" columns of the "+strconv.Itoa(len(h.fields))+" #fields")
		} else {
			s = ""
		}
		colOff := off
		off += len(col) + len(h.sep)
		if col == h.unset || col == h.empty {
			continue
		}
		v, ok := h.value(h.types[i], col)
		if !ok {
			return h.fail(ev, base, colOff, "column "+h.fields[i]+": "+strconv.Quote(truncate(col))+" is not a "+h.types[i])
		}
		if v.IsNull() {
			continue // a set of unset elements
		}
		ev.Fields = append(ev.Fields, event.Field{Name: h.names[i], Value: v})
		m.collect(h.fields[i], v)
	}
	if !m.ts.IsNull() {
		t, _ := m.ts.Time()
		ev.Time = t.UnixNano()
	} else if meta != nil && !meta.Received.IsZero() {
		ev.Time = meta.Received.UTC().UnixNano()
	}
	if h.path == "" {
		m.ecs(ev, guessPath(ev.Fields[base:]), event.Value{})
	} else {
		m.ecs(ev, h.path, h.dataset)
	}
	if meta != nil && !meta.Received.IsZero() {
		ev.Fields = append(ev.Fields, event.Field{Name: event.FieldCreated, Value: event.Time(meta.Received)})
	}
	ev.Fields = append(ev.Fields, event.Field{Name: event.FieldOriginal, Value: event.String(src)})
	return nil
}

func (h *header) fail(ev *event.Event, base, off int, msg string) error {
	clear(ev.Fields[base:])
	ev.Fields = ev.Fields[:base]
	ev.Time = 0
	return &parse.SyntaxError{Format: Name, Offset: off, Msg: msg}
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// value types one column by its Zeek type.
func (h *header) value(typ, col string) (event.Value, bool) {
	if inner, ok := containerElem(typ); ok {
		var vs []event.Value
		for len(col) > 0 && len(vs) < maxSetElems {
			e := col
			if j := strings.Index(col, h.setSep); j >= 0 && h.setSep != "" {
				e, col = col[:j], col[j+len(h.setSep):]
			} else {
				col = ""
			}
			if e == h.unset {
				continue
			}
			v, ok := scalar(inner, e)
			if !ok {
				return event.Value{}, false
			}
			vs = append(vs, v)
		}
		if len(vs) == 0 {
			return event.Value{}, true
		}
		return event.Array(vs...), true
	}
	return scalar(typ, col)
}

// containerElem returns the element type of "set[T]" and "vector[T]".
func containerElem(typ string) (string, bool) {
	for _, p := range []string{"set[", "vector["} {
		if strings.HasPrefix(typ, p) && strings.HasSuffix(typ, "]") {
			return typ[len(p) : len(typ)-1], true
		}
	}
	return "", false
}

// scalar types one value.
func scalar(typ, s string) (event.Value, bool) {
	switch typ {
	case "time":
		t, ok := epoch(s)
		if !ok {
			if t, ok = normalize.ParseTimestamp(s, time.UTC); !ok {
				return event.Value{}, false
			}
		}
		return event.Time(t), true
	case "interval", "double":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return event.Value{}, false
		}
		return event.Float(f), true
	case "count", "int", "port":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if typ == "count" && len(s) > 0 && allDigits(s) {
				return event.String(s), true // a count above 2^63
			}
			return event.Value{}, false
		}
		return event.Int(n), true
	case "addr":
		return normalize.IPValue(unescape(s))
	case "bool":
		switch s {
		case "T":
			return event.Bool(true), true
		case "F":
			return event.Bool(false), true
		}
		return event.Value{}, false
	}
	return event.String(unescape(s)), true
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// epoch reads Zeek's time format: seconds since the epoch with a fraction
// of up to nanoseconds ("1300475167.096535").
func epoch(s string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(s, ".")
	if sec == "" || len(sec) > 12 || len(frac) > 9 || !allDigits(sec) || !allDigits(frac) {
		return time.Time{}, false
	}
	n, _ := strconv.ParseInt(sec, 10, 64)
	ns := int64(0)
	for i := range 9 {
		ns *= 10
		if i < len(frac) {
			ns += int64(frac[i] - '0')
		}
	}
	return time.Unix(n, ns).UTC(), true
}

// unescape resolves Zeek's \xHH escapes; other backslashes are kept.
func unescape(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			hi, ok1 := hexVal(s[i+2])
			lo, ok2 := hexVal(s[i+3])
			if ok1 && ok2 {
				b.WriteByte(hi<<4 | lo)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
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
