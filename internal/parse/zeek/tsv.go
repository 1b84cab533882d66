package zeek

import (
	"bytes"
	"errors"
	"slices"
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
	names        []string    // "zeek.<log>.<field>"
	log          string      // path, or the name guessed from the columns (set by rename)
	dataset      event.Value // "zeek.<log>"

	// cols is what decoding a data line needs of each column, resolved
	// from fields, types and names once (nil until then: see columns).
	cols []column
	// fieldsHint is the most fields a record of this header has had (0
	// before the first), to size the next record's Fields at once.
	fieldsHint int
	// evs is a slab the events come from, one allocation for many; each
	// event is still distinct and the receiver's to keep.
	evs []event.Event
}

// column is one column of a data line as decode reads it.
type column struct {
	field, name, typ string // the column, its field name, its #types type
	kind             kind   // how a value is typed (its elements' for a container)
	container        bool   // set[…] or vector[…]
	slot             slot   // where the ECS mapping reads it; 0 when it does not
}

// kind is how a Zeek type is decoded.
type kind uint8

const (
	kindString kind = iota // string, enum and the rest
	kindTime
	kindFloat // interval, double
	kindCount
	kindInt // int, port
	kindAddr
	kindBool
)

func kindOf(typ string) kind {
	switch typ {
	case "time":
		return kindTime
	case "interval", "double":
		return kindFloat
	case "count":
		return kindCount
	case "int", "port":
		return kindInt
	case "addr":
		return kindAddr
	case "bool":
		return kindBool
	}
	return kindString
}

// columns returns the resolved columns of the header, resolving them on
// first use after #fields, #types or #path changed.
func (h *header) columns() []column {
	if h.cols != nil || len(h.fields) == 0 || len(h.types) != len(h.fields) {
		return h.cols
	}
	cols := make([]column, len(h.fields))
	for i, f := range h.fields {
		c := column{field: f, name: h.names[i], typ: h.types[i], slot: slotOf(f)}
		elem := c.typ
		if inner, ok := containerElem(c.typ); ok {
			c.container, elem = true, inner
		}
		c.kind = kindOf(elem)
		cols[i] = c
	}
	h.cols = cols
	return cols
}

// invalidate drops what was resolved from the columns of the header.
func (h *header) invalidate() {
	h.cols, h.fieldsHint = nil, 0
}

// newEvent returns a fresh event.
func (h *header) newEvent() *event.Event {
	if len(h.evs) == 0 {
		h.evs = make([]event.Event, eventSlab)
	}
	ev := &h.evs[0]
	h.evs = h.evs[1:]
	return ev
}

// eventSlab is how many events newEvent allocates at once.
const eventSlab = 64

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
		h.invalidate()
		h.types = strings.Split(value, h.sep)
		if len(h.types) != len(h.fields) {
			n := len(h.types)
			h.types = nil
			return errors.New("#types has " + strconv.Itoa(n) + " columns, #fields " + strconv.Itoa(len(h.fields)))
		}
	}
	return nil
}

// logName is the log's name: #path, else the one guessed from the columns.
func (h *header) logName() string {
	if h.path != "" {
		return h.path
	}
	return guessPathBy(func(c string) bool { return slices.Contains(h.fields, c) })
}

// rename precomputes the field names of the columns.
func (h *header) rename() {
	path := h.logName()
	h.log = path
	h.dataset = event.String("zeek." + path)
	h.invalidate()
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
	var text textBuf
	for len(data) > 0 {
		in := data
		var line []byte
		line, data = nextLine(data)
		src := text.line(in, len(line))
		text.advance(len(in) - len(data))
		if len(line) == 0 {
			continue
		}
		var ev *event.Event
		var err error
		if line[0] == '#' {
			if err = h.directive(src); err == nil {
				continue
			}
			err = &parse.SyntaxError{Format: Name, Offset: 0, Msg: err.Error()}
		} else {
			ev, err = h.decode(src, meta)
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

// textBuf hands out the lines of an input as strings, substrings of a copy
// of the input made textChunk bytes (whole lines) at a time: one allocation
// for many lines, where string(line) would make one each. The values of an
// event (event.original and its string columns) share that copy, so an
// event kept keeps its chunk alive: textChunk bounds that.
type textBuf struct {
	s string // a copy of the input from the current line on, or ""
}

// textChunk is how many bytes of input textBuf copies at once.
const textChunk = 4 << 10

// line returns the first n bytes of in, the input from the current line
// on, as a string.
func (t *textBuf) line(in []byte, n int) string {
	if len(t.s) < n {
		k := min(len(in), max(n, textChunk))
		if k < len(in) { // end the chunk after a line
			if i := bytes.LastIndexByte(in[n:k], '\n'); i >= 0 {
				k = n + i + 1
			} else {
				k = n
			}
		}
		t.s = string(in[:k])
	}
	return t.s[:n]
}

// advance moves past the n bytes of the current line and its end.
func (t *textBuf) advance(n int) {
	if n <= len(t.s) {
		t.s = t.s[n:]
	} else {
		t.s = ""
	}
}

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

// decode decodes one TSV data line with the header into a new event.
func (h *header) decode(src string, meta *parse.Meta) (*event.Event, error) {
	if len(h.fields) == 0 || len(h.types) != len(h.fields) {
		return nil, &parse.SyntaxError{Format: Name, Offset: 0, Msg: "data line before the #fields and #types header"}
	}
	cols := h.columns()
	n := h.fieldsHint
	if n == 0 {
		n = len(cols) + extraFields
	}
	fs := make([]event.Field, 0, n)
	// Values are typed on the stack and written to the heap once, in
	// their field: each write while the GC marks pays a write barrier.
	var m ecsRec
	s, off := src, 0
	for i := range cols {
		c := &cols[i]
		col := s
		if j := index(s, h.sep); j >= 0 {
			if i == len(cols)-1 {
				return nil, syntaxError(off+j, "more columns than the "+strconv.Itoa(len(cols))+" #fields")
			}
			col, s = s[:j], s[j+len(h.sep):]
		} else if i < len(cols)-1 {
			return nil, syntaxError(len(src), strconv.Itoa(i+1)+" columns of the "+strconv.Itoa(len(cols))+" #fields")
		} else {
			s = ""
		}
		colOff := off
		off += len(col) + len(h.sep)
		if col == h.unset || col == h.empty {
			continue
		}
		var v event.Value
		if !h.value(c, col, &v) {
			return nil, syntaxError(colOff, "column "+c.field+": "+strconv.Quote(truncate(col))+" is not a "+c.typ)
		}
		if v.IsNull() { // a set of unset elements
			continue
		}
		fs = append(fs, event.Field{Name: c.name, Value: v})
		if c.slot != 0 {
			m.set(c.slot, v)
		}
	}
	var t int64
	if ts := m.v[slotTS]; !ts.IsNull() {
		ns, _ := ts.Raw()
		t = int64(ns)
	} else if meta != nil && !meta.Received.IsZero() {
		t = meta.Received.UTC().UnixNano()
	}
	// The columns are all zeek.*: there is no related.ip among them.
	fs = m.ecs(fs, h.log, h.dataset, true)
	if meta != nil && !meta.Received.IsZero() {
		fs = append(fs, event.Field{Name: event.FieldCreated, Value: event.Time(meta.Received)})
	}
	fs = append(fs, event.Field{Name: event.FieldOriginal, Value: event.String(src)})
	h.fieldsHint = max(h.fieldsHint, len(fs))
	ev := h.newEvent()
	ev.Time, ev.Fields = t, fs
	return ev, nil
}

// extraFields is room for the ECS fields added to a record's columns, for
// the first record of a header; the next ones get as many fields as the
// most a record has had.
const extraFields = 24

func syntaxError(off int, msg string) error {
	return &parse.SyntaxError{Format: Name, Offset: off, Msg: msg}
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// value types one column by its Zeek type into *v, null for a set of
// unset elements. It reports false for a column that is not of the type.
func (h *header) value(c *column, col string, v *event.Value) bool {
	if !c.container {
		return scalar(c.kind, col, v)
	}
	var vs []event.Value
	if h.setSep != "" {
		vs = make([]event.Value, 0, min(strings.Count(col, h.setSep)+1, maxSetElems))
	}
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
		vs = append(vs, event.Value{})
		if !scalar(c.kind, e, &vs[len(vs)-1]) {
			return false
		}
	}
	*v = event.Value{}
	if len(vs) > 0 {
		*v = event.Array(vs...)
	}
	return true
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

// scalar types one value into *v; it reports false for s not of the type.
func scalar(k kind, s string, v *event.Value) bool {
	switch k {
	case kindTime:
		if ns, ok := epoch(s); ok {
			*v = event.TimeNanos(ns)
			return true
		}
		t, ok := normalize.ParseTimestamp(s, time.UTC)
		if !ok {
			return false
		}
		*v = event.Time(t)
	case kindFloat:
		f, ok := smallDecimal(s)
		if !ok {
			var err error
			if f, err = strconv.ParseFloat(s, 64); err != nil {
				return false
			}
		}
		*v = event.Float(f)
	case kindCount, kindInt:
		if n, ok := smallUint(s); ok {
			*v = event.Int(n)
			return true
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if k == kindCount && len(s) > 0 && allDigits(s) {
				*v = event.String(s) // a count above 2^63
				return true
			}
			return false
		}
		*v = event.Int(n)
	case kindAddr:
		ip, ok := normalize.IPValue(unescape(s))
		if !ok {
			return false
		}
		*v = ip
	case kindBool:
		switch s {
		case "T":
			*v = event.Bool(true)
		case "F":
			*v = event.Bool(false)
		default:
			return false
		}
	default:
		*v = event.String(unescape(s))
	}
	return true
}

// index is strings.Index, quicker for the usual one-byte separator.
func index(s, sep string) int {
	if len(sep) == 1 {
		return strings.IndexByte(s, sep[0])
	}
	return strings.Index(s, sep)
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// smallDecimal reads "digits[.digits]" of at most 15 digits, the common
// form of a Zeek interval, exactly as strconv.ParseFloat does: the digits
// as an integer (below 2^53, so exact) divided by an exact power of ten is
// correctly rounded. ok is false for anything else.
func smallDecimal(s string) (float64, bool) {
	if len(s) == 0 || len(s) > 16 {
		return 0, false
	}
	var m uint64
	digits, frac := 0, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
		case c == '.' && frac < 0:
			frac = i
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	k := 0
	if frac >= 0 {
		k = len(s) - frac - 1
	}
	return float64(m) / pow10[k], true
}

// smallUint reads 1 to 18 decimal digits, the common case of a number
// column, without strconv's generality; ok is false for anything else.
func smallUint(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
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
// of up to nanoseconds ("1300475167.096535"), as Unix nanoseconds.
func epoch(s string) (int64, bool) {
	sec, frac, _ := strings.Cut(s, ".")
	if sec == "" || len(sec) > 12 || len(frac) > 9 {
		return 0, false
	}
	var n, ns int64
	for _, c := range []byte(sec) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	for i := range 9 {
		ns *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			ns += int64(c - '0')
		}
	}
	return n*1e9 + ns, true // as time.Unix(n, ns).UnixNano()
}

// unescape resolves Zeek's \xHH escapes; other backslashes are kept.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 || !strings.Contains(s, `\x`) {
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
