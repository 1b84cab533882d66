package winxml

import (
	"strconv"
	"strings"
	"unicode/utf8"
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
type parser struct {
	s     string
	i     int
	nodes int
	err   *xmlError
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
	n := &node{name: localName(qname)}
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
			return n
		}
		if p.s[p.i] == '>' {
			p.i++
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
		n.attrs = append(n.attrs, attr{localName(an), v})
	}
	// Content.
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
			n.kids = append(n.kids, k)
		}
	}
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
