package event

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Type is the type of a field value.
type Type uint8

// The value types. The numbers are part of the on-disk formats: never renumber.
const (
	TypeNull   Type = 0
	TypeString Type = 1
	TypeInt    Type = 2
	TypeFloat  Type = 3
	TypeBool   Type = 4
	TypeIP     Type = 5
	TypeTime   Type = 6
	TypeArray  Type = 7
)

func (t Type) String() string {
	switch t {
	case TypeNull:
		return "null"
	case TypeString:
		return "string"
	case TypeInt:
		return "int"
	case TypeFloat:
		return "float"
	case TypeBool:
		return "bool"
	case TypeIP:
		return "ip"
	case TypeTime:
		return "time"
	case TypeArray:
		return "array"
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// Value is a typed field value. The zero Value is null. Values are immutable
// and cheap to copy.
//
// Representation: strings and IPs (in canonical text form) live in s; ints,
// bools, times (Unix nanoseconds, UTC) and float bits live in n; arrays in a.
type Value struct {
	typ Type
	n   uint64
	s   string
	a   []Value
}

// String returns a string value.
func String(s string) Value { return Value{typ: TypeString, s: s} }

// Int returns an integer value.
func Int(i int64) Value { return Value{typ: TypeInt, n: uint64(i)} }

// Float returns a floating-point value.
func Float(f float64) Value { return Value{typ: TypeFloat, n: math.Float64bits(f)} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{typ: TypeBool, n: 1}
	}
	return Value{typ: TypeBool}
}

// IP returns an IP address value. An IPv4-mapped IPv6 address is stored as IPv4.
func IP(a netip.Addr) Value {
	if !a.IsValid() {
		return Value{}
	}
	return Value{typ: TypeIP, s: a.Unmap().String()}
}

// Time returns a time value, kept in UTC with nanosecond precision.
func Time(t time.Time) Value { return Value{typ: TypeTime, n: uint64(t.UnixNano())} }

// TimeNanos returns a time value from Unix nanoseconds.
func TimeNanos(ns int64) Value { return Value{typ: TypeTime, n: uint64(ns)} }

// Array returns an array value holding vs (not copied: the caller gives up vs).
func Array(vs ...Value) Value { return Value{typ: TypeArray, a: vs} }

// Type returns the value's type.
func (v Value) Type() Type { return v.typ }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.typ == TypeNull }

// Str returns the string of a string or IP value, and "" otherwise.
// Use Text for the textual form of any value.
func (v Value) Str() string { return v.s }

// Elems returns the elements of an array value, nil for other types.
func (v Value) Elems() []Value { return v.a }

// Int returns v as an integer: ints as they are, floats truncated when
// integral, times as Unix nanoseconds, bools as 0/1, numeric strings parsed.
func (v Value) Int() (int64, bool) {
	switch v.typ {
	case TypeInt, TypeTime:
		return int64(v.n), true
	case TypeBool:
		return int64(v.n), true
	case TypeFloat:
		f := math.Float64frombits(v.n)
		if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), true
		}
	case TypeString:
		i, err := strconv.ParseInt(strings.TrimSpace(v.s), 10, 64)
		return i, err == nil
	}
	return 0, false
}

// Float returns v as a number; strings are parsed, times are Unix nanoseconds.
func (v Value) Float() (float64, bool) {
	switch v.typ {
	case TypeInt, TypeTime:
		return float64(int64(v.n)), true
	case TypeFloat:
		return math.Float64frombits(v.n), true
	case TypeBool:
		return float64(v.n), true
	case TypeString:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
		return f, err == nil
	}
	return 0, false
}

// Bool returns a bool value's truth; strings "true"/"false" are parsed.
func (v Value) Bool() (bool, bool) {
	switch v.typ {
	case TypeBool:
		return v.n == 1, true
	case TypeString:
		b, err := strconv.ParseBool(v.s)
		return b, err == nil
	}
	return false, false
}

// Time returns a time value (and RFC 3339 strings) as a UTC time.
func (v Value) Time() (time.Time, bool) {
	switch v.typ {
	case TypeTime:
		return time.Unix(0, int64(v.n)).UTC(), true
	case TypeString:
		t, err := time.Parse(time.RFC3339Nano, v.s)
		if err != nil {
			return time.Time{}, false
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}

// Addr returns an IP value (or a string holding an address) as netip.Addr.
func (v Value) Addr() (netip.Addr, bool) {
	if v.typ != TypeIP && v.typ != TypeString {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(v.s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// Text returns the canonical text of v: strings as they are, numbers in
// shortest form, times in RFC 3339 with nanoseconds (UTC), arrays as their
// elements joined by ", ".
func (v Value) Text() string {
	return string(v.AppendText(nil))
}

// AppendText appends the canonical text of v to dst.
func (v Value) AppendText(dst []byte) []byte {
	switch v.typ {
	case TypeString, TypeIP:
		return append(dst, v.s...)
	case TypeInt:
		return strconv.AppendInt(dst, int64(v.n), 10)
	case TypeFloat:
		return strconv.AppendFloat(dst, math.Float64frombits(v.n), 'g', -1, 64)
	case TypeBool:
		return strconv.AppendBool(dst, v.n == 1)
	case TypeTime:
		return time.Unix(0, int64(v.n)).UTC().AppendFormat(dst, time.RFC3339Nano)
	case TypeArray:
		for i, e := range v.a {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = e.AppendText(dst)
		}
	}
	return dst
}

// Raw returns the internal representation for encoders that store values
// column by column: the numeric word (ints, bools, times, float bits) and the
// string (strings, IPs). FromRaw is its inverse for scalar types.
func (v Value) Raw() (uint64, string) { return v.n, v.s }

// FromRaw rebuilds a scalar value from Raw's parts. It returns null for
// TypeArray and unknown types; arrays are rebuilt with Array.
func FromRaw(t Type, n uint64, s string) Value {
	switch t {
	case TypeString, TypeIP:
		return Value{typ: t, s: s}
	case TypeInt, TypeFloat, TypeTime:
		return Value{typ: t, n: n}
	case TypeBool:
		if n != 0 {
			n = 1
		}
		return Value{typ: t, n: n}
	}
	return Value{}
}

// Equal reports whether a and b have the same type and value.
func Equal(a, b Value) bool {
	if a.typ != b.typ || a.n != b.n || a.s != b.s || len(a.a) != len(b.a) {
		return false
	}
	for i := range a.a {
		if !Equal(a.a[i], b.a[i]) {
			return false
		}
	}
	return true
}
