package query

import (
	"strings"

	"github.com/shoseki/shoseki/internal/filter"
)

// FormatFilter renders a filter tree in query syntax such that Parse reads
// it back to the same tree: AND binds tighter than OR, NOT tighter than AND,
// and values are escaped where the parser would read them otherwise. (It is
// used instead of the nodes' own String methods, which do not parenthesize
// the child of NOT.)
func FormatFilter(n filter.Node) string {
	switch t := n.(type) {
	case nil, filter.MatchAll, *filter.MatchAll:
		return "*"
	case *filter.Term:
		return formatTerm(t)
	case *filter.Not:
		return "NOT " + formatChild(t.Node)
	case *filter.And:
		if len(t.Nodes) == 0 {
			return "*"
		}
		return joinFilter(t.Nodes, " AND ")
	case *filter.Or:
		if len(t.Nodes) == 0 {
			return "NOT *" // the empty OR matches nothing
		}
		return joinFilter(t.Nodes, " OR ")
	}
	return n.String()
}

func joinFilter(nodes []filter.Node, sep string) string {
	parts := make([]string, len(nodes))
	for i, c := range nodes {
		parts[i] = formatChild(c)
	}
	return strings.Join(parts, sep)
}

// formatChild parenthesizes boolean combinations.
func formatChild(n filter.Node) string {
	switch n.(type) {
	case *filter.And, *filter.Or:
		return "(" + FormatFilter(n) + ")"
	}
	return FormatFilter(n)
}

func formatTerm(t *filter.Term) string {
	bare := t.Field == ""
	prefix := ""
	if !bare {
		prefix = t.Field + ":"
	}
	switch t.Op {
	case filter.OpEq:
		return prefix + escapeValue(t.Value, bare)
	case filter.OpPhrase:
		return prefix + quoteDouble(t.Value)
	case filter.OpWildcard:
		return prefix + escapeWildcard(t.Value, bare)
	case filter.OpRegex:
		return prefix + formatRegex(t.Value)
	case filter.OpExists:
		return prefix + "*"
	case filter.OpCIDR:
		return prefix + t.Value
	case filter.OpLT:
		return t.Field + "<" + escapeValue(t.Value, false)
	case filter.OpLTE:
		return t.Field + "<=" + escapeValue(t.Value, false)
	case filter.OpGT:
		return t.Field + ">" + escapeValue(t.Value, false)
	case filter.OpGTE:
		return t.Field + ">=" + escapeValue(t.Value, false)
	case filter.OpRange:
		lo, hi := "[", "]"
		if !t.IncLo {
			lo = "{"
		}
		if !t.IncHi {
			hi = "}"
		}
		return prefix + lo + formatBound(t.Value) + " TO " + formatBound(t.Hi) + hi
	}
	return t.String()
}

func formatBound(s string) string {
	if s == "*" {
		return s
	}
	if strings.EqualFold(s, "TO") {
		return `\` + s
	}
	return escapeValue(s, false)
}

// valueSpecial are the bytes escaped in an unquoted value.
const valueSpecial = " \t\n\r\v\f()|\"\\*?/[]{}<>="

// escapeValue renders a literal value unquoted, escaping with backslashes
// what the parser would otherwise read as syntax.
func escapeValue(s string, bare bool) string {
	if s == "" {
		return `""`
	}
	if bare && (s == "AND" || s == "OR" || s == "NOT") {
		return `\` + s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(valueSpecial, c) >= 0 || (bare && (c == ':' || (i == 0 && (c == '-' || c == '!')))) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// escapeWildcard renders a glob pattern (whose backslash escapes are part of
// the pattern) so that it reads back as the same pattern.
func escapeWildcard(s string, bare bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			b.WriteByte(c)
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else {
				b.WriteByte('\\') // a lone trailing backslash matches a backslash
			}
			continue
		}
		esc := strings.IndexByte(" \t\n\r\v\f()|\"", c) >= 0 ||
			(i == 0 && strings.IndexByte("[{/<>", c) >= 0) ||
			(bare && (c == ':' || (i == 0 && (c == '-' || c == '!'))))
		if esc {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// formatRegex renders /re/, escaping the slashes of re that are not already
// escaped.
func formatRegex(re string) string {
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(re); i++ {
		c := re[i]
		switch {
		case c == '\\' && i+1 < len(re):
			b.WriteByte(c)
			i++
			b.WriteByte(re[i])
		case c == '\\':
			b.WriteString(`\\`)
		case c == '/':
			b.WriteString(`\/`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('/')
	return b.String()
}

// quoteDouble renders s as a double-quoted string with \" and \\ escapes.
func quoteDouble(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
