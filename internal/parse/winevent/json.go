package winevent

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// A small JSON reader for the shapes this package decodes. encoding/json into
// map[string]any costs several allocations per value and ~5x the time; this
// reader parses into a compact tree whose strings are substrings of the one
// string holding the record (which becomes event.original anyway), so a
// typical Sysmon record costs a handful of allocations.

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNum
	jStr
	jObj
	jArr
)

// jval is a parsed JSON value. For jNum, s holds the literal; for jBool, s is
// "true" or "false".
type jval struct {
	k    jkind
	s    string
	kids []jmem // object members, or array elements (with empty keys)
}

type jmem struct {
	key string
	val jval
}

// get returns the member named key of an object, or a null value.
func (v *jval) get(key string) *jval {
	if v == nil || v.k != jObj {
		return nil
	}
	for i := range v.kids {
		if v.kids[i].key == key {
			return &v.kids[i].val
		}
	}
	return nil
}

// path follows object members.
func (v *jval) path(keys ...string) *jval {
	for _, k := range keys {
		v = v.get(k)
		if v == nil {
			return nil
		}
	}
	return v
}

// text returns the text of a scalar (strings as they are, numbers and
// booleans as their literal), "" for null, objects and arrays.
func (v *jval) text() string {
	if v == nil {
		return ""
	}
	switch v.k {
	case jStr, jNum, jBool:
		return v.s
	}
	return ""
}

// uint returns a number (or a numeric string, decimal or 0x-hex) as uint64.
func (v *jval) uint() (uint64, bool) {
	if v == nil || (v.k != jNum && v.k != jStr) {
		return 0, false
	}
	s := v.s
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		n, err := strconv.ParseUint(s[2:], 16, 64)
		return n, err == nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

const maxDepth = 64

type jsonError struct {
	off int
	msg string
}

type jparser struct {
	src   string
	pos   int
	depth int
	err   *jsonError
	esc   []byte // unescaped string bytes of the current document (see parseEscaped)
	stk   []jmem // members and elements of the containers being parsed
	arena []jmem // the finished containers' children; reused by the next parse
}

func (p *jparser) fail(msg string) {
	if p.err == nil {
		p.err = &jsonError{off: p.pos, msg: msg}
	}
}

func (p *jparser) ws() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// parseValue parses one value at p.pos. Values are returned, not written
// through a pointer: the parser is recursive, and a pointer into a caller's
// local would make escape analysis move every member to the heap.
func (p *jparser) parseValue() (v jval) {
	p.ws()
	if p.pos >= len(p.src) {
		p.fail("unexpected end of input")
		return
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		p.depth++
		v = p.parseObject()
		p.depth--
	case c == '[':
		p.depth++
		v = p.parseArray()
		p.depth--
	case c == '"':
		v.k = jStr
		v.s = p.parseString()
	case c == 't':
		v = p.literal("true", jBool)
	case c == 'f':
		v = p.literal("false", jBool)
	case c == 'n':
		v = p.literal("null", jNull)
	case c == '-' || (c >= '0' && c <= '9'):
		v = p.parseNumber()
	default:
		p.fail("unexpected character " + strconv.QuoteRune(rune(c)))
	}
	return v
}

func (p *jparser) literal(lit string, k jkind) (v jval) {
	if len(p.src)-p.pos < len(lit) || p.src[p.pos:p.pos+len(lit)] != lit {
		p.fail("invalid literal")
		return
	}
	v.k = k
	if k == jBool {
		v.s = lit
	}
	p.pos += len(lit)
	return v
}

func (p *jparser) parseNumber() (v jval) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	digits := 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
			if c >= '0' && c <= '9' {
				digits++
			}
			p.pos++
			continue
		}
		break
	}
	if digits == 0 {
		p.fail("invalid number")
		return
	}
	v.k = jNum
	v.s = p.src[start:p.pos]
	return v
}

func (p *jparser) parseObject() (v jval) {
	if p.depth >= maxDepth {
		p.fail("nesting too deep")
		return
	}
	p.pos++ // {
	v.k = jObj
	p.ws()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return v
	}
	base := len(p.stk)
	p.object()
	v.kids = p.finish(base)
	return v
}

// finish moves the children parsed since base from the stack to the arena.
// Slices handed out earlier stay valid when the arena grows (they keep the
// old array); they are overwritten only by the next parse with p.
func (p *jparser) finish(base int) []jmem {
	n := len(p.stk) - base
	if n == 0 {
		return nil
	}
	if cap(p.arena)-len(p.arena) < n {
		p.arena = make([]jmem, 0, max(2*cap(p.arena), n, 256))
	}
	start := len(p.arena)
	p.arena = append(p.arena, p.stk[base:]...)
	// Not cleared: stale entries only keep the last documents' strings
	// alive until overwritten, and clearing costs write barriers.
	p.stk = p.stk[:base]
	return p.arena[start:len(p.arena):len(p.arena)]
}

func (p *jparser) object() {
	for p.err == nil {
		p.ws()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			p.fail("expected object key")
			return
		}
		key := p.parseString()
		p.ws()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			p.fail("expected ':'")
			return
		}
		p.pos++
		val := p.parseValue()
		p.stk = append(p.stk, jmem{key: key, val: val})
		p.ws()
		if p.pos >= len(p.src) {
			p.fail("unterminated object")
			return
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return
		default:
			p.fail("expected ',' or '}'")
			return
		}
	}
}

func (p *jparser) parseArray() (v jval) {
	if p.depth >= maxDepth {
		p.fail("nesting too deep")
		return
	}
	p.pos++ // [
	v.k = jArr
	p.ws()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return v
	}
	base := len(p.stk)
	p.array()
	v.kids = p.finish(base)
	return v
}

func (p *jparser) array() {
	for p.err == nil {
		val := p.parseValue()
		p.stk = append(p.stk, jmem{val: val})
		p.ws()
		if p.pos >= len(p.src) {
			p.fail("unterminated array")
			return
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return
		default:
			p.fail("expected ',' or ']'")
			return
		}
	}
}

// parseString parses a string literal at p.pos (which holds '"'). Without
// escapes the result is a substring of the input.
func (p *jparser) parseString() string {
	p.pos++
	start := p.pos
	for i := start; i < len(p.src); i++ {
		switch p.src[i] {
		case '"':
			p.pos = i + 1
			return p.src[start:i]
		case '\\':
			p.pos = i
			return p.parseEscaped(start)
		}
	}
	p.pos = len(p.src)
	p.fail("unterminated string")
	return ""
}

// parseEscaped unescapes a string into p.esc, a per-document buffer that is
// only ever appended to (never rewritten), so the string handed out can
// share its bytes: one allocation per document instead of one per string.
func (p *jparser) parseEscaped(start int) string {
	if cap(p.esc)-len(p.esc) < len(p.src)-start {
		p.esc = make([]byte, 0, len(p.src)-start)
	}
	b := append(p.esc, p.src[start:p.pos]...)
	from := len(p.esc)
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			p.esc = b
			if len(b) == from {
				return ""
			}
			return unsafe.String(&b[from], len(b)-from)
		case c != '\\':
			b = append(b, c)
			p.pos++
			continue
		}
		p.pos++
		if p.pos >= len(p.src) {
			break
		}
		e := p.src[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				p.fail("invalid \\u escape")
				return ""
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if p.pos+1 < len(p.src) && p.src[p.pos] == '\\' && p.src[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if lo, ok := p.hex4(); ok {
						r2 = utf16.DecodeRune(r, lo)
						if r2 == utf8.RuneError {
							p.pos = save
						}
					} else {
						p.pos = save
					}
				}
				r = r2
			}
			b = utf8.AppendRune(b, r)
		default:
			p.fail("invalid escape")
			return ""
		}
	}
	p.fail("unterminated string")
	return ""
}

func (p *jparser) hex4() (rune, bool) {
	if len(p.src)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for i := 0; i < 4; i++ {
		c := p.src[p.pos+i]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

// parseJSON parses src as exactly one JSON value (surrounding white space
// allowed) with a fresh parser.
func parseJSON(src string) (jval, *jsonError) {
	var p jparser
	return p.parse(src)
}

// parse parses src as exactly one JSON value. The result is valid until the
// next call of parse on p.
func (p *jparser) parse(src string) (jval, *jsonError) {
	p.src, p.pos, p.depth, p.err = src, 0, 0, nil
	p.arena = p.arena[:0]
	v := p.parseValue()
	if p.err == nil {
		p.ws()
		if p.pos != len(p.src) {
			p.fail("trailing data after JSON value")
		}
	}
	err := p.err
	p.src, p.err = "", nil
	p.esc = nil // strings handed out share it
	if cap(p.arena) > 1<<16 {
		p.arena = nil
	}
	return v, err
}

// skipValue returns the end offset of the JSON value starting at or after
// off (white space skipped) without building it, for splitting concatenated
// documents. ok is false when the value is incomplete or invalid.
func skipValue(src []byte, off int) (start, end int, ok bool) {
	i := off
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
		i++
	}
	start = i
	if i >= len(src) {
		return start, i, false
	}
	switch src[i] {
	case '{', '[':
		depth := 0
		inStr := false
		for ; i < len(src); i++ {
			c := src[i]
			if inStr {
				switch c {
				case '\\':
					i++
				case '"':
					inStr = false
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return start, i + 1, true
				}
			}
		}
		return start, len(src), false
	default:
		// A scalar document: up to the next white space.
		for i < len(src) && src[i] != ' ' && src[i] != '\t' && src[i] != '\n' && src[i] != '\r' {
			i++
		}
		return start, i, true
	}
}
