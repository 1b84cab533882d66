package query

import (
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/filter"
)

// Query is a parsed query: a filter and the pipes that follow it.
type Query struct {
	// Filter selects events; filter.MatchAll{} when the query has none.
	Filter filter.Node
	// Pipes transform the matching events, in order.
	Pipes []Pipe
}

// String renders q in query syntax. Parse(q.String()) yields a query with the
// same String, and the same meaning.
func (q *Query) String() string {
	var b strings.Builder
	b.WriteString(FormatFilter(q.Filter))
	for _, p := range q.Pipes {
		b.WriteString(" | ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Aggregates reports whether q has an aggregating pipe (stats, timechart,
// top, rare) and so answers with a table rather than events.
func (q *Query) Aggregates() bool {
	for _, p := range q.Pipes {
		if isAggregating(p) {
			return true
		}
	}
	return false
}

// Pipe is one stage after the filter. The implementations are the *...Pipe
// types of this package.
type Pipe interface {
	String() string
	pipe()
}

// StatsPipe is `stats agg [as name], ... [by field, ...]`.
type StatsPipe struct {
	Aggs []Agg
	By   []string
}

// TimechartPipe is `timechart [span=D] agg [as name], ... [by field]`.
type TimechartPipe struct {
	Span time.Duration // 0: chosen from the time range at run time
	Aggs []Agg
	By   string // "" for none
}

// TopPipe is `top [N] field, ...` or, with Rare, `rare [N] field, ...`.
type TopPipe struct {
	Rare   bool
	N      int
	Fields []string
}

// WherePipe is `where expr`.
type WherePipe struct{ Expr Expr }

// SortPipe is `sort [-|+]field, ...`.
type SortPipe struct{ Keys []SortKey }

// SortKey is one sort column; Desc for a leading "-".
type SortKey struct {
	Field string
	Desc  bool
}

// HeadPipe is `head [N]`.
type HeadPipe struct{ N int }

// FieldsPipe is `fields f, ...` (keep only these) or `fields - f, ...`
// (Remove: drop these).
type FieldsPipe struct {
	Remove bool
	Fields []string
}

// DedupPipe is `dedup field, ...`.
type DedupPipe struct{ Fields []string }

// RenamePipe is `rename a as b, ...`.
type RenamePipe struct{ Renames []Rename }

// Rename is one `from as to`.
type Rename struct{ From, To string }

// EvalPipe is `eval name = expr, ...`.
type EvalPipe struct{ Assigns []Assign }

// Assign is one `name = expr`.
type Assign struct {
	Name string
	Expr Expr
}

func (*StatsPipe) pipe()     {}
func (*TimechartPipe) pipe() {}
func (*TopPipe) pipe()       {}
func (*WherePipe) pipe()     {}
func (*SortPipe) pipe()      {}
func (*HeadPipe) pipe()      {}
func (*FieldsPipe) pipe()    {}
func (*DedupPipe) pipe()     {}
func (*RenamePipe) pipe()    {}
func (*EvalPipe) pipe()      {}

func isAggregating(p Pipe) bool {
	switch p.(type) {
	case *StatsPipe, *TimechartPipe, *TopPipe:
		return true
	}
	return false
}

// AggFunc is an aggregation function.
type AggFunc uint8

// The aggregation functions.
const (
	AggCount    AggFunc = iota + 1 // count() or count(field)
	AggDC                          // dc(field): distinct values
	AggSum                         // sum(field)
	AggAvg                         // avg(field)
	AggMin                         // min(field)
	AggMax                         // max(field)
	AggValues                      // values(field): the distinct values
	AggEarliest                    // earliest(field): value at the oldest @timestamp
	AggLatest                      // latest(field): value at the newest @timestamp
)

var aggNames = [...]string{
	AggCount: "count", AggDC: "dc", AggSum: "sum", AggAvg: "avg", AggMin: "min",
	AggMax: "max", AggValues: "values", AggEarliest: "earliest", AggLatest: "latest",
}

func (f AggFunc) String() string {
	if int(f) < len(aggNames) && aggNames[f] != "" {
		return aggNames[f]
	}
	return "agg(" + strconv.Itoa(int(f)) + ")"
}

func lookupAgg(name string) (AggFunc, bool) {
	name = strings.ToLower(name)
	for f, n := range aggNames {
		if n != "" && n == name {
			return AggFunc(f), true
		}
	}
	return 0, false
}

// Agg is one aggregation of stats or timechart.
type Agg struct {
	Func  AggFunc
	Field string // "" only for count()
	Alias string // from `as name`; "" for the default column name
}

// Column returns the name of the agg's result column: the alias, or
// "count" for count(), or "func(field)".
func (a Agg) Column() string {
	if a.Alias != "" {
		return a.Alias
	}
	return a.call()
}

func (a Agg) call() string {
	if a.Func == AggCount && a.Field == "" {
		return "count"
	}
	return a.Func.String() + "(" + a.Field + ")"
}

func (a Agg) String() string {
	s := a.Func.String() + "()"
	if a.Field != "" {
		s = a.Func.String() + "(" + formatName(a.Field) + ")"
	}
	if a.Alias != "" {
		s += " as " + formatName(a.Alias)
	}
	return s
}

func (p *StatsPipe) String() string {
	s := "stats " + joinAggs(p.Aggs)
	if len(p.By) > 0 {
		s += " by " + joinNames(p.By)
	}
	return s
}

func (p *TimechartPipe) String() string {
	s := "timechart "
	if p.Span > 0 {
		s += "span=" + formatSpan(p.Span) + " "
	}
	s += joinAggs(p.Aggs)
	if p.By != "" {
		s += " by " + formatName(p.By)
	}
	return s
}

func (p *TopPipe) String() string {
	s := "top "
	if p.Rare {
		s = "rare "
	}
	return s + strconv.Itoa(p.N) + " " + joinNames(p.Fields)
}

func (p *WherePipe) String() string { return "where " + p.Expr.String() }

func (p *SortPipe) String() string {
	parts := make([]string, len(p.Keys))
	for i, k := range p.Keys {
		if k.Desc {
			parts[i] = "-" + formatName(k.Field)
		} else {
			parts[i] = formatName(k.Field)
		}
	}
	return "sort " + strings.Join(parts, ", ")
}

func (p *HeadPipe) String() string { return "head " + strconv.Itoa(p.N) }

func (p *FieldsPipe) String() string {
	if p.Remove {
		return "fields - " + joinNames(p.Fields)
	}
	return "fields " + joinNames(p.Fields)
}

func (p *DedupPipe) String() string { return "dedup " + joinNames(p.Fields) }

func (p *RenamePipe) String() string {
	parts := make([]string, len(p.Renames))
	for i, r := range p.Renames {
		parts[i] = formatName(r.From) + " as " + formatName(r.To)
	}
	return "rename " + strings.Join(parts, ", ")
}

func (p *EvalPipe) String() string {
	parts := make([]string, len(p.Assigns))
	for i, a := range p.Assigns {
		parts[i] = formatName(a.Name) + " = " + a.Expr.String()
	}
	return "eval " + strings.Join(parts, ", ")
}

func joinAggs(aggs []Agg) string {
	parts := make([]string, len(aggs))
	for i, a := range aggs {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

func joinNames(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = formatName(n)
	}
	return strings.Join(parts, ", ")
}

// formatName renders a field or column name in a pipe's name position:
// plain when it reads back as the same name, else in backquotes.
func formatName(name string) string {
	if isPlainName(name) {
		return name
	}
	return quoteBack(name)
}

func quoteBack(s string) string {
	var b strings.Builder
	b.WriteByte('`')
	for i := 0; i < len(s); i++ {
		if s[i] == '`' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('`')
	return b.String()
}

// isPlainName reports whether name can be written without quotes in a name
// position: name characters only, not starting with '-' or '+', not a pipe
// keyword; or an aggregation call in its canonical form ("dc(user.name)").
func isPlainName(name string) bool {
	if name == "" {
		return false
	}
	if i := strings.IndexByte(name, '('); i > 0 && strings.HasSuffix(name, ")") {
		f, ok := lookupAgg(name[:i])
		if !ok {
			return false
		}
		inner := name[i+1 : len(name)-1]
		if (Agg{Func: f, Field: inner}).call() != name {
			return false
		}
		return inner == "" || isPlainName(inner)
	}
	if name[0] == '-' || name[0] == '+' || isPipeKeyword(name) {
		return false
	}
	for _, r := range name {
		if !isFieldRune(r) {
			return false
		}
	}
	return true
}

func isPipeKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "by", "as", "span":
		return true
	}
	return false
}

// formatSpan renders a duration in the largest unit that divides it.
func formatSpan(d time.Duration) string {
	units := []struct {
		d time.Duration
		s string
	}{{7 * 24 * time.Hour, "w"}, {24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}}
	for _, u := range units {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.s
		}
	}
	return d.String()
}
