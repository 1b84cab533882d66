package event

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends e as one flat JSON object: "@timestamp" (RFC 3339, UTC),
// "event.id" once stored, then every field by name in sorted order. Times are
// RFC 3339 strings, IPs strings, arrays JSON arrays. Invalid UTF-8 in strings
// is replaced by U+FFFD in the output only; the stored bytes are unchanged.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"@timestamp":"`...)
	dst = time.Unix(0, e.Time).UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, '"')
	if e.Seq != 0 {
		dst = append(dst, `,"event.id":"`...)
		dst = strconv.AppendUint(dst, e.Seq, 16)
		dst = append(dst, '"')
	}
	idx := make([]int, len(e.Fields))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return e.Fields[idx[a]].Name < e.Fields[idx[b]].Name })
	for _, i := range idx {
		f := &e.Fields[i]
		dst = append(dst, ',')
		dst = AppendJSONString(dst, f.Name)
		dst = append(dst, ':')
		dst = f.Value.AppendJSON(dst)
	}
	return append(dst, '}')
}

// MarshalJSON implements json.Marshaler with AppendJSON's layout.
func (e *Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil), nil }

// AppendJSON appends v as a JSON value.
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.typ {
	case TypeNull:
		return append(dst, "null"...)
	case TypeString, TypeIP:
		return AppendJSONString(dst, v.s)
	case TypeInt:
		return strconv.AppendInt(dst, int64(v.n), 10)
	case TypeFloat:
		f := math.Float64frombits(v.n)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return AppendJSONString(dst, strconv.FormatFloat(f, 'g', -1, 64))
		}
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	case TypeBool:
		return strconv.AppendBool(dst, v.n == 1)
	case TypeTime:
		dst = append(dst, '"')
		dst = time.Unix(0, int64(v.n)).UTC().AppendFormat(dst, time.RFC3339Nano)
		return append(dst, '"')
	case TypeArray:
		dst = append(dst, '[')
		for i, e := range v.a {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.AppendJSON(dst)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

// AppendJSONString appends s as a JSON string literal.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// FromJSONValue converts a value decoded by encoding/json (with UseNumber)
// into a Value: json.Number becomes Int when integral, else Float; nested
// arrays become arrays; objects are not accepted here (flatten them first).
func FromJSONValue(x any) (Value, bool) {
	switch t := x.(type) {
	case nil:
		return Value{}, true
	case string:
		return String(t), true
	case bool:
		return Bool(t), true
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return Int(i), true
		}
		if f, err := strconv.ParseFloat(string(t), 64); err == nil {
			return Float(f), true
		}
		return String(string(t)), true
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return Int(int64(t)), true
		}
		return Float(t), true
	case []any:
		vs := make([]Value, 0, len(t))
		for _, e := range t {
			v, ok := FromJSONValue(e)
			if !ok {
				return Value{}, false
			}
			if !v.IsNull() {
				vs = append(vs, v)
			}
		}
		return Array(vs...), true
	}
	return Value{}, false
}
