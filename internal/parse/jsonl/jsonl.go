package jsonl

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Limits on one record.
const (
	// MaxDepth is the deepest nesting of objects and arrays accepted.
	MaxDepth = 64
	// MaxFields is the largest number of leaf values accepted (before arrays
	// of objects are folded into array fields).
	MaxFields = 2000
)

// Name is the format name.
const Name = "json"

// Format returns the json format.
func Format() parse.Format {
	return parse.Format{
		Name:        Name,
		Description: "one JSON object per line (NDJSON); ECS documents and arbitrary JSON, flattened with dots",
		Detect:      Detect,
		Decode:      Decode,
	}
}

// Detect scores a record: 90 for a line that looks like one JSON object, 95
// when it also has an ECS @timestamp, 0 otherwise. It does not validate the
// whole object.
func Detect(record []byte) int {
	i, j := 0, len(record)
	if j-i >= 3 && record[0] == 0xEF && record[1] == 0xBB && record[2] == 0xBF {
		i = 3
	}
	for i < j && isSpace(record[i]) {
		i++
	}
	for j > i && isSpace(record[j-1]) {
		j--
	}
	if j-i < 2 || record[i] != '{' || record[j-1] != '}' {
		return 0
	}
	k := i + 1
	for k < j && isSpace(record[k]) {
		k++
	}
	if k < j && record[k] != '"' && record[k] != '}' {
		return 0
	}
	if containsTimestampKey(record[i:j]) {
		return 95
	}
	return 90
}

func containsTimestampKey(b []byte) bool {
	const key = `"@timestamp"`
	for i := 0; i+len(key) <= len(b); i++ {
		if b[i] == '"' && string(b[i:i+len(key)]) == key {
			return true
		}
	}
	return false
}

// slot describes one output field while scanning.
type slot struct {
	off, end int32 // name in scratch.names; off < 0: the name is already in the Field
	group    int32 // 0 for a scalar; else the outermost array instance it came from
	hash     uint32
}

// scratch is per-call working memory, pooled. Apart from fields and arrs it
// holds no pointers, so filling it costs no write barriers.
type scratch struct {
	path   []byte
	names  []byte
	slots  []slot
	table  []int32         // open-addressing hash index into slots, +1
	fields []event.Field   // the output fields, by slot, until resolve copies them to the event
	arrs   [][]event.Value // array accumulator of each slot with a group (buffers reused across calls)
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (sc *scratch) reset() {
	sc.path, sc.names, sc.slots, sc.fields = sc.path[:0], sc.names[:0], sc.slots[:0], sc.fields[:0]
	sc.arrs = sc.arrs[:0] // release cleared them, keeping their buffers
	if cap(sc.table) < 64 {
		sc.table = make([]int32, 64)
	}
	sc.table = sc.table[:64]
	clear(sc.table)
}

// release returns sc to the pool without the references it held into the
// record, so that a pooled scratch keeps no event's strings alive.
func (sc *scratch) release() {
	// Only this call's accumulators hold values (the others were cleared
	// when they were last used), possibly beyond their length after a
	// restart, hence up to their capacity.
	for _, acc := range sc.arrs {
		if cap(acc) > 0 {
			clear(acc[:cap(acc)])
		}
	}
	clear(sc.fields)
	if cap(sc.names) > 1<<16 || cap(sc.slots) > 4096 {
		return // do not keep the memory of an outsized record
	}
	scratchPool.Put(sc)
}

// decoder scans one record.
type decoder struct {
	src    string
	pos    int
	groups int32
	sc     *scratch
	leaves int         // leaf values seen, for MaxFields
	stamp  event.Value // the top-level @timestamp scalar, null when absent
	err    *parse.SyntaxError
}

// pipelineFields is the room Decode leaves in Fields for what the ingest
// pipeline adds to every event (input.type, log.source.address), so that
// those appends do not copy the whole slice.
const pipelineFields = 2

// Decode decodes one JSON object into ev. See the package comment for the
// mapping.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	if blank(record) {
		return parse.ErrEmpty
	}
	return decodeRecord(string(record), meta, ev, Options{Extra: pipelineFields})
}

// Options adjust DecodeString for formats built on this one (cloudtrail).
// They change how the event is assembled, not the fields decoded.
type Options struct {
	// Extra is how many fields the caller adds after DecodeString returns;
	// Fields is allocated once with room for them.
	Extra int
	// NoCommon leaves event.created and event.original unset: the caller
	// sets its own. The document's own fields of those names are kept (and
	// event.created typed) as usual.
	NoCommon bool
}

// DecodeString is Decode for a record held as a string: the event's strings
// share src rather than a copy of it, and opts say how the event is
// assembled. It makes one allocation for Fields (when ev has no room), one
// for the nested field names and one per string with escapes or array.
func DecodeString(src string, meta *parse.Meta, ev *event.Event, opts Options) error {
	if blank(src) {
		return parse.ErrEmpty
	}
	return decodeRecord(src, meta, ev, opts)
}

// blank reports whether a record holds nothing but a byte order mark and
// white space.
func blank[T string | []byte](record T) bool {
	start := 0
	if len(record) >= 3 && record[0] == 0xEF && record[1] == 0xBB && record[2] == 0xBF {
		start = 3
	}
	for i := start; i < len(record); i++ {
		if !isSpace(record[i]) {
			return false
		}
	}
	return true
}

func decodeRecord(src string, meta *parse.Meta, ev *event.Event, opts Options) error {
	start := 0
	if strings.HasPrefix(src, "\xef\xbb\xbf") {
		start = 3
	}
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	sc.reset()
	d := decoder{src: src, pos: start, sc: sc}
	d.skipSpace()
	if d.pos >= len(src) || src[d.pos] != '{' {
		return d.fail("top-level value is not an object")
	}
	ok := d.object(0, fnvOffset, 1, 0)
	if ok {
		d.skipSpace()
		if d.pos != len(src) {
			d.fail("data after the top-level object")
			ok = false
		}
	}
	if !ok {
		return d.err
	}
	extra := opts.Extra
	if !opts.NoCommon {
		extra += 2 // event.created and event.original
	}
	d.resolve(ev, extra)
	finish(src, d.stamp, meta, ev, !opts.NoCommon)
	return nil
}

func (d *decoder) fail(msg string) *parse.SyntaxError {
	if d.err == nil {
		d.err = &parse.SyntaxError{Format: Name, Offset: d.pos, Msg: msg}
	}
	return d.err
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (d *decoder) skipSpace() {
	for d.pos < len(d.src) && isSpace(d.src[d.pos]) {
		d.pos++
	}
}

// object scans an object at d.pos; the path of its members is
// sc.path[:pathLen]. It reports false after setting d.err.
func (d *decoder) object(pathLen int, pathHash uint32, depth int, group int32) bool {
	if depth > MaxDepth {
		d.fail("nesting deeper than " + strconv.Itoa(MaxDepth))
		return false
	}
	d.pos++ // '{'
	d.skipSpace()
	if d.pos < len(d.src) && d.src[d.pos] == '}' {
		d.pos++
		return true
	}
	for {
		if d.pos >= len(d.src) {
			d.fail("unexpected end of input in object")
			return false
		}
		if d.src[d.pos] != '"' {
			d.fail("expected string key")
			return false
		}
		key, ok := d.str()
		if !ok {
			return false
		}
		d.skipSpace()
		if d.pos >= len(d.src) || d.src[d.pos] != ':' {
			d.fail("expected ':' after object key")
			return false
		}
		d.pos++
		d.skipSpace()
		sc := d.sc
		sc.path = sc.path[:pathLen]
		h := pathHash
		top := depth == 1
		if !top {
			sc.path = append(sc.path, '.')
			h = (h ^ '.') * fnvPrime
		}
		sc.path = append(sc.path, key...)
		for i := 0; i < len(key); i++ {
			h = (h ^ uint32(key[i])) * fnvPrime
		}
		topKey := ""
		if top {
			topKey = key
		}
		if !d.value(len(sc.path), h, depth, group, topKey, top) {
			return false
		}
		d.skipSpace()
		if d.pos >= len(d.src) {
			d.fail("unexpected end of input in object")
			return false
		}
		switch d.src[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case '}':
			d.pos++
			return true
		default:
			d.fail("expected ',' or '}' in object")
			return false
		}
	}
}

// array scans an array at d.pos whose elements are named sc.path[:pathLen].
func (d *decoder) array(pathLen int, pathHash uint32, depth int, group int32) bool {
	if depth > MaxDepth {
		d.fail("nesting deeper than " + strconv.Itoa(MaxDepth))
		return false
	}
	d.pos++ // '['
	d.skipSpace()
	if d.pos < len(d.src) && d.src[d.pos] == ']' {
		d.pos++
		return true
	}
	for {
		if !d.value(pathLen, pathHash, depth, group, "", false) {
			return false
		}
		d.skipSpace()
		if d.pos >= len(d.src) {
			d.fail("unexpected end of input in array")
			return false
		}
		switch d.src[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case ']':
			d.pos++
			return true
		default:
			d.fail("expected ',' or ']' in array")
			return false
		}
	}
}

// value scans one value named sc.path[:pathLen], whose FNV-1a hash is
// pathHash. When top is set, the value is a member of the top-level object
// and topKey its name (sharing the record).
func (d *decoder) value(pathLen int, pathHash uint32, depth int, group int32, topKey string, top bool) bool {
	if d.pos >= len(d.src) {
		d.fail("unexpected end of input, expected a value")
		return false
	}
	var v event.Value
	c := d.src[d.pos]
	if c != '{' && c != '[' && c != 'n' && d.leaves >= MaxFields {
		d.fail("more than " + strconv.Itoa(MaxFields) + " fields")
		return false
	}
	if c != '{' && c != '[' && c != 'n' {
		d.leaves++
	}
	switch c {
	case '{':
		return d.object(pathLen, pathHash, depth+1, group)
	case '[':
		if group == 0 {
			d.groups++
			group = d.groups
		}
		return d.array(pathLen, pathHash, depth+1, group)
	case '"':
		s, ok := d.str()
		if !ok {
			return false
		}
		v = event.String(s)
	case 't':
		if !d.literal("true") {
			return false
		}
		v = event.Bool(true)
	case 'f':
		if !d.literal("false") {
			return false
		}
		v = event.Bool(false)
	case 'n':
		return d.literal("null")
	default:
		if c != '-' && (c < '0' || c > '9') {
			d.fail("invalid character " + strconv.QuoteRune(rune(c)) + " looking for a value")
			return false
		}
		var ok bool
		if v, ok = d.number(); !ok {
			return false
		}
	}
	d.emit(pathLen, pathHash, group, topKey, top, v)
	return true
}

func (d *decoder) literal(lit string) bool {
	if !strings.HasPrefix(d.src[d.pos:], lit) {
		d.fail("invalid literal")
		return false
	}
	d.pos += len(lit)
	return true
}

// FNV-1a, computed incrementally along the path.
const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// emit records a leaf value named sc.path[:pathLen] (hash h), resolving
// duplicates as it goes: the last of duplicate scalars wins; leaves of one
// array instance with the same name are folded into one array. value has
// checked MaxFields.
func (d *decoder) emit(pathLen int, h uint32, group int32, topKey string, top bool, v event.Value) {
	if top && group == 0 && topKey == event.FieldTimestamp {
		d.stamp = v // kept out of Fields: it becomes Event.Time
		return
	}
	sc := d.sc
	name := sc.path[:pathLen]
	if 2*(len(sc.slots)+1) > len(sc.table) {
		sc.grow()
	}
	mask := uint32(len(sc.table) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		k := int(sc.table[i]) - 1
		if k < 0 {
			sc.table[i] = int32(len(sc.slots)) + 1
			sl := slot{off: -1, group: group, hash: h}
			fname := ""
			if top && group == 0 {
				fname = topKey
			} else {
				sl.off = int32(len(sc.names))
				sc.names = append(sc.names, name...)
				sl.end = int32(len(sc.names))
			}
			sc.slots = append(sc.slots, sl)
			sc.fields = append(sc.fields, event.Field{Name: fname, Value: v})
			if k := len(sc.arrs); k < cap(sc.arrs) {
				sc.arrs = sc.arrs[:k+1]
				sc.arrs[k] = sc.arrs[k][:0]
			} else {
				sc.arrs = append(sc.arrs, nil)
			}
			if group != 0 {
				k := len(sc.arrs) - 1
				sc.arrs[k] = append(sc.arrs[k], v)
			}
			return
		}
		sl := &sc.slots[k]
		if sl.hash != h || !d.sameName(k, name) {
			continue
		}
		switch {
		case group != 0 && sl.group == group:
			sc.arrs[k] = append(sc.arrs[k], v)
		case group != 0:
			sl.group = group
			sc.arrs[k] = append(sc.arrs[k][:0], v)
		default:
			sl.group = 0
			sc.arrs[k] = sc.arrs[k][:0]
			sc.fields[k].Value = v
		}
		return
	}
}

// sameName reports whether slot k is named name.
func (d *decoder) sameName(k int, name []byte) bool {
	sl := &d.sc.slots[k]
	if sl.off < 0 {
		return d.sc.fields[k].Name == string(name)
	}
	return string(d.sc.names[sl.off:sl.end]) == string(name)
}

// grow doubles the hash index.
func (sc *scratch) grow() {
	size := 2 * len(sc.table)
	if cap(sc.table) >= size {
		sc.table = sc.table[:size]
		clear(sc.table)
	} else {
		sc.table = make([]int32, size)
	}
	mask := uint32(size - 1)
	for k := range sc.slots {
		i := sc.slots[k].hash & mask
		for sc.table[i] != 0 {
			i = (i + 1) & mask
		}
		sc.table[i] = int32(k) + 1
	}
}

// resolve gives fields their names from the scratch buffer (one string for
// all) and their folded arrays (one backing array for all), and appends
// them to ev.Fields, which it grows once to hold them and extra more.
func (d *decoder) resolve(ev *event.Event, extra int) {
	sc := d.sc
	names := ""
	if len(sc.names) > 0 {
		names = string(sc.names)
	}
	elems := 0
	for k := range sc.slots {
		if sc.slots[k].group != 0 {
			elems += len(sc.arrs[k])
		}
	}
	var vals []event.Value
	if elems > 0 {
		vals = make([]event.Value, 0, elems)
	}
	for k := range sc.slots {
		f := &sc.fields[k]
		sl := &sc.slots[k]
		if sl.off >= 0 {
			f.Name = names[sl.off:sl.end]
		}
		if sl.group != 0 {
			i := len(vals)
			vals = append(vals, sc.arrs[k]...)
			f.Value = event.Array(vals[i:len(vals):len(vals)]...) // capped: each array its own
		}
	}
	ev.Fields = append(slices.Grow(ev.Fields, len(sc.fields)+extra), sc.fields...)
}

// strSafe marks bytes that can be copied as they are inside a JSON string.
var strSafe = func() (t [256]bool) {
	for i := 0x20; i < 256; i++ {
		t[i] = true
	}
	t['"'], t['\\'] = false, false
	return t
}()

// str scans a string at d.pos (on its opening quote). Without escapes the
// result shares d.src.
func (d *decoder) str() (string, bool) {
	start := d.pos + 1
	i := start
	s := d.src
	for i < len(s) && strSafe[s[i]] {
		i++
	}
	if i < len(s) && s[i] == '"' {
		d.pos = i + 1
		return s[start:i], true
	}
	return d.strSlow(start, i)
}

// strSlow continues a string that has escapes from i.
func (d *decoder) strSlow(start, i int) (string, bool) {
	s := d.src
	buf := make([]byte, 0, i-start+16)
	buf = append(buf, s[start:i]...)
	for {
		if i >= len(s) {
			d.pos = i
			d.fail("unterminated string")
			return "", false
		}
		c := s[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return string(buf), true
		case c < 0x20:
			d.pos = i
			d.fail("control character in string")
			return "", false
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			d.pos = i
			d.fail("unterminated string")
			return "", false
		}
		e := s[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(s, i)
			if !ok {
				d.pos = i - 2
				d.fail("invalid \\u escape")
				return "", false
			}
			i += 4
			if utf16IsSurrogate(r) {
				r2, ok2 := rune(-1), false
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2, ok2 = hex4(s, i+2)
				}
				if ok2 && r < 0xDC00 && r2 >= 0xDC00 && r2 < 0xE000 {
					r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			d.pos = i - 2
			d.fail("invalid escape in string")
			return "", false
		}
		// copy the next run of plain bytes in one go
		j := i
		for j < len(s) && strSafe[s[j]] {
			j++
		}
		buf = append(buf, s[i:j]...)
		i = j
	}
}

func utf16IsSurrogate(r rune) bool { return r >= 0xD800 && r < 0xE000 }

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number scans a JSON number at d.pos.
func (d *decoder) number() (event.Value, bool) {
	s := d.src
	start := d.pos
	i := start
	neg := false
	if s[i] == '-' {
		neg = true
		i++
	}
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		d.pos = i
		d.fail("invalid number")
		return event.Value{}, false
	}
	var n uint64
	digitsStart := i
	if s[i] == '0' {
		i++
	} else {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			n = n*10 + uint64(s[i]-'0')
			i++
		}
	}
	nDigits := i - digitsStart
	isFloat := false
	if i < len(s) && s[i] == '.' {
		isFloat = true
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			d.pos = i
			d.fail("invalid number: no digits after '.'")
			return event.Value{}, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isFloat = true
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			d.pos = i
			d.fail("invalid number: no digits in exponent")
			return event.Value{}, false
		}
	}
	d.pos = i
	lit := s[start:i]
	if !isFloat {
		if nDigits <= 18 {
			if neg {
				return event.Int(-int64(n)), true
			}
			return event.Int(int64(n)), true
		}
		if v, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return event.Int(v), true
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return event.String(lit), true // out of range: keep the text
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return event.Int(int64(f)), true
	}
	return event.Float(f), true
}

// timeFields are ECS date fields converted from RFC 3339 strings to times.
var timeFields = [...]string{"event.created", "event.start", "event.end", "event.ingested"}

// fallbackTimeKeys are tried in order for @timestamp when it is absent.
var fallbackTimeKeys = [...]string{"timestamp", "time", "eventTime", "ts", "date"}

// finish types well-known fields and sets @timestamp and, with common,
// event.created and event.original.
func finish(src string, stamp event.Value, meta *parse.Meta, ev *event.Event, common bool) {
	loc := meta.Loc()
	haveTime, haveCreated, haveOriginal := false, false, false
	if t, ok := timeOf(stamp, loc, unitMillis); ok {
		ev.Time = t.UnixNano()
		haveTime = true
	}
	for i := 0; i < len(ev.Fields); i++ {
		f := &ev.Fields[i]
		switch name := f.Name; {
		case name == event.FieldTimestamp:
			// An array (or nested-path) @timestamp: not a time, and never
			// a member of Fields.
			ev.Fields = append(ev.Fields[:i], ev.Fields[i+1:]...)
			i--
		case name == "ip" || strings.HasSuffix(name, ".ip"):
			f.Value = toIP(f.Value)
		case name == event.FieldOriginal:
			haveOriginal = true
		case name == event.FieldCreated:
			haveCreated = true
			f.Value = toTime(f.Value)
		default:
			for _, tf := range timeFields {
				if name == tf {
					f.Value = toTime(f.Value)
					break
				}
			}
		}
	}
	if !haveTime {
	keys:
		for _, key := range fallbackTimeKeys {
			for i := range ev.Fields {
				if ev.Fields[i].Name != key {
					continue
				}
				unit := unitGuess
				if key == "ts" {
					unit = unitSeconds
				}
				if t, ok := timeOf(ev.Fields[i].Value, loc, unit); ok {
					ev.Time = t.UnixNano()
					haveTime = true
					break keys
				}
			}
		}
	}
	var received time.Time
	if meta != nil {
		received = meta.Received
	}
	if !haveTime && !received.IsZero() {
		ev.Time = received.UnixNano()
	}
	if !common {
		return
	}
	if !haveCreated && !received.IsZero() {
		ev.Fields = append(ev.Fields, event.Field{Name: event.FieldCreated, Value: event.Time(received)})
	}
	if !haveOriginal {
		ev.Fields = append(ev.Fields, event.Field{Name: event.FieldOriginal, Value: event.String(src)})
	}
}

func toIP(v event.Value) event.Value {
	switch v.Type() {
	case event.TypeString:
		if ip, ok := normalize.IPValue(v.Str()); ok {
			return ip
		}
	case event.TypeArray:
		el := v.Elems()
		var out []event.Value
		for i, e := range el {
			if e.Type() != event.TypeString {
				continue
			}
			ip, ok := normalize.IPValue(e.Str())
			if !ok {
				continue
			}
			if out == nil {
				out = make([]event.Value, len(el))
				copy(out, el)
			}
			out[i] = ip
		}
		if out != nil {
			return event.Array(out...)
		}
	}
	return v
}

func toTime(v event.Value) event.Value {
	if v.Type() == event.TypeString {
		if t, ok := normalize.ParseTimestamp(v.Str(), time.UTC); ok {
			return event.Time(t)
		}
	}
	return v
}

// Epoch units for numeric timestamps.
const (
	unitSeconds = iota
	unitMillis
	unitGuess // by magnitude: s, ms, µs or ns
)

// timeOf reads a timestamp value: an RFC 3339 string (or one without a zone,
// read in loc), or a number of epoch units.
func timeOf(v event.Value, loc *time.Location, unit int) (time.Time, bool) {
	switch v.Type() {
	case event.TypeString:
		return normalize.ParseTimestamp(v.Str(), loc)
	case event.TypeInt:
		n, _ := v.Int()
		if n >= 0 && n < 1e11 && unit != unitMillis {
			return time.Unix(n, 0).UTC(), true // whole seconds, exactly
		}
		if n >= 1e11 && n < 1e14 && unit != unitSeconds {
			return time.UnixMilli(n).UTC(), true // whole milliseconds, exactly
		}
		return epoch(float64(n), unit)
	case event.TypeFloat:
		f, _ := v.Float()
		return epoch(f, unit)
	}
	return time.Time{}, false
}

// epoch converts a number of epoch units to a time; values beyond year
// 1677..2262 (the range of Unix nanoseconds in int64) are refused.
func epoch(f float64, unit int) (time.Time, bool) {
	if math.IsNaN(f) || f < 0 {
		return time.Time{}, false
	}
	if unit == unitGuess {
		switch {
		case f < 1e11:
			unit = unitSeconds
		case f < 1e14:
			unit = unitMillis
		case f < 1e17:
			f /= 1e3 // µs → ms
			unit = unitMillis
		default:
			f /= 1e6 // ns → ms
			unit = unitMillis
		}
	}
	if unit == unitMillis {
		f /= 1e3
	}
	if f >= math.MaxInt64/1e9 {
		return time.Time{}, false
	}
	// Split before scaling so that the fraction keeps its precision; a
	// float64 holds about microseconds at today's epoch seconds.
	sec := math.Floor(f)
	us := math.Round((f - sec) * 1e6)
	return time.Unix(int64(sec), int64(us)*1e3).UTC(), true
}
