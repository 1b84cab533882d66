package cloudtrail

// A minimal JSON scanner: it finds where values end and lists the members of
// an object, without decoding. Validation is left to jsonl.Decode, which
// decodes each record; the scanner only has to be safe on any input.

import "strings"

// maxDepth bounds the nesting the scanner accepts (jsonl accepts 64).
const maxDepth = 64

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// skipString returns the index after the string starting at s[i] == '"'.
// A backslash escapes the byte after it, so a quote ends the string when an
// even number of backslashes precedes it; quotes are found with
// strings.IndexByte, which is much faster than a loop over every byte.
func skipString(s string, i int) (int, bool) {
	for j := i + 1; j < len(s); {
		k := strings.IndexByte(s[j:], '"')
		if k < 0 {
			break
		}
		q := j + k
		b := q
		for b > i+1 && s[b-1] == '\\' {
			b--
		}
		if (q-b)%2 == 0 {
			return q + 1, true
		}
		j = q + 1
	}
	return len(s), false
}

// skipValue returns the index after the JSON value starting at s[i]. It
// counts brackets without checking that they match in kind; a mismatch is
// caught when the value is decoded.
func skipValue(s string, i int) (int, bool) {
	if i >= len(s) {
		return i, false
	}
	switch s[i] {
	case '"':
		return skipString(s, i)
	case '{', '[':
	default:
		j := i
		for j < len(s) && !isSpace(s[j]) && s[j] != ',' && s[j] != '}' && s[j] != ']' {
			j++
		}
		return j, j > i
	}
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			end, ok := skipString(s, i)
			if !ok {
				return end, false
			}
			i = end - 1
		case '{', '[':
			depth++
			if depth > maxDepth {
				return i, false
			}
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return len(s), false
}

// members calls fn with each key (as written, without quotes) and value
// span of the object starting at s[i] == '{', until fn returns false. It
// returns the index after the object and whether it was well formed as far
// as the scanner checks.
func members(s string, i int, fn func(key string, v0, v1 int) bool) (int, bool) {
	if i >= len(s) || s[i] != '{' {
		return i, false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return i + 1, true
	}
	for i < len(s) {
		if s[i] != '"' {
			return i, false
		}
		end, ok := skipString(s, i)
		if !ok {
			return end, false
		}
		key := s[i+1 : end-1]
		i = skipSpace(s, end)
		if i >= len(s) || s[i] != ':' {
			return i, false
		}
		v0 := skipSpace(s, i+1)
		v1, ok := skipValue(s, v0)
		if !ok {
			return v1, false
		}
		if !fn(key, v0, v1) {
			return v1, true
		}
		i = skipSpace(s, v1)
		if i >= len(s) {
			break
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			return i + 1, true
		default:
			return i, false
		}
	}
	return i, false
}

// elements calls fn with the span of each element of the array starting at
// s[i] == '['. It returns the index after the array and whether it was well
// formed as far as the scanner checks.
func elements(s string, i int, fn func(v0, v1 int)) (int, bool) {
	if i >= len(s) || s[i] != '[' {
		return i, false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		return i + 1, true
	}
	for i < len(s) {
		v1, ok := skipValue(s, i)
		if !ok {
			return v1, false
		}
		fn(i, v1)
		i = skipSpace(s, v1)
		if i >= len(s) {
			break
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case ']':
			return i + 1, true
		default:
			return i, false
		}
	}
	return i, false
}

// unquote returns the text of a JSON string literal without escapes, or ""
// for anything else (a string with escapes is returned raw between its
// quotes, which is good enough for the envelope fields it is used on).
func unquote(lit string) string {
	if len(lit) >= 2 && lit[0] == '"' && lit[len(lit)-1] == '"' {
		return lit[1 : len(lit)-1]
	}
	return ""
}
