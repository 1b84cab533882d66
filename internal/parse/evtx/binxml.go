package evtx

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// BinXML tokens (libyal "Token types"). The 0x40 bit of element, value,
// attribute, CDATA, char-ref and entity-ref tokens is a "more data follows"
// or "has attributes" flag; tokBase strips it.
const (
	tokEOF             = 0x00
	tokOpenStart       = 0x01
	tokCloseStart      = 0x02
	tokCloseEmpty      = 0x03
	tokEndElement      = 0x04
	tokValue           = 0x05
	tokAttribute       = 0x06
	tokCDATA           = 0x07
	tokCharRef         = 0x08
	tokEntityRef       = 0x09
	tokPITarget        = 0x0a
	tokPIData          = 0x0b
	tokTemplate        = 0x0c
	tokSubst           = 0x0d
	tokOptSubst        = 0x0e
	tokFragment        = 0x0f
	tokFlagMore        = 0x40
	tokBaseMask   byte = 0xbf
)

// Limits that keep hostile input from costing more than a bounded amount of
// time, memory or stack, whatever its length fields say.
const (
	maxDepth = 64      // nesting of elements and template instances
	maxNodes = 1 << 16 // resolved nodes per record (after template expansion)
	// maxWork bounds the steps (tokens parsed, nodes visited, 8 bytes of
	// value scanned or placed in the tree) spent on one record:
	// substitutions that reuse a BinXML value holding template instances
	// that reuse theirs could otherwise cost exponential time while adding
	// no nodes, and a large value referenced by many substitutions would
	// render to gigabytes.
	maxWork = 1 << 20
)

type nodeKind uint8

const (
	kElement nodeKind = iota + 1
	kAttr             // resolved trees only
	kText             // literal text of a value token
	kValue            // resolved trees only: a typed value (bytes in the chunk)
	kCDATA
	kCharRef
	kEntityRef
	kPITarget
	kPIData
	kSubst    // templates only: a substitution of value id
	kInstance // raw BinXML only: a nested template instance
)

// tnode is a parsed BinXML node: a template definition's body, or BinXML
// that is not a template (rare). Parsed trees are immutable and cached per
// chunk.
type tnode struct {
	kind     nodeKind
	optional bool   // kSubst: optional substitution
	vtype    uint8  // kSubst: declared value type
	id       uint16 // kSubst: value index; kCharRef: the character
	name     string // element, attribute, entity or PI target name
	text     string // kText, kCDATA, kPIData
	attrs    []tattr
	kids     []tnode
	inst     *instance // kInstance
}

type tattr struct {
	name string
	val  []tnode
}

// template is a cached template definition.
type template struct {
	nodes []tnode
	err   error
}

// value is one substitution value: its type and where its bytes are in the
// chunk.
type value struct {
	typ  uint8
	off  int32
	size int32
}

// instance is a template instance: a definition and the values that fill it.
type instance struct {
	tmpl   *template
	values []value
}

var errInProgress = errors.New("template refers to itself")

// parseError is a BinXML decoding error at a chunk-relative offset.
type parseError struct {
	off int
	msg string
}

func (e *parseError) Error() string {
	return fmt.Sprintf("binxml: %s at chunk offset %d", e.msg, e.off)
}

// parser decodes BinXML within one chunk. Name and template caches live as
// long as the chunk is loaded.
type parser struct {
	b         []byte // the chunk
	names     map[uint32]string
	templates map[uint32]*template
	depth     int
	inTmpl    int     // > 0 while parsing a template definition
	work      int     // steps spent on the current record (see maxWork)
	vals      []value // arena for instance values of the current record
	scratch   []byte
}

func (p *parser) reset(chunk []byte) {
	p.b = chunk
	if p.names == nil {
		p.names = make(map[uint32]string)
		p.templates = make(map[uint32]*template)
	}
	clear(p.names)
	clear(p.templates)
	p.depth = 0
	p.vals = p.vals[:0]
}

// cursor is a read position within [pos, end) of the chunk.
type cursor struct {
	pos, end int
	noDep    bool // inside a BinXML (0x21) value: element starts may lack the dependency id
}

func (p *parser) errf(off int, format string, args ...any) error {
	return &parseError{off: off, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) need(c *cursor, n int) error {
	if n < 0 || c.end-c.pos < n {
		return p.errf(c.pos, "truncated: need %d bytes, have %d", n, c.end-c.pos)
	}
	return nil
}

func (p *parser) u8(c *cursor) (byte, error) {
	if err := p.need(c, 1); err != nil {
		return 0, err
	}
	v := p.b[c.pos]
	c.pos++
	return v, nil
}

func (p *parser) u16(c *cursor) (uint16, error) {
	if err := p.need(c, 2); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint16(p.b[c.pos:])
	c.pos += 2
	return v, nil
}

func (p *parser) u32(c *cursor) (uint32, error) {
	if err := p.need(c, 4); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint32(p.b[c.pos:])
	c.pos += 4
	return v, nil
}

// utf16String reads a length-prefixed (characters) UTF-16 string.
func (p *parser) utf16String(c *cursor) (string, error) {
	n, err := p.u16(c)
	if err != nil {
		return "", err
	}
	if err := p.need(c, 2*int(n)); err != nil {
		return "", err
	}
	p.scratch = appendUTF16(p.scratch[:0], p.b[c.pos:c.pos+2*int(n)], false)
	c.pos += 2 * int(n)
	return string(p.scratch), nil
}

// nameAt returns the name stored at chunk offset off and the size of its
// structure: unknown (4), hash (2), characters (2), UTF-16 string, NUL (2).
func (p *parser) nameAt(off uint32) (string, int, error) {
	if int64(off)+8 > int64(len(p.b)) {
		return "", 0, p.errf(int(min(int64(off), int64(len(p.b)))), "name offset %#x out of chunk", off)
	}
	n := int(binary.LittleEndian.Uint16(p.b[off+6:]))
	size := 8 + 2*n + 2
	if int(off)+size > len(p.b) {
		return "", 0, p.errf(int(off), "name of %d characters overruns chunk", n)
	}
	if s, ok := p.names[off]; ok {
		return s, size, nil
	}
	p.scratch = appendUTF16(p.scratch[:0], p.b[int(off)+8:int(off)+8+2*n], false)
	s := string(p.scratch)
	p.names[off] = s
	return s, size, nil
}

// nameRef reads a name offset; a name defined in place (offset equal to the
// current position) is skipped over.
func (p *parser) nameRef(c *cursor) (string, error) {
	off, err := p.u32(c)
	if err != nil {
		return "", err
	}
	s, size, err := p.nameAt(off)
	if err != nil {
		return "", err
	}
	if int(off) == c.pos {
		if err := p.need(c, size); err != nil {
			return "", err
		}
		c.pos += size
	}
	return s, nil
}

// step counts one unit of work on the current record.
func (p *parser) step(off int) error { return p.charge(off, 1) }

// charge counts n units of work on the current record.
func (p *parser) charge(off, n int) error {
	p.work += n
	if p.work > maxWork {
		return p.errf(off, "record needs more than %d decoding steps", maxWork)
	}
	return nil
}

func (p *parser) enter(c *cursor) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errf(c.pos, "nesting deeper than %d", maxDepth)
	}
	return nil
}

// parseDocument parses a BinXML document or fragment: fragment headers,
// elements, template instances and PIs up to an EOF token or the end of c.
func (p *parser) parseDocument(c *cursor) ([]tnode, error) {
	var out []tnode
	for c.pos < c.end {
		if err := p.step(c.pos); err != nil {
			return out, err
		}
		start := c.pos
		tok := p.b[c.pos]
		c.pos++
		switch tok & tokBaseMask {
		case tokEOF:
			return out, nil
		case tokFragment:
			if err := p.need(c, 3); err != nil {
				return out, err
			}
			c.pos += 3
		case tokOpenStart:
			n, err := p.parseElement(c, tok, start)
			if err != nil {
				return out, err
			}
			out = append(out, n)
		case tokTemplate:
			inst, err := p.parseInstance(c)
			if err != nil {
				return out, err
			}
			out = append(out, tnode{kind: kInstance, inst: inst})
		case tokPITarget, tokPIData:
			n, err := p.parseContentToken(c, tok, start)
			if err != nil {
				return out, err
			}
			out = append(out, n)
		default:
			return out, p.errf(start, "unexpected token %#02x in fragment", tok)
		}
	}
	return out, nil
}

// elementHeaderSkip reports how many bytes follow an open-start-element
// token before the name offset: 6 (dependency id and data size) normally, 4
// when the dependency id is absent, as it may be inside a BinXML value.
func (p *parser) elementHeaderSkip(c *cursor, start int) int {
	if !c.noDep {
		return 6
	}
	plausible := func(skip int) bool {
		at := start + 1 + skip
		if at+4 > c.end {
			return false
		}
		off := binary.LittleEndian.Uint32(p.b[at:])
		if int(off) == at+4 {
			return true
		}
		if _, ok := p.names[off]; ok {
			return true
		}
		if int(off) >= start {
			return false
		}
		_, _, err := p.nameAt(off)
		return err == nil
	}
	if plausible(4) {
		return 4
	}
	return 6
}

func (p *parser) parseElement(c *cursor, tok byte, start int) (tnode, error) {
	if err := p.enter(c); err != nil {
		return tnode{}, err
	}
	defer func() { p.depth-- }()
	skip := p.elementHeaderSkip(c, start)
	if err := p.need(c, skip); err != nil {
		return tnode{}, err
	}
	c.pos += skip
	name, err := p.nameRef(c)
	if err != nil {
		return tnode{}, err
	}
	n := tnode{kind: kElement, name: name}
	if tok&tokFlagMore != 0 {
		if _, err := p.u32(c); err != nil { // attribute list size
			return n, err
		}
		for c.pos < c.end && p.b[c.pos]&tokBaseMask == tokAttribute {
			c.pos++
			aname, err := p.nameRef(c)
			if err != nil {
				return n, err
			}
			a := tattr{name: aname}
			for c.pos < c.end {
				t := p.b[c.pos]
				switch t & tokBaseMask {
				case tokValue, tokSubst, tokOptSubst, tokCharRef, tokEntityRef:
				default:
					goto attrDone
				}
				s := c.pos
				c.pos++
				v, err := p.parseContentToken(c, t, s)
				if err != nil {
					return n, err
				}
				a.val = append(a.val, v)
			}
		attrDone:
			n.attrs = append(n.attrs, a)
		}
	}
	t, err := p.u8(c)
	if err != nil {
		return n, err
	}
	switch t {
	case tokCloseEmpty:
		return n, nil
	case tokCloseStart:
	default:
		return n, p.errf(c.pos-1, "unexpected token %#02x after element start <%s>", t, name)
	}
	for {
		if c.pos >= c.end {
			return n, p.errf(c.pos, "element <%s> not closed", name)
		}
		if err := p.step(c.pos); err != nil {
			return n, err
		}
		s := c.pos
		t := p.b[c.pos]
		c.pos++
		switch t & tokBaseMask {
		case tokEndElement:
			return n, nil
		case tokOpenStart:
			kid, err := p.parseElement(c, t, s)
			if err != nil {
				return n, err
			}
			n.kids = append(n.kids, kid)
		case tokTemplate:
			inst, err := p.parseInstance(c)
			if err != nil {
				return n, err
			}
			n.kids = append(n.kids, tnode{kind: kInstance, inst: inst})
		default:
			kid, err := p.parseContentToken(c, t, s)
			if err != nil {
				return n, err
			}
			n.kids = append(n.kids, kid)
		}
	}
}

// parseContentToken parses one character-data token (the token byte at
// start is already consumed).
func (p *parser) parseContentToken(c *cursor, tok byte, start int) (tnode, error) {
	switch tok & tokBaseMask {
	case tokValue:
		vt, err := p.u8(c)
		if err != nil {
			return tnode{}, err
		}
		if vt == typeString {
			s, err := p.utf16String(c)
			return tnode{kind: kText, text: s}, err
		}
		n := fixedSize(vt)
		if n == 0 {
			return tnode{}, p.errf(start, "value token of unsupported type %#02x", vt)
		}
		if err := p.need(c, n); err != nil {
			return tnode{}, err
		}
		s := string(appendScalar(nil, vt, p.b[c.pos:c.pos+n]))
		c.pos += n
		return tnode{kind: kText, text: s}, nil
	case tokSubst, tokOptSubst:
		id, err := p.u16(c)
		if err != nil {
			return tnode{}, err
		}
		vt, err := p.u8(c)
		if err != nil {
			return tnode{}, err
		}
		return tnode{kind: kSubst, id: id, vtype: vt, optional: tok == tokOptSubst}, nil
	case tokCDATA:
		s, err := p.utf16String(c)
		return tnode{kind: kCDATA, text: s}, err
	case tokCharRef:
		v, err := p.u16(c)
		return tnode{kind: kCharRef, id: v}, err
	case tokEntityRef:
		s, err := p.nameRef(c)
		return tnode{kind: kEntityRef, name: s}, err
	case tokPITarget:
		s, err := p.nameRef(c)
		return tnode{kind: kPITarget, name: s}, err
	case tokPIData:
		s, err := p.utf16String(c)
		return tnode{kind: kPIData, text: s}, err
	}
	return tnode{}, p.errf(start, "unexpected token %#02x in content", tok)
}

// Template definition header: next definition offset (4), GUID (16), data
// size (4), then the body (fragment header, element, EOF).
const templateHeaderSize = 24

// template returns the template defined at chunk offset off, parsing and
// caching it on first use.
func (p *parser) template(off uint32) (*template, error) {
	if t, ok := p.templates[off]; ok {
		if t == nil {
			return nil, p.errf(int(off), "%v", errInProgress)
		}
		return t, t.err
	}
	if int64(off)+templateHeaderSize > int64(len(p.b)) {
		return nil, p.errf(int(min(int64(off), int64(len(p.b)))), "template offset %#x out of chunk", off)
	}
	size := binary.LittleEndian.Uint32(p.b[off+20:])
	start := int(off) + templateHeaderSize
	if int64(start)+int64(size) > int64(len(p.b)) {
		return nil, p.errf(int(off), "template of %d bytes overruns chunk", size)
	}
	p.templates[off] = nil // in progress
	c := cursor{pos: start, end: start + int(size)}
	p.inTmpl++
	nodes, err := p.parseDocument(&c)
	p.inTmpl--
	if err == nil && len(nodes) == 0 {
		err = p.errf(start, "empty template")
	}
	t := &template{nodes: nodes, err: err}
	p.templates[off] = t
	return t, err
}

// parseInstance parses a template instance after its token: unknown (1),
// template id (4), definition offset (4), the definition itself if it is
// stored here, then the substitution array: count (4), descriptors (size 2,
// type 1, unused 1) and the values.
func (p *parser) parseInstance(c *cursor) (*instance, error) {
	if err := p.enter(c); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if err := p.need(c, 9); err != nil {
		return nil, err
	}
	defOff := binary.LittleEndian.Uint32(p.b[c.pos+5:])
	c.pos += 9
	inline := int(defOff) == c.pos
	t, err := p.template(defOff)
	if err != nil {
		return nil, err
	}
	if inline {
		size := int(binary.LittleEndian.Uint32(p.b[defOff+20:]))
		if err := p.need(c, templateHeaderSize+size); err != nil {
			return nil, err
		}
		c.pos += templateHeaderSize + size
	}
	n, err := p.u32(c)
	if err != nil {
		return nil, err
	}
	if int64(n)*4 > int64(c.end-c.pos) {
		return nil, p.errf(c.pos-4, "%d substitution values do not fit in %d bytes", n, c.end-c.pos)
	}
	first := len(p.vals)
	desc := c.pos
	c.pos += 4 * int(n)
	for i := 0; i < int(n); i++ {
		size := int(binary.LittleEndian.Uint16(p.b[desc+4*i:]))
		typ := p.b[desc+4*i+2]
		if err := p.need(c, size); err != nil {
			return nil, p.errf(c.pos, "substitution value %d of %d bytes overruns record", i, size)
		}
		p.vals = append(p.vals, value{typ: typ, off: int32(c.pos), size: int32(size)})
		c.pos += size
	}
	vals := p.vals[first:len(p.vals):len(p.vals)]
	if p.inTmpl > 0 {
		// Cached with the template: must not share the per-record arena.
		vals = append([]value(nil), vals...)
		p.vals = p.vals[:first]
	}
	return &instance{tmpl: t, values: vals}, nil
}
