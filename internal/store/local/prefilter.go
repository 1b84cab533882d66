package local

import (
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
)

// rowPrefilter is a necessary condition for a word term on text fields,
// checked on a row before filter.Match: the term's longest ASCII word must
// occur in one of the fields, ignoring ASCII case. It is much cheaper than
// Match's word-boundary scan because it searches with strings.IndexByte.
//
// Why it is exact enough: Match finds the first word with an ASCII
// case-insensitive scan and the others with strings.EqualFold over a
// segment of the word's length in bytes; a non-ASCII rune that folds to an
// ASCII letter (K, ſ) is longer than one byte, so for an ASCII word both
// amount to ASCII case-insensitive equality of the bytes.
type rowPrefilter struct {
	fields []string
	anchor string // lowercase ASCII
}

// rowPrefilters returns the prefilters implied by n: for a word term, or
// for the word terms directly under an And.
func rowPrefilters(n filter.Node) []rowPrefilter {
	var out []rowPrefilter
	add := func(t *filter.Term) {
		if t.Op != filter.OpEq && t.Op != filter.OpPhrase {
			return
		}
		fields := filter.BareFields
		if t.Field != "" {
			if !filter.IsTextField(t.Field) {
				return
			}
			fields = []string{t.Field}
		}
		anchor := ""
		for _, w := range filter.Tokens(strings.ToLower(t.Value), nil) {
			if isASCII(w) && len(w) > len(anchor) {
				anchor = w
			}
		}
		if anchor != "" {
			out = append(out, rowPrefilter{fields: fields, anchor: anchor})
		}
	}
	switch t := n.(type) {
	case *filter.Term:
		add(t)
	case *filter.And:
		for _, c := range t.Nodes {
			if ct, ok := c.(*filter.Term); ok {
				add(ct)
			}
		}
	}
	return out
}

// mayMatch reports whether a row whose values for p.fields are vals may
// match.
func (p *rowPrefilter) mayMatch(vals []event.Value) bool {
	for _, v := range vals {
		switch v.Type() {
		case event.TypeNull:
			continue
		case event.TypeString, event.TypeIP:
			if indexFoldASCII(v.Str(), p.anchor) >= 0 {
				return true
			}
		default:
			return true // not worth judging: let Match decide
		}
	}
	return false
}

// indexFoldASCII returns the index of the lowercase ASCII needle in s,
// ignoring ASCII case, or -1.
func indexFoldASCII(s, needle string) int {
	if needle == "" {
		return 0
	}
	c0 := needle[0]
	if c0 < 'a' || c0 > 'z' {
		// The first byte has no case: exact search for it.
		for i := 0; i+len(needle) <= len(s); {
			j := strings.IndexByte(s[i:len(s)-len(needle)+1], c0)
			if j < 0 {
				return -1
			}
			i += j
			if equalFoldASCII(s[i+1:i+len(needle)], needle[1:]) {
				return i
			}
			i++
		}
		return -1
	}
	u0 := c0 - 'a' + 'A'
	for i := 0; i+len(needle) <= len(s); {
		rest := s[i : len(s)-len(needle)+1]
		j := strings.IndexByte(rest, c0)
		if k := strings.IndexByte(rest, u0); k >= 0 && (j < 0 || k < j) {
			j = k
		}
		if j < 0 {
			return -1
		}
		i += j
		if equalFoldASCII(s[i+1:i+len(needle)], needle[1:]) {
			return i
		}
		i++
	}
	return -1
}

// equalFoldASCII compares s with the lowercase ASCII lower, ignoring ASCII case.
func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
