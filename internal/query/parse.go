package query

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shoseki/shoseki/internal/filter"
)

// Limits on query text, so a hostile query cannot exhaust the stack or memory.
const (
	// MaxQueryLen is the longest query text Parse accepts, in bytes.
	MaxQueryLen = 64 << 10
	// maxDepth bounds the nesting of parentheses and NOT.
	maxDepth = 100
)

// Parse parses a query: a filter followed by pipes. It never panics; errors
// are *ParseError.
func Parse(q string) (_ *Query, err error) {
	if len(q) > MaxQueryLen {
		return nil, &ParseError{Pos: MaxQueryLen, Msg: fmt.Sprintf("the query is longer than %d bytes", MaxQueryLen), Query: q}
	}
	p := &parser{src: q}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r) // a bug, not an input error
			}
			err = b.err
		}
	}()
	return p.parseQuery(), nil
}

// bailout carries a ParseError up the recursive descent (as go/parser does).
type bailout struct{ err *ParseError }

type parser struct {
	src   string
	pos   int
	depth int
}

func (p *parser) fail(pos int, format string, args ...any) {
	panic(bailout{&ParseError{Pos: pos, Msg: fmt.Sprintf(format, args...), Query: p.src}})
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.pos, "the query nests deeper than %d levels", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

func (p *parser) eof() bool { return p.pos >= len(p.src) }

// peek returns the byte at pos, or 0 at the end.
func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) peekAt(i int) byte {
	if i < len(p.src) {
		return p.src[i]
	}
	return 0
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

// isDelim reports whether a filter value may end before offset i.
func (p *parser) isDelim(i int) bool {
	if i >= len(p.src) {
		return true
	}
	c := p.src[i]
	return isSpace(c) || c == ')' || c == '|'
}

// describe names what stands at pos, for error messages.
func (p *parser) describe() string {
	if p.eof() {
		return "the end of the query"
	}
	end := p.pos
	for end < len(p.src) && end-p.pos < 20 && !isSpace(p.src[end]) {
		end++
	}
	if end == p.pos {
		end++
	}
	for end < len(p.src) && !utf8.RuneStart(p.src[end]) {
		end++
	}
	return fmt.Sprintf("%q", p.src[p.pos:end])
}

// isFieldRune reports whether r may appear in a field name.
func isFieldRune(r rune) bool {
	return r == '_' || r == '.' || r == '@' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// scanField returns the end of the field-name characters starting at i.
func (p *parser) scanField(i int) int {
	for i < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[i:])
		if r == utf8.RuneError || !isFieldRune(r) {
			break
		}
		i += n
	}
	return i
}

// atKeyword reports whether the upper-case filter keyword kw stands at pos as
// a word of its own.
func (p *parser) atKeyword(kw string) bool {
	if !strings.HasPrefix(p.src[p.pos:], kw) {
		return false
	}
	end := p.pos + len(kw)
	if end == len(p.src) {
		return true
	}
	c := p.src[end]
	return isSpace(c) || c == '(' || c == ')' || c == '|' || c == '"'
}

func (p *parser) parseQuery() *Query {
	q := &Query{}
	p.skipSpace()
	if p.eof() || p.peek() == '|' {
		q.Filter = filter.MatchAll{}
	} else {
		q.Filter = p.parseOr("")
	}
	p.skipSpace()
	if !p.eof() && p.peek() != '|' {
		p.fail(p.pos, "unbalanced ')'") // the only way parseOr stops early
	}
	for !p.eof() {
		p.pos++ // '|'
		q.Pipes = append(q.Pipes, p.parsePipe())
	}
	return q
}

func (p *parser) parseOr(field string) filter.Node {
	nodes := []filter.Node{p.parseAnd(field)}
	for {
		p.skipSpace()
		if !p.atKeyword("OR") {
			break
		}
		p.pos += len("OR")
		nodes = append(nodes, p.parseAnd(field))
	}
	if len(nodes) == 1 {
		return nodes[0]
	}
	var flat []filter.Node
	for _, n := range nodes {
		if o, ok := n.(*filter.Or); ok {
			flat = append(flat, o.Nodes...)
		} else {
			flat = append(flat, n)
		}
	}
	return &filter.Or{Nodes: flat}
}

func (p *parser) parseAnd(field string) filter.Node {
	nodes := []filter.Node{p.parseNot(field)}
	for {
		p.skipSpace()
		if p.eof() || p.peek() == ')' || p.peek() == '|' || p.atKeyword("OR") {
			break
		}
		if p.atKeyword("AND") {
			p.pos += len("AND")
		}
		nodes = append(nodes, p.parseNot(field))
	}
	var flat []filter.Node
	for _, n := range nodes {
		switch t := n.(type) {
		case *filter.And:
			flat = append(flat, t.Nodes...)
		case filter.MatchAll, *filter.MatchAll:
			// "* AND x" is x
		default:
			flat = append(flat, n)
		}
	}
	switch len(flat) {
	case 0:
		return filter.MatchAll{}
	case 1:
		return flat[0]
	}
	return &filter.And{Nodes: flat}
}

func (p *parser) parseNot(field string) filter.Node {
	p.skipSpace()
	if p.eof() || p.peek() == '|' {
		p.fail(p.pos, "expected a search term, found %s", p.describe())
	}
	negate := false
	if p.atKeyword("NOT") {
		p.pos += len("NOT")
		negate = true
	} else if c := p.peek(); (c == '-' || c == '!') && !p.isDelim(p.pos+1) {
		p.pos++
		negate = true
	}
	if negate {
		p.enter()
		n := p.parseNot(field)
		p.leave()
		return &filter.Not{Node: n}
	}
	for _, kw := range []string{"AND", "OR"} {
		if p.atKeyword(kw) {
			p.fail(p.pos, "expected a search term before %s", kw)
		}
	}
	return p.parsePrimary(field)
}

func (p *parser) parsePrimary(field string) filter.Node {
	switch p.peek() {
	case ')':
		p.fail(p.pos, "expected a search term, found ')'")
	case '(':
		return p.parseGroup(field)
	}
	return p.parseTerm(field)
}

// parseGroup parses "( or-expression )" at pos; field is the default field
// of a field:( ... ) group.
func (p *parser) parseGroup(field string) filter.Node {
	open := p.pos
	p.pos++
	p.enter()
	p.skipSpace()
	if p.peek() == ')' {
		p.fail(p.pos, "empty parentheses")
	}
	n := p.parseOr(field)
	p.skipSpace()
	if p.peek() != ')' {
		p.fail(open, "unclosed '('")
	}
	p.pos++
	p.leave()
	return n
}

func (p *parser) parseTerm(field string) filter.Node {
	start := p.pos
	if field == "" {
		end := p.scanField(start)
		if end < len(p.src) {
			switch c := p.src[end]; c {
			case ':', '<', '>':
				if end == start {
					p.fail(start, "missing field name before %q", c)
				}
				p.pos = end
				return p.parseFieldTerm(p.src[start:end], start)
			}
		}
	}
	return p.parseValue(field, start)
}

// parseFieldTerm parses what follows a field name: ":value", ":(group)",
// ":>=v" or ">=v".
func (p *parser) parseFieldTerm(field string, start int) filter.Node {
	if p.peek() == ':' {
		p.pos++
		switch p.peek() {
		case '<', '>':
		case '(':
			return p.parseGroup(field)
		default:
			return p.parseValue(field, start)
		}
	}
	var op filter.Op
	switch {
	case strings.HasPrefix(p.src[p.pos:], "<="):
		op = filter.OpLTE
	case strings.HasPrefix(p.src[p.pos:], ">="):
		op = filter.OpGTE
	case p.peek() == '<':
		op = filter.OpLT
	default:
		op = filter.OpGT
	}
	p.pos++
	if op == filter.OpLTE || op == filter.OpGTE {
		p.pos++
	}
	if p.isDelim(p.pos) {
		p.fail(p.pos, "expected a value after %q", p.src[start:p.pos])
	}
	valPos := p.pos
	var v string
	if p.peek() == '"' {
		v = p.readQuoted()
		p.expectDelim("quoted value")
	} else {
		_, v, _, _ = p.readUnquoted()
	}
	return p.newTerm(start, valPos, field, op, v, "")
}

// parseValue parses the value of field:value, or a bare term when field is "".
func (p *parser) parseValue(field string, start int) filter.Node {
	valPos := p.pos
	if p.isDelim(p.pos) {
		p.fail(p.pos, "expected a value after %q", field+":")
	}
	switch c := p.peek(); {
	case c == '"':
		v := p.readQuoted()
		p.expectDelim("quoted value")
		return p.newTerm(start, valPos, field, filter.OpPhrase, v, "")
	case c == '*' && p.isDelim(p.pos+1):
		p.pos++
		if field == "" {
			return filter.MatchAll{}
		}
		return p.newTerm(start, valPos, field, filter.OpExists, "", "")
	case (c == '[' || c == '{') && field != "":
		return p.parseRange(field, start)
	case c == '/':
		if re, ok := p.tryRegex(); ok {
			return p.newTerm(start, valPos, field, filter.OpRegex, re, "")
		}
	}
	raw, v, wild, escaped := p.readUnquoted()
	if wild {
		return p.newTerm(start, valPos, field, filter.OpWildcard, raw, "")
	}
	if field != "" && !escaped && strings.IndexByte(v, '/') > 0 {
		if _, err := netip.ParsePrefix(v); err == nil {
			return p.newTerm(start, valPos, field, filter.OpCIDR, v, "")
		}
	}
	return p.newTerm(start, valPos, field, filter.OpEq, v, "")
}

func (p *parser) newTerm(start, valPos int, field string, op filter.Op, v, hi string) *filter.Term {
	t, err := filter.NewTerm(field, op, v, hi)
	if err != nil {
		p.fail(valPos, "%s", err.Error())
	}
	t.Pos = start
	return t
}

func (p *parser) expectDelim(what string) {
	if !p.isDelim(p.pos) {
		p.fail(p.pos, "expected a space, ')' or '|' after the %s, found %s", what, p.describe())
	}
}

// readQuoted reads a string in double (or other) quotes at pos, with
// backslash escaping the next byte, and returns it unescaped.
func (p *parser) readQuoted() string {
	q := p.src[p.pos]
	start := p.pos
	p.pos++
	var b []byte
	from := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\\':
			if p.pos+1 >= len(p.src) {
				p.fail(start, "unclosed quote")
			}
			b = append(b, p.src[from:p.pos]...)
			b = append(b, p.src[p.pos+1])
			p.pos += 2
			from = p.pos
			continue
		case q:
			var s string
			if b == nil {
				s = p.src[from:p.pos]
			} else {
				s = string(append(b, p.src[from:p.pos]...))
			}
			p.pos++
			return s
		}
		p.pos++
	}
	p.fail(start, "unclosed quote")
	return ""
}

// readUnquoted reads an unquoted filter value up to a space, ')' or '|'.
// It returns the text as written (raw), unescaped (v), whether it holds an
// unescaped wildcard, and whether it used a backslash escape.
func (p *parser) readUnquoted() (raw, v string, wild, escaped bool) {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if isSpace(c) || c == ')' || c == '|' {
			break
		}
		switch c {
		case '\\':
			if p.pos+1 >= len(p.src) {
				p.fail(p.pos, "a backslash at the end of the query escapes nothing")
			}
			escaped = true
			p.pos += 2
			continue
		case '*', '?':
			wild = true
		}
		p.pos++
	}
	raw = p.src[start:p.pos]
	if raw == "" {
		p.fail(start, "expected a value, found %s", p.describe())
	}
	return raw, unescape(raw), wild, escaped
}

func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b = append(b, s[i])
	}
	return string(b)
}

// tryRegex reads /re/ at pos when the closing slash is followed by a
// delimiter; otherwise it leaves pos alone (the value is a plain one, such
// as a path). Inside, \/ stands for a slash; other escapes belong to re.
func (p *parser) tryRegex() (string, bool) {
	var b strings.Builder
	for i := p.pos + 1; i < len(p.src); {
		c := p.src[i]
		switch {
		case c == '\\' && i+1 < len(p.src):
			if p.src[i+1] != '/' {
				b.WriteByte(c)
			}
			b.WriteByte(p.src[i+1])
			i += 2
			continue
		case c == '/':
			if !p.isDelim(i + 1) {
				return "", false
			}
			p.pos = i + 1
			return b.String(), true
		}
		b.WriteByte(c)
		i++
	}
	return "", false
}

// parseRange parses [lo TO hi] with either bracket kind at each end.
func (p *parser) parseRange(field string, start int) filter.Node {
	open := p.src[p.pos]
	valPos := p.pos
	p.pos++
	p.skipSpace()
	lo := p.readBound()
	p.skipSpace()
	if !(len(p.src)-p.pos >= 2 && strings.EqualFold(p.src[p.pos:p.pos+2], "TO") && (p.pos+2 == len(p.src) || isSpace(p.src[p.pos+2]))) {
		p.fail(p.pos, "expected TO in the range, found %s", p.describe())
	}
	p.pos += 2
	p.skipSpace()
	hi := p.readBound()
	p.skipSpace()
	closeB := p.peek()
	if closeB != ']' && closeB != '}' {
		p.fail(p.pos, "expected ']' or '}' to close the range, found %s", p.describe())
	}
	p.pos++
	p.expectDelim("range")
	t := p.newTerm(start, valPos, field, filter.OpRange, lo, hi)
	t.SetInclusive(open == '[', closeB == ']')
	return t
}

func (p *parser) readBound() string {
	if p.peek() == '"' {
		return p.readQuoted()
	}
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if isSpace(c) || c == ']' || c == '}' || c == ')' || c == '|' {
			break
		}
		if c == '\\' {
			if p.pos+1 >= len(p.src) {
				p.fail(p.pos, "a backslash at the end of the query escapes nothing")
			}
			p.pos++
		}
		p.pos++
	}
	if p.pos == start {
		p.fail(p.pos, "expected a range bound, found %s", p.describe())
	}
	return unescape(p.src[start:p.pos])
}
