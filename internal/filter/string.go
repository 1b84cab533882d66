package filter

import (
	"strings"
)

func (n *And) String() string   { return join(n.Nodes, " AND ") }
func (n *Or) String() string    { return join(n.Nodes, " OR ") }
func (n *Not) String() string   { return "NOT " + n.Node.String() }
func (MatchAll) String() string { return "*" }

func join(nodes []Node, sep string) string {
	parts := make([]string, len(nodes))
	for i, c := range nodes {
		parts[i] = c.String()
		if _, ok := c.(*Term); !ok {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, sep)
}

func (t *Term) String() string {
	prefix := ""
	if t.Field != "" {
		prefix = t.Field + ":"
	}
	switch t.Op {
	case OpEq:
		return prefix + quoteIfNeeded(t.Value)
	case OpPhrase:
		return prefix + `"` + strings.ReplaceAll(strings.ReplaceAll(t.Value, `\`, `\\`), `"`, `\"`) + `"`
	case OpWildcard, OpCIDR:
		return prefix + t.Value
	case OpRegex:
		return prefix + "/" + strings.ReplaceAll(t.Value, "/", `\/`) + "/"
	case OpExists:
		return prefix + "*"
	case OpLT:
		return t.Field + "<" + quoteIfNeeded(t.Value)
	case OpLTE:
		return t.Field + "<=" + quoteIfNeeded(t.Value)
	case OpGT:
		return t.Field + ">" + quoteIfNeeded(t.Value)
	case OpGTE:
		return t.Field + ">=" + quoteIfNeeded(t.Value)
	case OpRange:
		open, closeB := "[", "]"
		if !t.IncLo {
			open = "{"
		}
		if !t.IncHi {
			closeB = "}"
		}
		return prefix + open + quoteIfNeeded(t.Value) + " TO " + quoteIfNeeded(t.Hi) + closeB
	}
	return prefix + "?"
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"()|:*?<>=[]{}\\") {
		return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
	}
	return s
}
