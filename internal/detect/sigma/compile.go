package sigma

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// CompileError says why a rule was not compiled, naming the construct.
type CompileError struct {
	RuleID, Title, File string
	Line                int
	Construct           string // the exact unsupported construct or the error
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("%s:%d: rule %s (%s): %s", e.File, e.Line, e.RuleID, e.Title, e.Construct)
}

type op uint8

const (
	opEq op = iota
	opPrefix
	opSuffix
	opContains
	opGlob
	opRe
	opCIDR
	opNum
	opExists
	opNull
	opFieldRef
	opTime
	opRunes // a regular expression that only asks for n characters in a row
)

type numCmp uint8

const (
	cmpEq numCmp = iota
	cmpLT
	cmpLTE
	cmpGT
	cmpGTE
	cmpNeq
)

// matcher tests one field value.
type matcher struct {
	op     op
	cased  bool
	s      string   // literal (lowercased unless cased)
	glob   []string // opGlob: literal segments split at '*' ('?' kept as byte wildcard)
	re     *regexp.Regexp
	reLits []string // lowercase literals one of which every match of re holds
	runs   int      // opRunes: that many characters in a row
	runsNL bool     // opRunes: newlines count ('.' with the s flag)
	prefix netip.Prefix
	cmp    numCmp
	num    float64
	exists bool
	ref    int    // opFieldRef: slot of the other field
	refOp  op     // opFieldRef: eq, prefix, suffix, contains
	tpart  string // opTime: minute, hour, day, week, month, year
	raw    string // the value as written, for explanations
}

// item is a compiled "field|modifiers: values".
type item struct {
	field  string // Sigma field ("" for keywords)
	slot   int    // -1 for keywords
	all    bool
	neq    bool
	groups [][]matcher // OR inside a group; groups OR-ed, or AND-ed with all
	cost   int
}

// search is a compiled search identifier: OR of (AND of items).
type search struct {
	name string
	maps [][]*item
}

type nodeKind uint8

const (
	nSearch nodeKind = iota
	nAnd
	nOr
	nNot
)

type node struct {
	kind   nodeKind
	search *search
	kids   []*node
}

type compiler struct {
	e       *Engine
	rule    *Rule
	lsm     *LogSourceMapping
	product string
}

func (c *compiler) errf(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

// compileDetection builds the matching tree of a rule for one logsource mapping.
func (c *compiler) compileDetection(d *Detection) (*node, error) {
	searches := map[string]*search{}
	for _, name := range d.Order {
		s, err := c.compileSearch(d.Searches[name])
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", name, err)
		}
		searches[name] = s
	}
	var roots []*node
	for _, cs := range d.Condition {
		ca, err := parseCondition(cs)
		if err != nil {
			return nil, err
		}
		n, err := c.condNode(ca, d, searches)
		if err != nil {
			return nil, err
		}
		roots = append(roots, n)
	}
	if len(roots) == 1 {
		return roots[0], nil
	}
	return &node{kind: nOr, kids: roots}, nil
}

func (c *compiler) condNode(ca *cond, d *Detection, searches map[string]*search) (*node, error) {
	switch ca.kind {
	case cRef:
		s, ok := searches[ca.name]
		if !ok {
			return nil, fmt.Errorf("condition references unknown search %q", ca.name)
		}
		return &node{kind: nSearch, search: s}, nil
	case cAnd, cOr, cNot:
		n := &node{kind: map[condKind]nodeKind{cAnd: nAnd, cOr: nOr, cNot: nNot}[ca.kind]}
		for _, k := range ca.kids {
			kn, err := c.condNode(k, d, searches)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kn)
		}
		return n, nil
	case cOneOf, cAllOf:
		names := expandPattern(d, ca.name)
		if len(names) == 0 {
			return nil, fmt.Errorf("condition pattern %q matches no search", ca.name)
		}
		n := &node{kind: nOr}
		if ca.kind == cAllOf {
			n.kind = nAnd
		}
		for _, name := range names {
			n.kids = append(n.kids, &node{kind: nSearch, search: searches[name]})
		}
		if len(n.kids) == 1 {
			return n.kids[0], nil
		}
		return n, nil
	}
	return nil, fmt.Errorf("bad condition")
}

func (c *compiler) compileSearch(s *Search) (*search, error) {
	out := &search{name: s.Name}
	for _, m := range s.Maps {
		var items []*item
		for _, it := range m {
			ci, err := c.compileItem(it)
			if err != nil {
				return nil, err
			}
			items = append(items, ci)
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].cost < items[j].cost })
		out.maps = append(out.maps, items)
	}
	if len(s.Keywords) > 0 {
		ci, err := c.compileItem(&Item{Values: s.Keywords})
		if err != nil {
			return nil, err
		}
		out.maps = append(out.maps, []*item{ci})
	}
	return out, nil
}

var knownModifiers = map[string]bool{"contains": true, "startswith": true, "endswith": true, "all": true,
	"re": true, "i": true, "m": true, "s": true, "cidr": true, "base64": true, "base64offset": true,
	"utf16le": true, "utf16be": true, "utf16": true, "wide": true, "windash": true, "exists": true,
	"cased": true, "fieldref": true, "expand": true, "lt": true, "lte": true, "gt": true, "gte": true,
	"neq": true, "minute": true, "hour": true, "day": true, "week": true, "month": true, "year": true}

func (c *compiler) compileItem(it *Item) (*item, error) {
	ci := &item{field: it.Field, slot: -1}
	mods := map[string]bool{}
	var order []string
	for _, m := range it.Modifiers {
		if !knownModifiers[m] {
			return nil, fmt.Errorf("unsupported construct: modifier %q", m)
		}
		mods[m] = true
		order = append(order, m)
	}
	if it.Field != "" {
		ci.slot = c.e.slotFor(c.e.maps.fieldNames(c.lsm, c.product, it.Field))
	} else if mods["exists"] || mods["fieldref"] || mods["cidr"] {
		return nil, fmt.Errorf("unsupported construct: field-less value with |exists, |fieldref or |cidr")
	}
	ci.all = mods["all"]
	ci.neq = mods["neq"]
	cased := mods["cased"]

	// Values after placeholder expansion.
	values := it.Values
	if mods["expand"] {
		var ex []Value
		for _, v := range values {
			out, err := c.expand(v)
			if err != nil {
				return nil, err
			}
			ex = append(ex, out...)
		}
		values = ex
	}

	var timePart string
	for _, p := range []string{"minute", "hour", "day", "week", "month", "year"} {
		if mods[p] {
			timePart = p
		}
	}
	cmp := cmpEq
	switch {
	case mods["lt"]:
		cmp = cmpLT
	case mods["lte"]:
		cmp = cmpLTE
	case mods["gt"]:
		cmp = cmpGT
	case mods["gte"]:
		cmp = cmpGTE
	}
	numeric := cmp != cmpEq

	for _, v := range values {
		var group []matcher
		switch {
		case mods["exists"]:
			b := v.S == "true" || v.S == "yes"
			if !v.Bool && v.S != "true" && v.S != "false" {
				return nil, fmt.Errorf("|exists needs true or false, not %q", v.S)
			}
			group = []matcher{{op: opExists, exists: b, raw: v.S}}
			ci.cost = 0
		case v.Null:
			group = []matcher{{op: opNull, raw: "null"}}
		case timePart != "":
			n, err := strconv.ParseFloat(v.S, 64)
			if err != nil {
				return nil, fmt.Errorf("|%s needs a number, not %q", timePart, v.S)
			}
			cm := cmp
			if ci.neq {
				cm, ci.neq = cmpNeq, false
			}
			group = []matcher{{op: opTime, tpart: timePart, cmp: cm, num: n, raw: v.S}}
			ci.cost = 2
		case numeric:
			n, err := strconv.ParseFloat(v.S, 64)
			if err != nil {
				return nil, fmt.Errorf("|%s needs a number, not %q", order[len(order)-1], v.S)
			}
			group = []matcher{{op: opNum, cmp: cmp, num: n, raw: v.S}}
			ci.cost = 1
		case mods["cidr"]:
			p, err := netip.ParsePrefix(strings.TrimSpace(v.S))
			if err != nil {
				return nil, fmt.Errorf("bad |cidr value %q: %v", v.S, err)
			}
			group = []matcher{{op: opCIDR, prefix: p.Masked(), raw: v.S}}
			ci.cost = 3
		case mods["fieldref"]:
			ref := c.e.slotFor(c.e.maps.fieldNames(c.lsm, c.product, v.S))
			rop := opEq
			switch {
			case mods["contains"]:
				rop = opContains
			case mods["startswith"]:
				rop = opPrefix
			case mods["endswith"]:
				rop = opSuffix
			}
			group = []matcher{{op: opFieldRef, ref: ref, refOp: rop, cased: cased, raw: v.S}}
			ci.cost = 2
		case mods["re"]:
			flags := ""
			if mods["i"] {
				flags += "i"
			}
			if mods["m"] {
				flags += "m"
			}
			if mods["s"] {
				flags += "s"
			}
			expr := v.S
			if flags != "" {
				expr = "(?" + flags + ")" + expr
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return nil, fmt.Errorf("unsupported construct: regular expression %q: %v", v.S, err)
			}
			if n, nl, ok := runRegex(expr); ok {
				// '.{1000,}' would run a machine of 1000 states; count instead.
				group = []matcher{{op: opRunes, runs: n, runsNL: nl, raw: v.S}}
				ci.cost = 3
				break
			}
			lits, _ := regexLits(expr)
			group = []matcher{{op: opRe, re: re, reLits: lits, raw: v.S}}
			ci.cost = 10
		default:
			ms, err := c.stringMatchers(v, mods, cased, it.Field == "")
			if err != nil {
				return nil, err
			}
			group = ms
			ci.cost = max(ci.cost, 4)
		}
		ci.groups = append(ci.groups, group)
	}
	if ci.all && len(ci.groups) < 2 && !mods["windash"] {
		// A single value with |all is allowed by parsers; it is just the value.
		ci.all = false
	}
	if !ci.all && len(ci.groups) > 1 {
		var flat []matcher
		for _, g := range ci.groups {
			flat = append(flat, g...)
		}
		ci.groups = [][]matcher{flat}
	}
	return ci, nil
}

var placeholderRE = regexp.MustCompile(`%[A-Za-z0-9_.-]+%`)

func (c *compiler) expand(v Value) ([]Value, error) {
	locs := placeholderRE.FindAllString(v.S, -1)
	if len(locs) == 0 {
		return []Value{v}, nil
	}
	out := []Value{v}
	for _, ph := range locs {
		name := strings.Trim(ph, "%")
		vals, ok := c.e.opts.Placeholders[name]
		if !ok || len(vals) == 0 {
			return nil, fmt.Errorf("unsupported construct: |expand placeholder %s has no values (Options.Placeholders)", ph)
		}
		var next []Value
		for _, o := range out {
			for _, pv := range vals {
				next = append(next, Value{S: strings.Replace(o.S, ph, pv, 1)})
			}
		}
		out = next
	}
	return out, nil
}

// stringMatchers turns one string value with its modifiers into matchers
// (several when an encoding or windash produces variants).
func (c *compiler) stringMatchers(v Value, mods map[string]bool, cased, keyword bool) ([]matcher, error) {
	// Parse wildcards and escapes into a pattern: runs of literal text and
	// wildcard markers.
	pat := parseWildcards(v.S)
	if mods["windash"] {
		pat = windashVariants(pat)
	} else {
		pat = [][]patPart{pat[0]}
	}
	encoded := mods["base64"] || mods["base64offset"] || mods["utf16le"] || mods["utf16be"] || mods["utf16"] || mods["wide"]
	var out []matcher
	for _, p := range pat {
		if encoded {
			lit, ok := literalOf(p)
			if !ok {
				return nil, fmt.Errorf("unsupported construct: wildcards in a value with an encoding modifier (%q)", v.S)
			}
			b := []byte(lit)
			switch {
			case mods["utf16le"] || mods["wide"]:
				b = utf16Bytes(lit, false, false)
			case mods["utf16be"]:
				b = utf16Bytes(lit, true, false)
			case mods["utf16"]:
				b = utf16Bytes(lit, false, true)
			}
			var variants []string
			switch {
			case mods["base64offset"]:
				variants = base64Offsets(b)
			case mods["base64"]:
				variants = []string{base64.StdEncoding.EncodeToString(b)}
			default:
				variants = []string{string(b)}
			}
			for _, enc := range variants {
				m := matcher{op: opEq, s: enc, cased: true, raw: v.S}
				switch {
				case mods["base64offset"] || mods["contains"]:
					m.op = opContains
				case mods["startswith"]:
					m.op = opPrefix
				case mods["endswith"]:
					m.op = opSuffix
				}
				// Base64 is case-sensitive by nature.
				if !strings.ContainsAny(enc, "+/=") && !(mods["base64"] || mods["base64offset"]) {
					m.cased = cased
					if !cased {
						m.s = strings.ToLower(m.s)
					}
				}
				out = append(out, m)
			}
			continue
		}
		switch {
		case mods["contains"] || keyword:
			p = append(append([]patPart{{star: true}}, p...), patPart{star: true})
		case mods["startswith"]:
			p = append(p, patPart{star: true})
		case mods["endswith"]:
			p = append([]patPart{{star: true}}, p...)
		}
		out = append(out, patternMatcher(p, cased, v.S))
	}
	return out, nil
}

// patPart is a literal run, or a '*' (star) or '?' (one) wildcard.
type patPart struct {
	lit  string
	star bool
	one  bool
}

// parseWildcards splits a Sigma string value: '*' and '?' are wildcards;
// '\*', '\?' and '\\' are the literal characters; any other backslash is
// literal.
func parseWildcards(s string) [][]patPart {
	var parts []patPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, patPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch ch {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				lit.WriteByte(s[i+1])
				i++
				continue
			}
			lit.WriteByte(ch)
		case '*':
			flush()
			if len(parts) == 0 || !parts[len(parts)-1].star {
				parts = append(parts, patPart{star: true})
			}
		case '?':
			flush()
			parts = append(parts, patPart{one: true})
		default:
			lit.WriteByte(ch)
		}
	}
	flush()
	return [][]patPart{parts}
}

func literalOf(p []patPart) (string, bool) {
	var b strings.Builder
	for _, x := range p {
		if x.star || x.one {
			return "", false
		}
		b.WriteString(x.lit)
	}
	return b.String(), true
}

var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windashVariants returns the pattern with every '-' or '/' in its literals
// replaced by each dash character (all combinations, capped at 5^4).
func windashVariants(pats [][]patPart) [][]patPart {
	p := pats[0]
	var positions [][2]int // part index, byte index
	for i, x := range p {
		for j := 0; j < len(x.lit); j++ {
			if x.lit[j] == '-' || x.lit[j] == '/' {
				positions = append(positions, [2]int{i, j})
			}
		}
	}
	if len(positions) == 0 {
		return [][]patPart{p}
	}
	if len(positions) > 4 {
		positions = positions[:4]
	}
	var out [][]patPart
	var rec func(k int, choice []string)
	rec = func(k int, choice []string) {
		if k == len(positions) {
			np := make([]patPart, len(p))
			copy(np, p)
			// Replace from the last position backwards so indices stay valid.
			for q := len(positions) - 1; q >= 0; q-- {
				pi, bj := positions[q][0], positions[q][1]
				l := np[pi].lit
				np[pi].lit = l[:bj] + choice[q] + l[bj+1:]
			}
			out = append(out, np)
			return
		}
		for _, d := range windashChars {
			rec(k+1, append(choice, d))
		}
	}
	rec(0, nil)
	return out
}

func utf16Bytes(s string, be, bom bool) []byte {
	u := utf16.Encode([]rune(s))
	var b []byte
	if bom {
		if be {
			b = append(b, 0xfe, 0xff)
		} else {
			b = append(b, 0xff, 0xfe)
		}
	}
	for _, x := range u {
		if be {
			b = append(b, byte(x>>8), byte(x))
		} else {
			b = append(b, byte(x), byte(x>>8))
		}
	}
	return b
}

// base64Offsets returns the three base64 forms of b at offsets 0, 1 and 2
// of a larger encoded text, trimmed to the characters that do not depend on
// the unknown neighbouring bytes (as pySigma does).
func base64Offsets(b []byte) []string {
	start := [3]int{0, 2, 3}
	var out []string
	for i := 0; i < 3; i++ {
		buf := append(make([]byte, i), b...)
		enc := base64.StdEncoding.EncodeToString(buf)
		e := len(enc)
		switch (len(b) + i) % 3 {
		case 1:
			e -= 3
		case 2:
			e -= 2
		}
		if start[i] < e {
			out = append(out, enc[start[i]:e])
		}
	}
	return out
}

// patternMatcher picks the cheapest matcher for a wildcard pattern.
func patternMatcher(p []patPart, cased bool, raw string) matcher {
	norm := func(s string) string {
		if cased {
			return s
		}
		return strings.ToLower(s)
	}
	hasOne := false
	for _, x := range p {
		if x.one {
			hasOne = true
		}
	}
	if !hasOne {
		switch {
		case len(p) == 0:
			return matcher{op: opEq, s: "", cased: cased, raw: raw}
		case len(p) == 1 && p[0].star:
			return matcher{op: opExists, exists: true, raw: raw}
		case len(p) == 1:
			return matcher{op: opEq, s: norm(p[0].lit), cased: cased, raw: raw}
		case len(p) == 2 && p[1].star && !p[0].star:
			return matcher{op: opPrefix, s: norm(p[0].lit), cased: cased, raw: raw}
		case len(p) == 2 && p[0].star && !p[1].star:
			return matcher{op: opSuffix, s: norm(p[1].lit), cased: cased, raw: raw}
		case len(p) == 3 && p[0].star && p[2].star && !p[1].star:
			return matcher{op: opContains, s: norm(p[1].lit), cased: cased, raw: raw}
		}
	}
	// General glob: segments split at '*'; '?' is encoded as \x00 inside
	// segments ('?' matches exactly one byte of the value).
	var segs []string
	var cur strings.Builder
	for _, x := range p {
		switch {
		case x.star:
			segs = append(segs, cur.String())
			cur.Reset()
		case x.one:
			cur.WriteByte(0)
		default:
			cur.WriteString(norm(x.lit))
		}
	}
	segs = append(segs, cur.String())
	return matcher{op: opGlob, glob: segs, cased: cased, raw: raw}
}
