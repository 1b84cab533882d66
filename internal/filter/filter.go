// Package filter is the filter half of a Shoseki query (what comes before the
// first pipe): its syntax tree, its evaluation against one event, and the
// pruning questions a store may answer from a block's index without reading
// the block. It is the contract between the query language and the stores:
// the query parser builds these nodes, every store evaluates them.
//
// Semantics (the same for every store):
//   - String comparisons are case-insensitive.
//   - field:value on a text field (message, event.original, error.message)
//     matches when the value's words appear in order in the text; on any other
//     field it matches the whole value. A numeric value compares numerically
//     with numeric fields.
//   - A bare word or phrase matches the words in message or event.original.
//   - field:pre*fix? globs over the whole value (bare: anywhere in the text).
//   - field:/re/ is an unanchored RE2 match, case-sensitive unless (?i).
//   - field:10.0.0.0/8 on an IP value matches by CIDR.
//   - An array value matches when any element does.
//   - Match never panics and never allocates for string equality.
package filter

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// Node is a filter expression. String renders it back in query syntax.
type Node interface {
	String() string
	match(e *event.Event) bool
}

// And matches when every child matches (and the empty And matches all).
type And struct{ Nodes []Node }

// Or matches when any child matches.
type Or struct{ Nodes []Node }

// Not matches when its child does not.
type Not struct{ Node Node }

// MatchAll matches every event (the empty query, or `*`).
type MatchAll struct{}

// Op is a term's comparison.
type Op uint8

// The term operators.
const (
	OpEq       Op = iota + 1 // field:value, bare word
	OpPhrase                 // field:"a phrase", bare "a phrase"
	OpWildcard               // field:pre*fix?
	OpRegex                  // field:/re/
	OpExists                 // field:*
	OpCIDR                   // field:10.0.0.0/8
	OpLT                     // field<v
	OpLTE                    // field<=v
	OpGT                     // field>v
	OpGTE                    // field>=v
	OpRange                  // field:[lo TO hi], field:{lo TO hi}
)

// Term is one comparison. Build it with NewTerm; the zero Term is invalid.
type Term struct {
	Field  string // "" for a bare word or phrase
	Op     Op
	Value  string // the literal, unescaped (the low bound for OpRange)
	Hi     string // the high bound for OpRange
	IncLo  bool   // OpRange: low bound inclusive
	IncHi  bool   // OpRange: high bound inclusive
	Pos    int    // byte offset in the query, for error messages
	lower  string // Value lowercased
	words  []string
	re     *regexp.Regexp
	prefix netip.Prefix
	lo, hi bound
}

type bound struct {
	open  bool // "*": unbounded
	isNum bool
	num   float64
	isT   bool
	t     int64
	s     string
}

// TextFields are the fields matched by words rather than whole values.
var TextFields = []string{event.FieldMessage, event.FieldOriginal, event.FieldErrorMsg}

// BareFields are the fields a bare word or phrase is searched in.
var BareFields = []string{event.FieldMessage, event.FieldOriginal}

// IsTextField reports whether field holds free text (matched by words).
func IsTextField(field string) bool {
	for _, f := range TextFields {
		if f == field {
			return true
		}
	}
	return false
}

// NewTerm builds a term, compiling what its operator needs. For OpRange pass
// the bounds as value and hi ("*" for open). Errors are input errors.
func NewTerm(field string, op Op, value, hi string) (*Term, error) {
	t := &Term{Field: field, Op: op, Value: value, Hi: hi, IncLo: true, IncHi: true}
	t.lower = strings.ToLower(value)
	switch op {
	case OpEq, OpPhrase:
		if field == "" || IsTextField(field) {
			t.words = Tokens(t.lower, nil)
			if len(t.words) == 0 && field == "" {
				return nil, fmt.Errorf("search term %q has no words to look for", value)
			}
		}
	case OpWildcard:
		if field == "" {
			t.lower = "*" + t.lower + "*"
		}
	case OpRegex:
		re, err := regexp.Compile(value)
		if err != nil {
			return nil, fmt.Errorf("bad regular expression /%s/: %w", value, err)
		}
		t.re = re
	case OpExists:
		if field == "" {
			return nil, fmt.Errorf("field:* needs a field name")
		}
	case OpCIDR:
		p, err := netip.ParsePrefix(value)
		if err != nil {
			return nil, fmt.Errorf("bad CIDR %q: %w", value, err)
		}
		t.prefix = p.Masked()
	case OpLT, OpLTE, OpGT, OpGTE:
		if field == "" {
			return nil, fmt.Errorf("comparison needs a field name")
		}
		t.lo = parseBound(value)
		if t.lo.open {
			return nil, fmt.Errorf("comparison with * is not allowed")
		}
	case OpRange:
		if field == "" {
			return nil, fmt.Errorf("range needs a field name")
		}
		t.lo, t.hi = parseBound(value), parseBound(hi)
	default:
		return nil, fmt.Errorf("unknown operator %d", op)
	}
	return t, nil
}

// SetInclusive sets whether a range's bounds are inclusive ([ ]) or not ({ }).
func (t *Term) SetInclusive(lo, hi bool) { t.IncLo, t.IncHi = lo, hi }

func parseBound(s string) bound {
	if s == "*" {
		return bound{open: true}
	}
	b := bound{s: s}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		b.isNum, b.num = true, f
	}
	if tm, ok := ParseTime(s); ok {
		b.isT, b.t = true, tm.UnixNano()
	}
	return b
}

// ParseTime parses the absolute time forms accepted in queries: RFC 3339
// (with or without fractional seconds and zone; no zone means UTC) and a
// bare date.
func ParseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (n *And) match(e *event.Event) bool {
	for _, c := range n.Nodes {
		if !c.match(e) {
			return false
		}
	}
	return true
}

func (n *Or) match(e *event.Event) bool {
	for _, c := range n.Nodes {
		if c.match(e) {
			return true
		}
	}
	return false
}

func (n *Not) match(e *event.Event) bool   { return !n.Node.match(e) }
func (MatchAll) match(e *event.Event) bool { return true }

// Match reports whether e satisfies n. A nil node matches everything.
func Match(n Node, e *event.Event) bool {
	if n == nil {
		return true
	}
	return n.match(e)
}

func (t *Term) match(e *event.Event) bool {
	if t.Field == "" {
		for _, f := range BareFields {
			if v, ok := e.Get(f); ok && t.matchValue(v, true) {
				return true
			}
		}
		return false
	}
	v, ok := e.Get(t.Field)
	if !ok {
		return false
	}
	if t.Op == OpExists {
		return true
	}
	return t.matchValue(v, IsTextField(t.Field))
}

func (t *Term) matchValue(v event.Value, text bool) bool {
	if v.Type() == event.TypeArray {
		for _, el := range v.Elems() {
			if t.matchValue(el, text) {
				return true
			}
		}
		return false
	}
	switch t.Op {
	case OpExists:
		return true
	case OpEq, OpPhrase:
		if text {
			return containsWords(textOf(v), t.words, t.Op == OpPhrase)
		}
		switch v.Type() {
		case event.TypeInt, event.TypeFloat:
			if f, ok := v.Float(); ok {
				if q, err := strconv.ParseFloat(t.Value, 64); err == nil {
					return f == q
				}
			}
		case event.TypeTime:
			if q, ok := ParseTime(t.Value); ok {
				tv, _ := v.Time()
				return tv.Equal(q)
			}
		case event.TypeIP:
			if a, ok := v.Addr(); ok {
				if q, err := netip.ParseAddr(t.Value); err == nil {
					return a == q.Unmap()
				}
			}
		}
		return strings.EqualFold(textOf(v), t.Value)
	case OpWildcard:
		return Glob(t.lower, strings.ToLower(textOf(v)))
	case OpRegex:
		return t.re.MatchString(textOf(v))
	case OpCIDR:
		a, ok := v.Addr()
		return ok && t.prefix.Contains(a)
	case OpLT:
		c, ok := compare(v, t.lo)
		return ok && c < 0
	case OpLTE:
		c, ok := compare(v, t.lo)
		return ok && c <= 0
	case OpGT:
		c, ok := compare(v, t.lo)
		return ok && c > 0
	case OpGTE:
		c, ok := compare(v, t.lo)
		return ok && c >= 0
	case OpRange:
		if !t.lo.open {
			c, ok := compare(v, t.lo)
			if !ok || c < 0 || (c == 0 && !t.IncLo) {
				return false
			}
		}
		if !t.hi.open {
			c, ok := compare(v, t.hi)
			if !ok || c > 0 || (c == 0 && !t.IncHi) {
				return false
			}
		}
		return true
	}
	return false
}

func textOf(v event.Value) string {
	if v.Type() == event.TypeString || v.Type() == event.TypeIP {
		return v.Str()
	}
	return v.Text()
}

// compare orders v against b: numerically when both are numbers, by time
// when v is a time and b parses as one, else as strings (case-sensitive).
func compare(v event.Value, b bound) (int, bool) {
	switch v.Type() {
	case event.TypeTime:
		if b.isT {
			n, _ := v.Int()
			return cmp3(n, b.t), true
		}
		if b.isNum {
			n, _ := v.Int()
			return cmp3(float64(n), b.num), true
		}
		return 0, false
	case event.TypeInt, event.TypeFloat, event.TypeBool:
		if !b.isNum {
			return 0, false
		}
		f, _ := v.Float()
		return cmp3(f, b.num), true
	case event.TypeString:
		if b.isNum {
			if f, ok := v.Float(); ok {
				return cmp3(f, b.num), true
			}
		}
		return strings.Compare(v.Str(), b.s), true
	case event.TypeIP:
		a, ok := v.Addr()
		q, err := netip.ParseAddr(b.s)
		if !ok || err != nil {
			return 0, false
		}
		return a.Compare(q.Unmap()), true
	}
	return 0, false
}

func cmp3[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// containsWords reports whether text holds the words (lowercase) in order:
// as adjacent tokens for a phrase, or each anywhere for a single word list
// from an unquoted term (which then also must be adjacent: "10.1.2.3" is one
// value made of four tokens).
func containsWords(text string, words []string, phrase bool) bool {
	if len(words) == 0 {
		return false
	}
	_ = phrase // unquoted multi-token values (IPs, paths) are phrases too
	first := words[0]
	for i := 0; i <= len(text)-len(first); {
		j := indexFold(text[i:], first)
		if j < 0 {
			return false
		}
		start := i + j
		if atWordStart(text, start) && matchFrom(text, start, words) {
			return true
		}
		i = start + 1
	}
	return false
}

// matchFrom checks that the tokens of text starting at pos are words.
func matchFrom(text string, pos int, words []string) bool {
	for k, w := range words {
		if pos+len(w) > len(text) || !strings.EqualFold(text[pos:pos+len(w)], w) {
			return false
		}
		pos += len(w)
		if pos < len(text) && isWordByte(text[pos]) {
			return false // the word continues: not a whole token
		}
		if k == len(words)-1 {
			return true
		}
		for pos < len(text) && !isWordByte(text[pos]) {
			pos++
		}
	}
	return true
}

func atWordStart(text string, i int) bool { return i == 0 || !isWordByte(text[i-1]) }

// indexFold is strings.Index, ASCII-case-insensitive; needle is lowercase.
func indexFold(s, needle string) int {
	if len(needle) == 0 {
		return 0
	}
	c0 := needle[0]
	u0 := c0
	if 'a' <= c0 && c0 <= 'z' {
		u0 = c0 - 'a' + 'A'
	}
	for i := 0; i+len(needle) <= len(s); i++ {
		if s[i] != c0 && s[i] != u0 {
			continue
		}
		if strings.EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}

// Glob matches a lowercase pattern with * and ? against a lowercase string.
// A backslash escapes the next character.
func Glob(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			c := pattern[px]
			switch c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			case '\\':
				if px+1 < len(pattern) && sx < len(s) && pattern[px+1] == s[sx] {
					px += 2
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

// Walk calls fn for n and every node below it, depth first.
func Walk(n Node, fn func(Node)) {
	if n == nil {
		return
	}
	fn(n)
	switch t := n.(type) {
	case *And:
		for _, c := range t.Nodes {
			Walk(c, fn)
		}
	case *Or:
		for _, c := range t.Nodes {
			Walk(c, fn)
		}
	case *Not:
		Walk(t.Node, fn)
	}
}

// Fields returns the distinct field names n reads (bare terms read
// BareFields), so a store can decode only those columns before matching.
func Fields(n Node) []string {
	var out []string
	add := func(f string) {
		for _, o := range out {
			if o == f {
				return
			}
		}
		out = append(out, f)
	}
	Walk(n, func(n Node) {
		if t, ok := n.(*Term); ok {
			if t.Field == "" {
				for _, f := range BareFields {
					add(f)
				}
			} else {
				add(t.Field)
			}
		}
	})
	return out
}
