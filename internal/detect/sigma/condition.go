package sigma

import (
	"fmt"
	"path"
	"strings"
)

// The condition language: search identifiers, and, or, not, parentheses,
// "1 of pattern", "all of pattern", "1 of them", "all of them" (also "any
// of"); patterns use * wildcards. Precedence: not > and > or.

type condKind uint8

const (
	cRef condKind = iota
	cAnd
	cOr
	cNot
	cOneOf
	cAllOf
)

type cond struct {
	kind    condKind
	name    string // cRef: identifier; cOneOf/cAllOf: pattern ("*" for them)
	kids    []*cond
	pattern bool
}

type condParser struct {
	toks []string
	pos  int
}

func tokenizeCondition(s string) []string {
	var toks []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r':
			flush()
		case '(', ')', '|':
			flush()
			toks = append(toks, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

// parseCondition parses one condition string.
func parseCondition(s string) (*cond, error) {
	p := &condParser{toks: tokenizeCondition(s)}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("empty condition")
	}
	for _, t := range p.toks {
		if t == "|" {
			return nil, fmt.Errorf("unsupported construct: aggregation expression in condition (%q); use a correlation rule", s)
		}
		switch strings.ToLower(t) {
		case "near":
			return nil, fmt.Errorf("unsupported construct: 'near' in condition")
		}
	}
	c, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q in condition", p.toks[p.pos])
	}
	return c, nil
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return strings.ToLower(p.toks[p.pos])
	}
	return ""
}

func (p *condParser) parseOr() (*cond, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	kids := []*cond{l}
	for p.peek() == "or" {
		p.pos++
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		kids = append(kids, r)
	}
	if len(kids) == 1 {
		return l, nil
	}
	return &cond{kind: cOr, kids: kids}, nil
}

func (p *condParser) parseAnd() (*cond, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	kids := []*cond{l}
	for p.peek() == "and" {
		p.pos++
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		kids = append(kids, r)
	}
	if len(kids) == 1 {
		return l, nil
	}
	return &cond{kind: cAnd, kids: kids}, nil
}

func (p *condParser) parseNot() (*cond, error) {
	if p.peek() == "not" {
		p.pos++
		c, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &cond{kind: cNot, kids: []*cond{c}}, nil
	}
	return p.parsePrimary()
}

func (p *condParser) parsePrimary() (*cond, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("condition ends unexpectedly")
	}
	t := p.toks[p.pos]
	lt := strings.ToLower(t)
	switch {
	case t == "(":
		p.pos++
		c, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing ')' in condition")
		}
		p.pos++
		return c, nil
	case t == ")":
		return nil, fmt.Errorf("unexpected ')' in condition")
	case lt == "and" || lt == "or" || lt == "of":
		return nil, fmt.Errorf("unexpected %q in condition", t)
	}
	if p.pos+1 < len(p.toks) && strings.ToLower(p.toks[p.pos+1]) == "of" {
		kind := cOneOf
		switch lt {
		case "1", "any":
		case "all":
			kind = cAllOf
		default:
			return nil, fmt.Errorf("unsupported construct: %q of (only 1/any/all of)", t)
		}
		if p.pos+2 >= len(p.toks) {
			return nil, fmt.Errorf("%s of: missing pattern", t)
		}
		pat := p.toks[p.pos+2]
		p.pos += 3
		if strings.ToLower(pat) == "them" {
			pat = "*"
		}
		return &cond{kind: kind, name: pat}, nil
	}
	p.pos++
	return &cond{kind: cRef, name: t}, nil
}

// expandPattern returns the search names matching an "of" pattern, in file
// order. Sigma excludes identifiers starting with "_" from "them".
func expandPattern(d *Detection, pat string) []string {
	var out []string
	for _, name := range d.Order {
		if pat == "*" && strings.HasPrefix(name, "_") {
			continue
		}
		if ok, _ := path.Match(pat, name); ok {
			out = append(out, name)
		}
	}
	return out
}
