package filter

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tokens appends to dst the lowercase words of s: maximal runs of letters,
// digits and underscores. Every store indexes text with this function and
// every query looks tokens up with it, so the two always agree.
func Tokens(s string, dst []string) []string {
	EachToken(s, func(tok string) { dst = append(dst, strings.ToLower(tok)) })
	return dst
}

// EachToken calls fn with each word of s as it stands in s (not lowercased),
// without allocating.
func EachToken(s string, fn func(tok string)) {
	start := -1
	for i := 0; i < len(s); {
		c := s[i]
		size := 1
		word := isWordByte(c)
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			size = n
			word = r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
		}
		if word {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			fn(s[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		fn(s[start:])
	}
}

func isWordByte(c byte) bool {
	return c >= utf8.RuneSelf || c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// BlockIndex is what a store knows about one block of events without
// decoding it. Every answer may be a false positive, never a false negative.
// Implementations index, for every field: whether it is present; for every
// scalar value except times, its canonical text (event.Value.Text)
// lowercased (MayContainValue); for string and IP values the Tokens of the
// text (MayContainToken); and the min and max of its numeric values.
type BlockIndex interface {
	HasField(field string) bool
	MayContainToken(field, token string) bool
	MayContainValue(field, lowerValue string) bool
	// NumRange returns the min and max of field's int, float, bool and time
	// values in the block (times as Unix nanoseconds; array elements
	// included). ok reports that there is at least one such value; pure that
	// every value of the field in the block is one.
	NumRange(field string) (lo, hi float64, ok, pure bool)
}

// MayMatch reports whether any event of a block may satisfy n, judged from
// the block's index only. False means the block can be skipped.
func MayMatch(n Node, b BlockIndex) bool {
	switch t := n.(type) {
	case nil, MatchAll, *MatchAll, *Not:
		return true
	case *And:
		for _, c := range t.Nodes {
			if !MayMatch(c, b) {
				return false
			}
		}
		return true
	case *Or:
		for _, c := range t.Nodes {
			if MayMatch(c, b) {
				return true
			}
		}
		return len(t.Nodes) == 0
	case *Term:
		return t.mayMatch(b)
	}
	return true
}

func (t *Term) mayMatch(b BlockIndex) bool {
	if t.Field == "" {
		for _, f := range BareFields {
			if b.HasField(f) && t.mayMatchField(f, b, true) {
				return true
			}
		}
		return false
	}
	if !b.HasField(t.Field) {
		return false
	}
	return t.mayMatchField(t.Field, b, IsTextField(t.Field))
}

func (t *Term) mayMatchField(field string, b BlockIndex, text bool) bool {
	switch t.Op {
	case OpEq, OpPhrase:
		if text {
			for _, w := range t.words {
				if !b.MayContainToken(field, w) {
					return false
				}
			}
			return true
		}
		if b.MayContainValue(field, t.lower) {
			return true
		}
		// "22.0" equals a stored 22, and a time equals its RFC 3339 text:
		// those are judged by the numeric range.
		q, err := strconv.ParseFloat(t.Value, 64)
		if err != nil {
			tm, ok := ParseTime(t.Value)
			if !ok {
				return false
			}
			q = float64(tm.UnixNano())
		}
		lo, hi, ok, _ := b.NumRange(field)
		return ok && q >= lo && q <= hi
	case OpWildcard:
		for _, w := range wildcardWords(t.lower) {
			if !b.MayContainToken(field, w) {
				return false
			}
		}
		return true
	case OpLT, OpLTE, OpGT, OpGTE, OpRange:
		lo, hi, ok, pure := b.NumRange(field)
		if !ok || !pure {
			return true
		}
		return t.rangeMayOverlap(lo, hi)
	}
	return true
}

// rangeMayOverlap reports whether the term's numeric condition can hold for
// some value in [lo, hi]. Non-numeric bounds never prune.
func (t *Term) rangeMayOverlap(lo, hi float64) bool {
	num := func(b bound) (float64, bool) {
		switch {
		case b.isNum:
			return b.num, true
		case b.isT:
			return float64(b.t), true
		}
		return 0, false
	}
	q, ok := num(t.lo)
	switch t.Op {
	case OpLT, OpLTE:
		return !ok || lo <= q
	case OpGT, OpGTE:
		return !ok || hi >= q
	case OpRange:
		if !t.lo.open {
			if q, ok := num(t.lo); ok && hi < q {
				return false
			}
		}
		if !t.hi.open {
			if q, ok := num(t.hi); ok && lo > q {
				return false
			}
		}
	}
	return true
}

// wildcardWords returns the tokens of a glob pattern that must appear whole
// in any matching value: those not touching a wildcard.
func wildcardWords(pattern string) []string {
	var out []string
	chunks := strings.FieldsFunc(pattern, func(r rune) bool { return r == '*' || r == '?' })
	for _, c := range chunks {
		i := strings.Index(pattern, c)
		before := i > 0 && (pattern[i-1] == '*' || pattern[i-1] == '?')
		end := i + len(c)
		after := end < len(pattern) && (pattern[end] == '*' || pattern[end] == '?')
		toks := Tokens(strings.ReplaceAll(c, `\`, ""), nil)
		if len(toks) == 0 {
			continue
		}
		if before && isWordByte(c[0]) {
			toks = toks[1:]
		}
		if after && len(toks) > 0 && isWordByte(c[len(c)-1]) {
			toks = toks[:len(toks)-1]
		}
		out = append(out, toks...)
	}
	return out
}
