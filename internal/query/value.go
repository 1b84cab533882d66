package query

import (
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
)

// Value semantics of where, eval and sort.
//
// Comparison (= != < <= > >=): numbers compare numerically, and a string
// that reads as a number compares as that number; a time compares with a
// time or a string in a query time form; an IP with an IP or a string
// holding an address; otherwise the texts compare, = and != ignoring case
// (as the filter does), < and > byte by byte. A comparison with null (a
// missing field) is false, whatever the operator. An array compares true
// when any element does.

func (e *LiteralExpr) eval(record) event.Value { return e.Value }

func (e *FieldExpr) eval(r record) event.Value {
	v, _ := r.Get(e.Name)
	return v
}

func (e *UnaryExpr) eval(r record) event.Value {
	x := e.X.eval(r)
	if e.Op == "not" {
		return event.Bool(!truthy(x))
	}
	switch x.Type() {
	case event.TypeInt:
		if n, _ := x.Int(); n != math.MinInt64 {
			return event.Int(-n)
		}
		f, _ := x.Float()
		return event.Float(-f)
	case event.TypeFloat:
		f, _ := x.Float()
		return event.Float(-f)
	}
	if n, ok := toNumber(x); ok {
		return n.neg()
	}
	return event.Value{}
}

func (e *BinaryExpr) eval(r record) event.Value {
	switch e.Op {
	case "and":
		return event.Bool(truthy(e.L.eval(r)) && truthy(e.R.eval(r)))
	case "or":
		return event.Bool(truthy(e.L.eval(r)) || truthy(e.R.eval(r)))
	}
	l, rv := e.L.eval(r), e.R.eval(r)
	switch e.Op {
	case "=", "!=", "<", "<=", ">", ">=":
		return event.Bool(compareOp(e.Op, l, rv))
	case ".":
		if l.IsNull() || rv.IsNull() {
			return event.Value{}
		}
		return event.String(l.Text() + rv.Text())
	}
	return arith(e.Op, l, rv)
}

func (e *CallExpr) eval(r record) event.Value {
	if e.re != nil {
		v := e.Args[0].eval(r)
		if v.IsNull() {
			return v
		}
		return event.Bool(e.re.MatchString(text(v)))
	}
	fn := functions[e.Func]
	args := make([]event.Value, len(e.Args))
	for i, a := range e.Args {
		args[i] = a.eval(r)
	}
	return fn.fn(args)
}

// truthy is the truth of a value in where and in and/or/not: false, 0, "",
// null and the empty array are false.
func truthy(v event.Value) bool {
	switch v.Type() {
	case event.TypeNull:
		return false
	case event.TypeBool:
		b, _ := v.Bool()
		return b
	case event.TypeInt, event.TypeFloat:
		f, _ := v.Float()
		return f != 0
	case event.TypeString:
		return v.Str() != ""
	case event.TypeArray:
		return len(v.Elems()) > 0
	}
	return true
}

func compareOp(op string, l, r event.Value) bool {
	if l.Type() == event.TypeArray {
		for _, el := range l.Elems() {
			if compareOp(op, el, r) {
				return true
			}
		}
		return false
	}
	if r.Type() == event.TypeArray {
		for _, el := range r.Elems() {
			if compareOp(op, l, el) {
				return true
			}
		}
		return false
	}
	c, ok := compareValues(l, r, op == "=" || op == "!=")
	if !ok {
		return false
	}
	switch op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

// number is a value read as a number: an int when it is one, else a float.
type number struct {
	isInt bool
	i     int64
	f     float64
}

func (n number) float() float64 {
	if n.isInt {
		return float64(n.i)
	}
	return n.f
}

func (n number) neg() event.Value {
	if n.isInt && n.i != math.MinInt64 {
		return event.Int(-n.i)
	}
	return event.Float(-n.float())
}

func (n number) value() event.Value {
	if n.isInt {
		return event.Int(n.i)
	}
	return event.Float(n.f)
}

// toNumber reads ints, floats, times (Unix ns) and numeric strings.
func toNumber(v event.Value) (number, bool) {
	switch v.Type() {
	case event.TypeInt, event.TypeTime:
		i, _ := v.Int()
		return number{isInt: true, i: i}, true
	case event.TypeFloat:
		f, _ := v.Float()
		return number{f: f}, true
	case event.TypeString:
		s := strings.TrimSpace(v.Str())
		if !looksNumeric(s) {
			return number{}, false
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return number{isInt: true, i: i}, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return number{f: f}, true
		}
	}
	return number{}, false
}

// looksNumeric reports whether s has the shape of a decimal number
// ([+-]digits[.digits][e[+-]digits]), so that text is not handed to strconv
// (whose errors allocate) when it cannot be one. "NaN" and "Inf" are not
// numbers here.
func looksNumeric(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// text is the text of v without copying strings.
func text(v event.Value) string {
	if v.Type() == event.TypeString || v.Type() == event.TypeIP {
		return v.Str()
	}
	return v.Text()
}

// compareValues orders a and b (see the package's value semantics). ok is
// false when they cannot be compared: null, or a time with a non-time.
func compareValues(a, b event.Value, fold bool) (int, bool) {
	if a.IsNull() || b.IsNull() {
		return 0, false
	}
	if a.Type() == event.TypeTime || b.Type() == event.TypeTime {
		ta, oka := asTime(a)
		tb, okb := asTime(b)
		if oka && okb {
			return cmp3(ta, tb), true
		}
		return 0, false
	}
	if a.Type() == event.TypeIP || b.Type() == event.TypeIP {
		aa, oka := a.Addr()
		ab, okb := b.Addr()
		if oka && okb {
			return aa.Compare(ab), true
		}
	}
	if na, ok := toNumber(a); ok {
		if nb, ok := toNumber(b); ok {
			if na.isInt && nb.isInt {
				return cmp3(na.i, nb.i), true
			}
			return cmp3(na.float(), nb.float()), true
		}
	}
	sa, sb := text(a), text(b)
	if fold && strings.EqualFold(sa, sb) {
		return 0, true
	}
	return strings.Compare(sa, sb), true
}

func asTime(v event.Value) (int64, bool) {
	switch v.Type() {
	case event.TypeTime, event.TypeInt:
		n, _ := v.Int()
		return n, true
	case event.TypeFloat:
		f, _ := v.Float()
		return int64(f), true
	case event.TypeString:
		if t, ok := filter.ParseTime(v.Str()); ok {
			return t.UnixNano(), true
		}
	}
	return 0, false
}

func cmp3[T int64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func arith(op string, l, r event.Value) event.Value {
	a, ok := toNumber(l)
	if !ok {
		return event.Value{}
	}
	b, ok := toNumber(r)
	if !ok {
		return event.Value{}
	}
	if a.isInt && b.isInt {
		x, y := a.i, b.i
		switch op {
		case "+":
			if s := x + y; (s > x) == (y > 0) {
				return event.Int(s)
			}
		case "-":
			if s := x - y; (s < x) == (y > 0) {
				return event.Int(s)
			}
		case "*":
			if x == 0 || y == 0 {
				return event.Int(0)
			}
			if p := x * y; p/y == x && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64) {
				return event.Int(p)
			}
		case "/":
			if y == 0 {
				return event.Value{}
			}
			if x%y == 0 && !(x == math.MinInt64 && y == -1) {
				return event.Int(x / y)
			}
		case "%":
			if y == 0 {
				return event.Value{}
			}
			if y == -1 {
				return event.Int(0)
			}
			return event.Int(x % y)
		}
	}
	x, y := a.float(), b.float()
	var f float64
	switch op {
	case "+":
		f = x + y
	case "-":
		f = x - y
	case "*":
		f = x * y
	case "/":
		if y == 0 {
			return event.Value{}
		}
		f = x / y
	case "%":
		if y == 0 {
			return event.Value{}
		}
		f = math.Mod(x, y)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return event.Value{}
	}
	return event.Float(f)
}

// sortCompare is the total order of sort (ascending): numbers and times by
// value (numeric strings among them), then IP addresses, then other text
// byte by byte; null (missing) last.
func sortCompare(a, b event.Value) int {
	ra, rb := sortRank(a), sortRank(b)
	if ra != rb {
		return cmp3(int64(ra), int64(rb))
	}
	switch ra {
	case 0:
		na, _ := toNumber(a)
		nb, _ := toNumber(b)
		if na.isInt && nb.isInt {
			return cmp3(na.i, nb.i)
		}
		return cmp3(na.float(), nb.float())
	case 1:
		aa, _ := a.Addr()
		ab, _ := b.Addr()
		return aa.Compare(ab)
	case 2:
		return strings.Compare(text(a), text(b))
	}
	return 0
}

func sortRank(v event.Value) int {
	switch v.Type() {
	case event.TypeNull:
		return 3
	case event.TypeInt, event.TypeFloat, event.TypeTime, event.TypeBool:
		if v.Type() == event.TypeBool {
			return 2
		}
		return 0
	case event.TypeIP:
		return 1
	case event.TypeString:
		if _, ok := toNumber(v); ok {
			return 0
		}
	}
	return 2
}

// appendKey appends a typed, unambiguous encoding of v, for group and
// dedup keys: values group together when they have the same type and value.
func appendKey(dst []byte, v event.Value) []byte {
	dst = append(dst, byte(v.Type()))
	if v.Type() == event.TypeArray {
		dst = strconv.AppendInt(dst, int64(len(v.Elems())), 10)
		for _, el := range v.Elems() {
			dst = appendKey(dst, el)
		}
		return dst
	}
	n, s := v.Raw()
	for i := 0; i < 8; i++ {
		dst = append(dst, byte(n>>(8*i)))
	}
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, ':')
	return append(dst, s...)
}

// function is a function of eval and where.
type function struct {
	minArgs, maxArgs int // maxArgs -1: any number
	fn               func(args []event.Value) event.Value
}

func (f function) arity() string {
	switch {
	case f.maxArgs < 0:
		return strconv.Itoa(f.minArgs) + " or more arguments"
	case f.minArgs == f.maxArgs && f.minArgs == 1:
		return "1 argument"
	case f.minArgs == f.maxArgs:
		return strconv.Itoa(f.minArgs) + " arguments"
	}
	return strconv.Itoa(f.minArgs) + " to " + strconv.Itoa(f.maxArgs) + " arguments"
}

// functions are the functions of expressions, by lowercase name.
var functions map[string]function

func init() {
	functions = map[string]function{
		"lower": {1, 1, func(a []event.Value) event.Value { return mapText(a[0], strings.ToLower) }},
		"upper": {1, 1, func(a []event.Value) event.Value { return mapText(a[0], strings.ToUpper) }},
		"len": {1, 1, func(a []event.Value) event.Value {
			switch a[0].Type() {
			case event.TypeNull:
				return event.Value{}
			case event.TypeArray:
				return event.Int(int64(len(a[0].Elems())))
			}
			return event.Int(int64(utf8.RuneCountInString(a[0].Text())))
		}},
		"abs": {1, 1, func(a []event.Value) event.Value {
			n, ok := toNumber(a[0])
			if !ok {
				return event.Value{}
			}
			if n.float() < 0 {
				return n.neg()
			}
			return n.value()
		}},
		"round": {1, 2, fnRound},
		"floor": {1, 1, func(a []event.Value) event.Value { return mapFloat(a[0], math.Floor) }},
		"ceil":  {1, 1, func(a []event.Value) event.Value { return mapFloat(a[0], math.Ceil) }},
		"if": {3, 3, func(a []event.Value) event.Value {
			if truthy(a[0]) {
				return a[1]
			}
			return a[2]
		}},
		"coalesce": {1, -1, func(a []event.Value) event.Value {
			for _, v := range a {
				if !v.IsNull() {
					return v
				}
			}
			return event.Value{}
		}},
		"tostring": {1, 1, func(a []event.Value) event.Value {
			if a[0].IsNull() {
				return a[0]
			}
			return event.String(a[0].Text())
		}},
		"tonumber": {1, 1, func(a []event.Value) event.Value {
			if a[0].Type() == event.TypeTime {
				return event.Value{}
			}
			if n, ok := toNumber(a[0]); ok {
				return n.value()
			}
			return event.Value{}
		}},
		"isnull":    {1, 1, func(a []event.Value) event.Value { return event.Bool(a[0].IsNull()) }},
		"isnotnull": {1, 1, func(a []event.Value) event.Value { return event.Bool(!a[0].IsNull()) }},
		"cidrmatch": {2, 2, func(a []event.Value) event.Value {
			p, err := netip.ParsePrefix(a[0].Text())
			if err != nil {
				return event.Value{}
			}
			ip, ok := a[1].Addr()
			return event.Bool(ok && p.Masked().Contains(ip))
		}},
		"match": {2, 2, func(a []event.Value) event.Value {
			if a[0].IsNull() {
				return event.Value{}
			}
			re, err := regexp.Compile(a[1].Text())
			if err != nil {
				return event.Value{}
			}
			return event.Bool(re.MatchString(a[0].Text()))
		}},
		"substr": {2, 3, fnSubstr},
	}
}

func mapText(v event.Value, f func(string) string) event.Value {
	if v.IsNull() {
		return v
	}
	return event.String(f(v.Text()))
}

func mapFloat(v event.Value, f func(float64) float64) event.Value {
	n, ok := toNumber(v)
	if !ok {
		return event.Value{}
	}
	if n.isInt {
		return n.value()
	}
	r := f(n.f)
	if math.Abs(r) < 1<<62 {
		return event.Int(int64(r))
	}
	return event.Float(r)
}

func fnRound(a []event.Value) event.Value {
	n, ok := toNumber(a[0])
	if !ok {
		return event.Value{}
	}
	digits := int64(0)
	if len(a) == 2 {
		d, ok := toNumber(a[1])
		if !ok || !d.isInt || d.i < 0 || d.i > 15 {
			return event.Value{}
		}
		digits = d.i
	}
	if n.isInt {
		return n.value()
	}
	if digits == 0 {
		return mapFloat(a[0], math.Round)
	}
	p := math.Pow10(int(digits))
	return event.Float(math.Round(n.f*p) / p)
}

// fnSubstr is substr(s, start[, length]) with start counted from 1 in
// characters; a negative start counts from the end.
func fnSubstr(a []event.Value) event.Value {
	if a[0].IsNull() {
		return event.Value{}
	}
	rs := []rune(a[0].Text())
	st, ok := toNumber(a[1])
	if !ok || !st.isInt {
		return event.Value{}
	}
	start := st.i
	switch {
	case start < 0:
		start = max(int64(len(rs))+start, 0)
	case start > 0:
		start--
	}
	start = min(start, int64(len(rs)))
	end := int64(len(rs))
	if len(a) == 3 {
		l, ok := toNumber(a[2])
		if !ok || !l.isInt || l.i < 0 {
			return event.Value{}
		}
		end = min(start+min(l.i, int64(len(rs))), end)
	}
	return event.String(string(rs[start:end]))
}
