package query

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxN bounds the N of head, top and rare.
const maxN = 1 << 30

func (p *parser) parsePipe() Pipe {
	p.skipSpace()
	start := p.pos
	name := p.scanWord()
	if name == "" {
		p.fail(p.pos, "expected a pipe command after '|', found %s", p.describe())
	}
	var pipe Pipe
	switch strings.ToLower(name) {
	case "stats":
		pipe = p.parseStats()
	case "timechart":
		pipe = p.parseTimechart()
	case "top":
		pipe = p.parseTop(false)
	case "rare":
		pipe = p.parseTop(true)
	case "where":
		pipe = &WherePipe{Expr: p.parseExpr()}
	case "sort":
		pipe = p.parseSort()
	case "head":
		pipe = &HeadPipe{N: p.parseOptN(10)}
	case "fields":
		pipe = p.parseFields()
	case "dedup":
		pipe = &DedupPipe{Fields: p.nameList()}
	case "rename":
		pipe = p.parseRename()
	case "eval":
		pipe = p.parseEval()
	default:
		p.fail(start, "unknown pipe command %q (want stats, timechart, top, rare, where, sort, head, fields, dedup, rename or eval)", name)
	}
	p.skipSpace()
	if !p.eof() && p.peek() != '|' {
		p.fail(p.pos, "unexpected %s in the %s command", p.describe(), strings.ToLower(name))
	}
	return pipe
}

// scanWord reads ASCII letters and underscores at pos.
func (p *parser) scanWord() string {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c != '_' && !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z') {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
}

// keyword consumes the case-insensitive word kw at pos (after spaces) when it
// stands there as a word of its own.
func (p *parser) keyword(kw string) bool {
	p.skipSpace()
	end := p.pos + len(kw)
	if end > len(p.src) || !strings.EqualFold(p.src[p.pos:end], kw) {
		return false
	}
	if end < len(p.src) {
		r, _ := utf8.DecodeRuneInString(p.src[end:])
		if isFieldRune(r) {
			return false
		}
	}
	p.pos = end
	return true
}

func isNameStart(c byte) bool {
	if c >= utf8.RuneSelf {
		return true
	}
	return c == '`' || c == '"' || c == '_' || c == '.' || c == '@' ||
		('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// readName reads a field or column name in a pipe: `back quoted`,
// "double quoted", an aggregation call such as dc(user.name) (a column of
// an earlier stats), or letters, digits and _ . @ - (not leading -).
func (p *parser) readName() string {
	p.skipSpace()
	start := p.pos
	switch p.peek() {
	case '`', '"':
		s := p.readQuoted()
		if s == "" {
			p.fail(start, "empty field name")
		}
		return s
	case '-', '+':
		p.fail(start, "expected a field name, found %s", p.describe())
	}
	end := p.scanField(start)
	if end == start {
		p.fail(start, "expected a field name, found %s", p.describe())
	}
	name := p.src[start:end]
	p.pos = end
	if p.peek() == '(' {
		if f, ok := lookupAgg(name); ok {
			return p.parseAggArgs(f, name, start).call()
		}
	}
	return name
}

// nameList reads names separated by commas or spaces, up to '|' or the end.
func (p *parser) nameList() []string {
	names := []string{p.readName()}
	for {
		p.skipSpace()
		switch c := p.peek(); {
		case c == ',':
			p.pos++
		case isNameStart(c) && !p.atPipeKeyword():
		default:
			return names
		}
		names = append(names, p.readName())
	}
}

func (p *parser) atPipeKeyword() bool {
	save := p.pos
	defer func() { p.pos = save }()
	return p.keyword("by") || p.keyword("as")
}

func (p *parser) parseAgg() Agg {
	p.skipSpace()
	start := p.pos
	w := p.scanWord()
	if w == "" {
		p.fail(start, "expected an aggregation such as count(), found %s", p.describe())
	}
	f, ok := lookupAgg(w)
	if !ok {
		p.fail(start, "unknown aggregation %q (want count, dc, sum, avg, min, max, values, earliest or latest)", w)
	}
	var a Agg
	p.skipSpace()
	if p.peek() == '(' {
		a = p.parseAggArgs(f, w, start)
	} else if f == AggCount {
		a = Agg{Func: AggCount}
	} else {
		p.fail(p.pos, "expected '(' after %s", w)
	}
	if p.keyword("as") {
		a.Alias = p.readName()
	}
	return a
}

// parseAggArgs parses "(field)" or "()" after an aggregation's name.
func (p *parser) parseAggArgs(f AggFunc, name string, start int) Agg {
	p.pos++ // '('
	a := Agg{Func: f}
	p.skipSpace()
	if p.peek() != ')' {
		a.Field = p.readName()
		p.skipSpace()
	}
	if p.peek() != ')' {
		p.fail(p.pos, "expected ')' to close %s(, found %s", name, p.describe())
	}
	p.pos++
	if a.Field == "" && f != AggCount {
		p.fail(start, "%s() needs a field: %s(field)", name, name)
	}
	return a
}

func (p *parser) aggList() []Agg {
	aggs := []Agg{p.parseAgg()}
	for {
		p.skipSpace()
		if p.peek() != ',' {
			return aggs
		}
		p.pos++
		aggs = append(aggs, p.parseAgg())
	}
}

// checkColumns rejects two output columns of the same name.
func (p *parser) checkColumns(pos int, by []string, aggs []Agg) {
	seen := map[string]bool{}
	for _, b := range by {
		seen[b] = true
	}
	for _, a := range aggs {
		c := a.Column()
		if seen[c] {
			p.fail(pos, "column %q appears twice; name one with 'as'", c)
		}
		seen[c] = true
	}
}

func (p *parser) parseStats() Pipe {
	p.skipSpace()
	pos := p.pos
	sp := &StatsPipe{Aggs: p.aggList()}
	if p.keyword("by") {
		sp.By = p.nameList()
	}
	p.skipSpace()
	if !p.eof() && p.peek() != '|' {
		p.fail(p.pos, "expected ',', 'by' or '|' in stats, found %s", p.describe())
	}
	p.checkColumns(pos, sp.By, sp.Aggs)
	return sp
}

func (p *parser) parseTimechart() Pipe {
	tp := &TimechartPipe{}
	if p.keyword("span") {
		p.skipSpace()
		if p.peek() != '=' {
			p.fail(p.pos, "expected '=' after span")
		}
		p.pos++
		p.skipSpace()
		start := p.pos
		for p.pos < len(p.src) && !isSpace(p.src[p.pos]) && p.src[p.pos] != '|' && p.src[p.pos] != ',' {
			p.pos++
		}
		d, err := parseSpan(p.src[start:p.pos])
		if err != nil {
			p.fail(start, "%s", err.Error())
		}
		tp.Span = d
	}
	p.skipSpace()
	pos := p.pos
	tp.Aggs = p.aggList()
	if p.keyword("by") {
		byPos := p.pos
		tp.By = p.readName()
		if len(tp.Aggs) > 1 {
			p.fail(byPos, "timechart ... by takes a single aggregation")
		}
	}
	p.skipSpace()
	if !p.eof() && p.peek() != '|' {
		p.fail(p.pos, "expected ',', 'by' or '|' in timechart, found %s", p.describe())
	}
	p.checkColumns(pos, []string{"_time"}, tp.Aggs)
	return tp
}

func (p *parser) parseTop(rare bool) Pipe {
	tp := &TopPipe{Rare: rare, N: 10}
	p.skipSpace()
	if p.keyword("limit") {
		p.skipSpace()
		if p.peek() != '=' {
			p.fail(p.pos, "expected '=' after limit")
		}
		p.pos++
		p.skipSpace()
		tp.N = p.readN()
	} else if c := p.peek(); '0' <= c && c <= '9' {
		end := p.pos
		for end < len(p.src) && '0' <= p.src[end] && p.src[end] <= '9' {
			end++
		}
		if end == len(p.src) || isSpace(p.src[end]) || p.src[end] == '|' {
			tp.N = p.readN()
		}
	}
	if tp.N == 0 {
		p.fail(p.pos, "the number of values must be at least 1")
	}
	tp.Fields = p.nameList()
	return tp
}

// readN reads a non-negative decimal integer at pos.
func (p *parser) readN() int {
	start := p.pos
	for p.pos < len(p.src) && '0' <= p.src[p.pos] && p.src[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == start {
		p.fail(start, "expected a number, found %s", p.describe())
	}
	n, err := strconv.Atoi(p.src[start:p.pos])
	if err != nil || n > maxN {
		p.fail(start, "number %s is too large (at most %d)", p.src[start:p.pos], maxN)
	}
	return n
}

// parseOptN reads an optional count, def when absent.
func (p *parser) parseOptN(def int) int {
	p.skipSpace()
	if c := p.peek(); '0' <= c && c <= '9' {
		return p.readN()
	}
	return def
}

func (p *parser) parseSort() Pipe {
	sp := &SortPipe{}
	for {
		p.skipSpace()
		var k SortKey
		switch p.peek() {
		case '-':
			k.Desc = true
			p.pos++
		case '+':
			p.pos++
		}
		k.Field = p.readName()
		sp.Keys = append(sp.Keys, k)
		p.skipSpace()
		switch c := p.peek(); {
		case c == ',':
			p.pos++
		case c == '-' || c == '+' || isNameStart(c):
		default:
			return sp
		}
	}
}

func (p *parser) parseFields() Pipe {
	fp := &FieldsPipe{}
	p.skipSpace()
	switch c := p.peek(); {
	case c == '-' && (p.pos+1 == len(p.src) || isSpace(p.src[p.pos+1])):
		fp.Remove = true
		p.pos++
	case c == '+' && (p.pos+1 == len(p.src) || isSpace(p.src[p.pos+1])):
		p.pos++
	}
	fp.Fields = p.nameList()
	return fp
}

func (p *parser) parseRename() Pipe {
	rp := &RenamePipe{}
	for {
		var r Rename
		r.From = p.readName()
		if !p.keyword("as") {
			p.fail(p.pos, "expected 'as' in rename, found %s", p.describe())
		}
		r.To = p.readName()
		rp.Renames = append(rp.Renames, r)
		p.skipSpace()
		if p.peek() != ',' {
			return rp
		}
		p.pos++
	}
}

func (p *parser) parseEval() Pipe {
	ep := &EvalPipe{}
	for {
		var a Assign
		a.Name = p.readName()
		p.skipSpace()
		if p.peek() != '=' || p.peekAt(p.pos+1) == '=' {
			p.fail(p.pos, "expected '=' after the name in eval, found %s", p.describe())
		}
		p.pos++
		a.Expr = p.parseExpr()
		ep.Assigns = append(ep.Assigns, a)
		p.skipSpace()
		if p.peek() != ',' {
			return ep
		}
		p.pos++
	}
}

// parseSpan parses a timechart span or relative time: an integer and a unit
// (ms, s, m, h, d, w), or a Go duration such as 1h30m.
func parseSpan(s string) (time.Duration, error) {
	d, ok := parseUnitDuration(s)
	if !ok {
		if gd, err := time.ParseDuration(s); err == nil {
			d, ok = gd, true
		}
	}
	if !ok {
		return 0, fmt.Errorf("bad span %q: want a number and a unit (s, m, h, d, w), such as 5m", s)
	}
	if d < time.Millisecond {
		return 0, fmt.Errorf("span %q is shorter than a millisecond", s)
	}
	return d, nil
}

// parseUnitDuration parses "<int><unit>" with units ms, s, m, h, d, w.
func parseUnitDuration(s string) (time.Duration, bool) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 {
		return 0, false
	}
	n, _ := strconv.ParseInt(s[:i], 10, 64)
	var unit time.Duration
	switch s[i:] {
	case "ms":
		unit = time.Millisecond
	case "s", "sec":
		unit = time.Second
	case "m", "min":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "d":
		unit = 24 * time.Hour
	case "w":
		unit = 7 * 24 * time.Hour
	default:
		return 0, false
	}
	if n > int64(math.MaxInt64/unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}
