package query

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shoseki/shoseki/internal/event"
)

// Expr is an expression of where and eval. The implementations are the
// *...Expr types of this package.
type Expr interface {
	String() string
	eval(r record) event.Value
}

// record is what expressions and aggregations read: an event, or a row of
// a table (by column name).
type record interface {
	Get(name string) (event.Value, bool)
}

// LiteralExpr is a constant: a number, a string, true, false or null.
type LiteralExpr struct{ Value event.Value }

// FieldExpr reads a field of an event, or a column of a row.
type FieldExpr struct{ Name string }

// UnaryExpr is "-x" or "not x".
type UnaryExpr struct {
	Op string // "-" or "not"
	X  Expr
}

// BinaryExpr is "x op y" with op one of or, and, = != < <= > >=, + - . * / %.
type BinaryExpr struct {
	Op   string
	L, R Expr
}

// CallExpr is a function call, such as lower(user.name).
type CallExpr struct {
	Func string
	Args []Expr
	re   *regexp.Regexp // match() with a literal pattern, compiled once
}

func (e *LiteralExpr) String() string {
	v := e.Value
	switch v.Type() {
	case event.TypeNull:
		return "null"
	case event.TypeString:
		return quoteDouble(v.Str())
	case event.TypeFloat:
		s := v.Text()
		if !strings.ContainsAny(s, ".eEIN") {
			s += ".0"
		}
		return s
	}
	return v.Text()
}

func (e *FieldExpr) String() string {
	if isPlainExprName(e.Name) {
		return e.Name
	}
	return quoteBack(e.Name)
}

func (e *UnaryExpr) String() string {
	if e.Op == "not" {
		return "not " + exprChild(e.X)
	}
	return e.Op + exprChild(e.X)
}

func (e *BinaryExpr) String() string {
	return exprChild(e.L) + " " + e.Op + " " + exprChild(e.R)
}

func (e *CallExpr) String() string {
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = a.String()
	}
	return e.Func + "(" + strings.Join(parts, ", ") + ")"
}

// exprChild parenthesizes operators, so the printed form reads back the same.
func exprChild(e Expr) string {
	switch t := e.(type) {
	case *BinaryExpr, *UnaryExpr:
		return "(" + e.String() + ")"
	case *LiteralExpr:
		if f, ok := t.Value.Float(); ok && t.Value.Type() != event.TypeString && f < 0 {
			return "(" + e.String() + ")"
		}
	}
	return e.String()
}

func isExprRune(r rune) bool {
	return r == '_' || r == '@' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isExprKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "and", "or", "not", "true", "false", "null":
		return true
	}
	return false
}

// isPlainExprName reports whether a field name can stand in an expression
// without back quotes.
func isPlainExprName(name string) bool {
	if name == "" || isExprKeyword(name) {
		return false
	}
	if i := strings.IndexByte(name, '('); i > 0 {
		return isPlainName(name) && isPlainExprName(name[:i]) && !strings.Contains(name[i:], "-")
	}
	r0, _ := utf8.DecodeRuneInString(name)
	if unicode.IsDigit(r0) || r0 == '.' {
		return false
	}
	prevDot := false
	for _, r := range name {
		switch {
		case r == '.':
			if prevDot {
				return false
			}
			prevDot = true
		case isExprRune(r):
			prevDot = false
		default:
			return false
		}
	}
	return !prevDot
}

// Expression grammar, loosest first:
//
//	or:    and { "or" and }
//	and:   not { "and" not }
//	not:   ("not" | "!") not | cmp
//	cmp:   add [ ("=" | "==" | "!=" | "<" | "<=" | ">" | ">=") add ]
//	add:   mul { ("+" | "-" | ".") mul }
//	mul:   unary { ("*" | "/" | "%") unary }
//	unary: "-" unary | primary
//	primary: number | "string" | 'string' | `field` | name | name(args) | ( or )
func (p *parser) parseExpr() Expr { return p.exprOr() }

func (p *parser) exprOr() Expr {
	l := p.exprAnd()
	for p.keyword("or") {
		l = &BinaryExpr{Op: "or", L: l, R: p.exprAnd()}
	}
	return l
}

func (p *parser) exprAnd() Expr {
	l := p.exprNot()
	for p.keyword("and") {
		l = &BinaryExpr{Op: "and", L: l, R: p.exprNot()}
	}
	return l
}

func (p *parser) exprNot() Expr {
	p.skipSpace()
	if p.keyword("not") || (p.peek() == '!' && p.peekAt(p.pos+1) != '=') {
		if p.peek() == '!' {
			p.pos++
		}
		p.enter()
		x := p.exprNot()
		p.leave()
		return &UnaryExpr{Op: "not", X: x}
	}
	return p.exprCmp()
}

func (p *parser) exprCmp() Expr {
	l := p.exprAdd()
	p.skipSpace()
	var op string
	for _, o := range []string{"==", "!=", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(p.src[p.pos:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return l
	}
	p.pos += len(op)
	if op == "==" {
		op = "="
	}
	return &BinaryExpr{Op: op, L: l, R: p.exprAdd()}
}

func (p *parser) exprAdd() Expr {
	l := p.exprMul()
	for {
		p.skipSpace()
		c := p.peek()
		if c != '+' && c != '-' && c != '.' {
			return l
		}
		p.pos++
		l = &BinaryExpr{Op: string(c), L: l, R: p.exprMul()}
	}
}

func (p *parser) exprMul() Expr {
	l := p.exprUnary()
	for {
		p.skipSpace()
		c := p.peek()
		if c != '*' && c != '/' && c != '%' {
			return l
		}
		p.pos++
		l = &BinaryExpr{Op: string(c), L: l, R: p.exprUnary()}
	}
}

func (p *parser) exprUnary() Expr {
	p.skipSpace()
	if p.peek() == '-' {
		p.pos++
		p.enter()
		x := p.exprUnary()
		p.leave()
		if lit, ok := x.(*LiteralExpr); ok {
			switch lit.Value.Type() {
			case event.TypeInt:
				if n, _ := lit.Value.Int(); n != math.MinInt64 {
					return &LiteralExpr{Value: event.Int(-n)}
				}
			case event.TypeFloat:
				f, _ := lit.Value.Float()
				return &LiteralExpr{Value: event.Float(-f)}
			}
		}
		return &UnaryExpr{Op: "-", X: x}
	}
	return p.exprPrimary()
}

func (p *parser) exprPrimary() Expr {
	p.skipSpace()
	start := p.pos
	c := p.peek()
	switch {
	case p.eof() || c == '|':
		p.fail(p.pos, "expected an expression, found %s", p.describe())
	case c == '(':
		p.pos++
		p.enter()
		x := p.exprOr()
		p.skipSpace()
		if p.peek() != ')' {
			p.fail(start, "unclosed '('")
		}
		p.pos++
		p.leave()
		return x
	case c == '"' || c == '\'':
		return &LiteralExpr{Value: event.String(p.readQuoted())}
	case c == '`':
		s := p.readQuoted()
		if s == "" {
			p.fail(start, "empty field name")
		}
		return &FieldExpr{Name: s}
	case '0' <= c && c <= '9':
		return p.exprNumber()
	}
	name := p.scanExprName()
	if name == "" {
		p.fail(start, "unexpected %s in expression", p.describe())
	}
	if p.peek() == '(' {
		if f, ok := lookupAgg(name); ok {
			return &FieldExpr{Name: p.parseAggArgs(f, name, start).call()}
		}
		return p.exprCall(name, start)
	}
	switch strings.ToLower(name) {
	case "true":
		return &LiteralExpr{Value: event.Bool(true)}
	case "false":
		return &LiteralExpr{Value: event.Bool(false)}
	case "null":
		return &LiteralExpr{}
	case "and", "or", "not":
		p.fail(start, "expected an expression before %q", name)
	}
	return &FieldExpr{Name: name}
}

// scanExprName reads a name in an expression: letters, digits, _ and @,
// with single dots between them (user.name). A dot not followed by a name
// character is the concatenation operator.
func (p *parser) scanExprName() string {
	start := p.pos
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if r == '.' && p.pos > start {
			r2, _ := utf8.DecodeRuneInString(p.src[p.pos+1:])
			if !isExprRune(r2) {
				break
			}
		} else if r == utf8.RuneError || !isExprRune(r) {
			break
		}
		p.pos += n
	}
	return p.src[start:p.pos]
}

func (p *parser) exprNumber() Expr {
	start := p.pos
	isFloat := false
	digits := func() {
		for p.pos < len(p.src) && '0' <= p.src[p.pos] && p.src[p.pos] <= '9' {
			p.pos++
		}
	}
	digits()
	if p.peek() == '.' && '0' <= p.peekAt(p.pos+1) && p.peekAt(p.pos+1) <= '9' {
		isFloat = true
		p.pos++
		digits()
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		i := p.pos + 1
		if c2 := p.peekAt(i); c2 == '+' || c2 == '-' {
			i++
		}
		if c3 := p.peekAt(i); '0' <= c3 && c3 <= '9' {
			isFloat = true
			p.pos = i
			digits()
		}
	}
	text := p.src[start:p.pos]
	if r, _ := utf8.DecodeRuneInString(p.src[p.pos:]); isExprRune(r) {
		p.fail(start, "bad number %q", text+string(r))
	}
	if !isFloat {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return &LiteralExpr{Value: event.Int(n)}
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		p.fail(start, "number %s is out of range", text)
	}
	return &LiteralExpr{Value: event.Float(f)}
}

func (p *parser) exprCall(name string, start int) Expr {
	fn, ok := functions[strings.ToLower(name)]
	if !ok {
		p.fail(start, "unknown function %s()", name)
	}
	p.pos++ // '('
	p.enter()
	call := &CallExpr{Func: strings.ToLower(name)}
	p.skipSpace()
	if p.peek() != ')' {
		for {
			call.Args = append(call.Args, p.exprOr())
			p.skipSpace()
			if p.peek() != ',' {
				break
			}
			p.pos++
		}
	}
	if p.peek() != ')' {
		p.fail(p.pos, "expected ',' or ')' in %s(), found %s", name, p.describe())
	}
	p.pos++
	p.leave()
	if len(call.Args) < fn.minArgs || (fn.maxArgs >= 0 && len(call.Args) > fn.maxArgs) {
		p.fail(start, "%s() takes %s", call.Func, fn.arity())
	}
	if lit, ok := call.Args[len(call.Args)-1].(*LiteralExpr); ok && call.Func == "match" {
		re, err := regexp.Compile(lit.Value.Text())
		if err != nil {
			p.fail(start, "bad regular expression in match(): %v", err)
		}
		call.re = re
	}
	return call
}

// walkExpr calls fn for e and every expression below it.
func walkExpr(e Expr, fn func(Expr)) {
	fn(e)
	switch t := e.(type) {
	case *UnaryExpr:
		walkExpr(t.X, fn)
	case *BinaryExpr:
		walkExpr(t.L, fn)
		walkExpr(t.R, fn)
	case *CallExpr:
		for _, a := range t.Args {
			walkExpr(a, fn)
		}
	}
}

// exprFields returns the field names e reads.
func exprFields(e Expr, add func(string)) {
	walkExpr(e, func(x Expr) {
		if f, ok := x.(*FieldExpr); ok {
			add(f.Name)
		}
	})
}
