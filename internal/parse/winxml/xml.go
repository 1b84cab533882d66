package winxml

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/shoseki/shoseki/internal/event"
)

// Limits on one event document.
const (
	maxDepth = 32
	maxNodes = 8192
)

// node is one element of the document tree.
type node struct {
	name    string // local name (a "prefix:" is dropped)
	attrs   []attr
	kids    []*node
	text    string // character content, entities resolved
	content bool   // has non-empty character content
}

type attr struct{ name, val string }

func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.name == name {
			return a.val, true
		}
	}
	return "", false
}

func (n *node) child(name string) *node {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// xmlError is a parse error at a byte offset.
type xmlError struct {
	off int
	msg string
}

// parser is a small XML parser for event documents: elements, attributes,
// character data, the five predefined entities and character references,
// CDATA, comments, processing instructions and a DOCTYPE-free prolog.
//
// The tree is allocated in a few pieces rather than per element: nodes from
// an arena sized by the '<' of the document, attributes and child lists as
// windows of shared arrays (an element's attributes are all read before its
// children; its children are collected on a stack and copied out at its
// end tag). Nothing of the tree outlives the decoding of the document but
// its strings, which are substrings of s; so parsers and their arrays are
// reused from document to document (see newParser).
type parser struct {
	s     string
	i     int
	nodes int
	err   *xmlError

	data  []event.Field // Record.Data of the document (Normalize keeps none of it)
	arena []node        // nodes handed out by newNode
	attrs []attr        // attributes of the elements, each a window
	kids  []*node       // child lists of the elements, each a window
	stack []*node       // children of the open elements
}

// newNode returns a zeroed node from the arena.
func (p *parser) newNode() *node {
	if len(p.arena) == cap(p.arena) {
		// A new array: pointers into the old one must stay valid.
		p.arena = make([]node, 0, max(16, elements(p.s[p.i:])))
	}
	p.arena = p.arena[:len(p.arena)+1]
	n := &p.arena[len(p.arena)-1]
	*n = node{} // the arena may be a previous document's
	return n
}

// reuse returns s emptied when it has room for n elements, else a new
// slice that has.
func reuse[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:0]
	}
	return make([]T, 0, n)
}

// parsers keeps parsers, and their arenas, from document to document.
var parsers = sync.Pool{New: func() any { return new(parser) }}

// maxKeptNodes bounds the arena of a parser kept in parsers: one for a
// huge document is dropped rather than kept (with the document it points
// into).
const maxKeptNodes = 1024

// newParser returns a parser of s; release it when done with its tree.
func newParser(s string) *parser {
	p := parsers.Get().(*parser)
	p.s, p.i, p.nodes, p.err = s, 0, 0, nil
	return p
}

// release returns p to parsers. The tree it parsed must not be used after.
func (p *parser) release() {
	p.s, p.err = "", nil
	if cap(p.arena) > maxKeptNodes || cap(p.data) > maxKeptNodes || cap(p.kids) > maxKeptNodes || cap(p.attrs) > maxKeptNodes || cap(p.stack) > maxKeptNodes {
		p.arena, p.kids, p.attrs, p.stack, p.data = nil, nil, nil, nil, nil
	}
	parsers.Put(p)
}

func (p *parser) fail(msg string) *node {
	if p.err == nil {
		p.err = &xmlError{p.i, msg}
	}
	return nil
}

// document parses the prolog and the root element; trailing white space,
// comments and processing instructions are allowed.
func (p *parser) document() *node {
	n := elements(p.s)
	p.arena = reuse(p.arena, n)
	p.kids = reuse(p.kids, n)
	p.attrs = reuse(p.attrs, n)
	p.stack = p.stack[:0]
	p.misc()
	if p.i >= len(p.s) || p.s[p.i] != '<' {
		return p.fail("no root element")
	}
	root := p.element(0)
	if root == nil {
		return nil
	}
	p.misc()
	if p.i != len(p.s) {
		return p.fail("data after the root element")
	}
	return root
}

// misc skips white space, comments, processing instructions and the XML
// declaration.
func (p *parser) misc() {
	for {
		for p.i < len(p.s) && isSpace(p.s[p.i]) {
			p.i++
		}
		switch {
		case strings.HasPrefix(p.s[p.i:], "<?"):
			j := strings.Index(p.s[p.i:], "?>")
			if j < 0 {
				p.fail("unterminated processing instruction")
				return
			}
			p.i += j + 2
		case strings.HasPrefix(p.s[p.i:], "<!--"):
			j := strings.Index(p.s[p.i+4:], "-->")
			if j < 0 {
				p.fail("unterminated comment")
				return
			}
			p.i += 4 + j + 3
		default:
			return
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':' || c >= 0x80
}

func (p *parser) name() string {
	start := p.i
	for p.i < len(p.s) && isNameByte(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func localName(n string) string {
	if i := strings.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

// element parses an element at p.i ('<').
func (p *parser) element(depth int) *node {
	if depth > maxDepth {
		return p.fail("nesting deeper than " + strconv.Itoa(maxDepth))
	}
	if p.nodes++; p.nodes > maxNodes {
		return p.fail("more than " + strconv.Itoa(maxNodes) + " elements")
	}
	p.i++ // '<'
	qname := p.name()
	if qname == "" {
		return p.fail("element without a name")
	}
	n := p.newNode()
	n.name = localName(qname)
	a0 := len(p.attrs)
	for {
		for p.i < len(p.s) && isSpace(p.s[p.i]) {
			p.i++
		}
		if p.i >= len(p.s) {
			return p.fail("unterminated start tag <" + qname)
		}
		if p.s[p.i] == '/' {
			if !strings.HasPrefix(p.s[p.i:], "/>") {
				return p.fail("malformed empty-element tag")
			}
			p.i += 2
			n.attrs = p.attrWindow(a0)
			return n
		}
		if p.s[p.i] == '>' {
			p.i++
			n.attrs = p.attrWindow(a0)
			break
		}
		an := p.name()
		if an == "" {
			return p.fail("malformed attribute")
		}
		for p.i < len(p.s) && isSpace(p.s[p.i]) {
			p.i++
		}
		if p.i >= len(p.s) || p.s[p.i] != '=' {
			return p.fail("attribute " + an + " without a value")
		}
		p.i++
		for p.i < len(p.s) && isSpace(p.s[p.i]) {
			p.i++
		}
		if p.i >= len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\'') {
			return p.fail("attribute " + an + " value not quoted")
		}
		q := p.s[p.i]
		j := strings.IndexByte(p.s[p.i+1:], q)
		if j < 0 {
			return p.fail("unterminated attribute value")
		}
		raw := p.s[p.i+1 : p.i+1+j]
		p.i += j + 2
		v, ok := p.unescape(raw)
		if !ok {
			return nil
		}
		p.attrs = append(p.attrs, attr{localName(an), v})
	}
	// Content.
	k0 := len(p.stack)
	for {
		j := strings.IndexByte(p.s[p.i:], '<')
		if j < 0 {
			return p.fail("unterminated element <" + qname + ">")
		}
		if j > 0 {
			txt, ok := p.unescape(p.s[p.i : p.i+j])
			if !ok {
				return nil
			}
			n.text += txt // shares p.s when it is the only chunk
			p.i += j
		}
		switch {
		case strings.HasPrefix(p.s[p.i:], "</"):
			p.i += 2
			end := p.name()
			if end != qname {
				return p.fail("end tag </" + end + "> does not match <" + qname + ">")
			}
			for p.i < len(p.s) && isSpace(p.s[p.i]) {
				p.i++
			}
			if p.i >= len(p.s) || p.s[p.i] != '>' {
				return p.fail("malformed end tag")
			}
			p.i++
			n.kids = p.kidWindow(k0)
			n.content = strings.TrimSpace(n.text) != "" || (n.text != "" && len(n.kids) == 0)
			return n
		case strings.HasPrefix(p.s[p.i:], "<![CDATA["):
			k := strings.Index(p.s[p.i:], "]]>")
			if k < 0 {
				return p.fail("unterminated CDATA section")
			}
			n.text += p.s[p.i+9 : p.i+k]
			p.i += k + 3
		case strings.HasPrefix(p.s[p.i:], "<!--"), strings.HasPrefix(p.s[p.i:], "<?"):
			p.misc()
			if p.err != nil {
				return nil
			}
		default:
			k := p.element(depth + 1)
			if k == nil {
				return nil
			}
			p.stack = append(p.stack, k)
		}
	}
}

// elements estimates the number of elements of s: its start tags.
func elements(s string) int {
	return strings.Count(s, "<") - strings.Count(s, "</")
}

// attrWindow returns the attributes appended since a0 as a slice of their
// own (nil when none), as append would have built them.
func (p *parser) attrWindow(a0 int) []attr {
	if len(p.attrs) == a0 {
		return nil
	}
	return p.attrs[a0:len(p.attrs):len(p.attrs)]
}

// kidWindow moves the children pushed since k0 from the stack to a window
// of p.kids (nil when none).
func (p *parser) kidWindow(k0 int) []*node {
	n := len(p.stack) - k0
	if n == 0 {
		return nil
	}
	if cap(p.kids)-len(p.kids) < n {
		// A new array: windows of the old one stay as they are.
		p.kids = make([]*node, 0, max(2*cap(p.kids), n, 32))
	}
	p.kids = append(p.kids, p.stack[k0:]...)
	p.stack = p.stack[:k0]
	return p.kids[len(p.kids)-n : len(p.kids) : len(p.kids)]
}

// unescape returns s with entity and character references resolved (s
// itself when it has none).
func (p *parser) unescape(s string) (string, bool) {
	if strings.IndexByte(s, '&') < 0 {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		j := strings.IndexByte(s, '&')
		if j < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:j])
		s = s[j:]
		k := strings.IndexByte(s, ';')
		if k < 0 || k > 12 {
			p.fail("malformed entity reference")
			return "", false
		}
		ref := s[1:k]
		s = s[k+1:]
		switch ref {
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "amp":
			b.WriteByte('&')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			if !strings.HasPrefix(ref, "#") {
				// An unknown entity (no DTD): kept as written.
				b.WriteString("&" + ref + ";")
				continue
			}
			var n uint64
			var err error
			if strings.HasPrefix(ref, "#x") || strings.HasPrefix(ref, "#X") {
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			}
			if err != nil || n > utf8.MaxRune {
				p.fail("malformed character reference &" + ref + ";")
				return "", false
			}
			b.WriteRune(rune(n))
		}
	}
}
