package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Rule is one parsed Sigma rule: a detection rule (Detection set) or a
// correlation rule (Correlation set).
type Rule struct {
	File string // where it was loaded from ("" for API input)
	Line int    // line of the rule's document start

	Title          string
	ID             string
	Name           string // the rule's "name", referenced by correlations
	Status         string
	Description    string
	Level          string
	Author         string
	Date           string
	References     []string
	Tags           []string
	FalsePositives []string
	Fields         []string
	LogSource      LogSource

	Detection   *Detection
	Correlation *Correlation
	// Source is the YAML text of the document, for display and export.
	Source string
}

// LogSource is a rule's logsource section.
type LogSource struct {
	Product, Category, Service, Definition string
}

func (l LogSource) String() string {
	var parts []string
	if l.Product != "" {
		parts = append(parts, "product:"+l.Product)
	}
	if l.Category != "" {
		parts = append(parts, "category:"+l.Category)
	}
	if l.Service != "" {
		parts = append(parts, "service:"+l.Service)
	}
	return strings.Join(parts, " ")
}

// Detection is a rule's detection section: named searches and a condition.
type Detection struct {
	Searches  map[string]*Search
	Order     []string // search names in file order
	Condition []string // one or more conditions (a list means OR)
	CondLine  int
	Timeframe string // Sigma v1 "timeframe", kept for lint
}

// Search is one named search identifier: an OR of maps, or keywords.
type Search struct {
	Name string
	Line int
	// Maps are OR-ed; the items inside one map are AND-ed.
	Maps [][]*Item
	// Keywords are field-less values (OR-ed).
	Keywords []Value
}

// Item is one "field|modifiers: values" entry.
type Item struct {
	Field     string // "" for a field-less ("|contains": …) item
	Modifiers []string
	Values    []Value
	Line      int
}

// Value is one Sigma value as written in YAML.
type Value struct {
	S    string // the scalar's text; "" for null
	Null bool
	Num  bool // written as a YAML number
	Bool bool // written as a YAML boolean
}

// Correlation is a correlation rule's correlation section.
type Correlation struct {
	Type      string // event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile
	Rules     []string
	GroupBy   []string
	Timespan  time.Duration
	Condition CorrCondition
	Aliases   map[string]map[string]string // alias → rule name/id → field
	Generate  bool
}

// CorrCondition is a correlation's condition: comparisons AND-ed, over the
// aggregate of Field (value_* and value_count) or the event/rule count.
type CorrCondition struct {
	Field string
	Cmps  []Cmp
}

// Cmp is one comparison of a correlation condition.
type Cmp struct {
	Op string // gt, gte, lt, lte, eq, neq
	N  float64
}

// ParseError is an error in a rule file, with its position.
type ParseError struct {
	File   string
	Line   int
	RuleID string
	Msg    string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if e.RuleID != "" {
		b.WriteString("rule " + e.RuleID + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// LoadError is a rule that could not be loaded (parsed or compiled).
type LoadError = ParseError

// ParseRule parses one rule file's bytes. A file may hold several YAML
// documents, each a rule. Errors are *ParseError values (joined when there
// are several); rules parsed without error are returned with them.
func ParseRule(data []byte, file string) ([]*Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var rules []*Rule
	var errs []error
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, &ParseError{File: file, Line: yamlErrLine(err), Msg: "YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")})
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		r, err := parseDoc(doc.Content[0], file)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if r != nil {
			if out, err := yaml.Marshal(doc.Content[0]); err == nil {
				r.Source = string(out)
			}
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 && len(errs) == 0 {
		errs = append(errs, &ParseError{File: file, Line: 1, Msg: "no rule in file"})
	}
	return rules, errors.Join(errs...)
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func perr(file string, n *yaml.Node, id, format string, args ...any) *ParseError {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ParseError{File: file, Line: line, RuleID: id, Msg: fmt.Sprintf(format, args...)}
}

// mapGet returns the value node of key in a mapping node.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func scalar(n *yaml.Node) string {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func stringList(n *yaml.Node) []string {
	n = resolveAlias(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return nil
		}
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		if c = resolveAlias(c); c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

func parseDoc(n *yaml.Node, file string) (*Rule, error) {
	if n.Kind != yaml.MappingNode {
		return nil, perr(file, n, "", "a rule must be a YAML mapping")
	}
	r := &Rule{File: file, Line: n.Line}
	r.ID = scalar(mapGet(n, "id"))
	if a := scalar(mapGet(n, "action")); a != "" {
		return nil, perr(file, mapGet(n, "action"), r.ID, "unsupported construct: rule collection action %q", a)
	}
	r.Title = scalar(mapGet(n, "title"))
	r.Name = scalar(mapGet(n, "name"))
	r.Status = scalar(mapGet(n, "status"))
	r.Description = scalar(mapGet(n, "description"))
	r.Level = scalar(mapGet(n, "level"))
	r.Author = scalar(mapGet(n, "author"))
	r.Date = scalar(mapGet(n, "date"))
	r.References = stringList(mapGet(n, "references"))
	r.Tags = stringList(mapGet(n, "tags"))
	r.FalsePositives = stringList(mapGet(n, "falsepositives"))
	r.Fields = stringList(mapGet(n, "fields"))
	if r.Title == "" {
		return nil, perr(file, n, r.ID, "missing title")
	}
	if ls := mapGet(n, "logsource"); ls != nil {
		r.LogSource = LogSource{
			Product:    strings.ToLower(scalar(mapGet(ls, "product"))),
			Category:   strings.ToLower(scalar(mapGet(ls, "category"))),
			Service:    strings.ToLower(scalar(mapGet(ls, "service"))),
			Definition: scalar(mapGet(ls, "definition")),
		}
	}
	det, corr := mapGet(n, "detection"), mapGet(n, "correlation")
	switch {
	case det != nil && corr != nil:
		return nil, perr(file, corr, r.ID, "a rule has either detection or correlation, not both")
	case det != nil:
		d, err := parseDetection(resolveAlias(det), file, r.ID)
		if err != nil {
			return nil, err
		}
		r.Detection = d
	case corr != nil:
		c, err := parseCorrelation(resolveAlias(corr), file, r.ID)
		if err != nil {
			return nil, err
		}
		if g := mapGet(n, "generate"); g != nil { // v2.1 puts it at the top level
			c.Generate = scalar(g) == "true"
		}
		r.Correlation = c
	default:
		if mapGet(n, "filter") != nil {
			return nil, perr(file, mapGet(n, "filter"), r.ID, "unsupported construct: Sigma filter (meta filter) documents")
		}
		return nil, perr(file, n, r.ID, "missing detection (or correlation)")
	}
	return r, nil
}

func parseDetection(n *yaml.Node, file, id string) (*Detection, error) {
	if n.Kind != yaml.MappingNode {
		return nil, perr(file, n, id, "detection must be a mapping")
	}
	d := &Detection{Searches: map[string]*Search{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		switch k.Value {
		case "condition":
			d.CondLine = v.Line
			switch v.Kind {
			case yaml.ScalarNode:
				d.Condition = []string{v.Value}
			case yaml.SequenceNode:
				d.Condition = stringList(v)
			default:
				return nil, perr(file, v, id, "condition must be a string or a list of strings")
			}
		case "timeframe":
			d.Timeframe = scalar(v)
		default:
			s, err := parseSearch(k.Value, v, file, id)
			if err != nil {
				return nil, err
			}
			s.Line = k.Line
			d.Searches[k.Value] = s
			d.Order = append(d.Order, k.Value)
		}
	}
	if len(d.Condition) == 0 {
		return nil, perr(file, n, id, "detection has no condition")
	}
	if len(d.Searches) == 0 {
		return nil, perr(file, n, id, "detection has no search identifiers")
	}
	return d, nil
}

func parseSearch(name string, v *yaml.Node, file, id string) (*Search, error) {
	s := &Search{Name: name}
	switch v.Kind {
	case yaml.MappingNode:
		m, err := parseMap(v, file, id)
		if err != nil {
			return nil, err
		}
		s.Maps = append(s.Maps, m)
	case yaml.SequenceNode:
		for _, c := range v.Content {
			c = resolveAlias(c)
			switch c.Kind {
			case yaml.MappingNode:
				m, err := parseMap(c, file, id)
				if err != nil {
					return nil, err
				}
				s.Maps = append(s.Maps, m)
			case yaml.ScalarNode:
				s.Keywords = append(s.Keywords, value(c))
			default:
				return nil, perr(file, c, id, "search %q: list elements must be maps or values", name)
			}
		}
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil, perr(file, v, id, "search %q is empty", name)
		}
		s.Keywords = append(s.Keywords, value(v))
	default:
		return nil, perr(file, v, id, "search %q must be a map or a list", name)
	}
	return s, nil
}

func value(n *yaml.Node) Value {
	switch n.Tag {
	case "!!null":
		return Value{Null: true}
	case "!!int", "!!float":
		return Value{S: n.Value, Num: true}
	case "!!bool":
		return Value{S: strings.ToLower(n.Value), Bool: true}
	}
	return Value{S: n.Value}
}

func parseMap(n *yaml.Node, file, id string) ([]*Item, error) {
	var items []*Item
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		parts := strings.Split(k.Value, "|")
		it := &Item{Field: parts[0], Modifiers: parts[1:], Line: k.Line}
		for j, m := range it.Modifiers {
			it.Modifiers[j] = strings.ToLower(strings.TrimSpace(m))
		}
		switch v.Kind {
		case yaml.ScalarNode:
			it.Values = []Value{value(v)}
		case yaml.SequenceNode:
			for _, c := range v.Content {
				c = resolveAlias(c)
				if c.Kind != yaml.ScalarNode {
					return nil, perr(file, c, id, "field %q: values must be scalars", k.Value)
				}
				it.Values = append(it.Values, value(c))
			}
			if len(it.Values) == 0 {
				return nil, perr(file, v, id, "field %q: empty value list", k.Value)
			}
		default:
			return nil, perr(file, v, id, "field %q: unsupported construct: nested map as a value", k.Value)
		}
		items = append(items, it)
	}
	return items, nil
}

var timespanRE = regexp.MustCompile(`^(\d+)([smhdwMy])$`)

// ParseTimespan parses a Sigma timespan: a number and one of s, m, h, d
// (and w, M for 30 days, y for 365 days).
func ParseTimespan(s string) (time.Duration, error) {
	m := timespanRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("bad timespan %q (want a number and s, m, h or d)", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n <= 0 || n > 1<<20 {
		return 0, fmt.Errorf("bad timespan %q", s)
	}
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
		"w": 7 * 24 * time.Hour, "M": 30 * 24 * time.Hour, "y": 365 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

var correlationTypes = map[string]bool{"event_count": true, "value_count": true, "temporal": true,
	"temporal_ordered": true, "value_sum": true, "value_avg": true, "value_percentile": true}

func parseCorrelation(n *yaml.Node, file, id string) (*Correlation, error) {
	if n.Kind != yaml.MappingNode {
		return nil, perr(file, n, id, "correlation must be a mapping")
	}
	c := &Correlation{Type: scalar(mapGet(n, "type"))}
	if !correlationTypes[c.Type] {
		return nil, perr(file, mapGet(n, "type"), id, "unsupported construct: correlation type %q", c.Type)
	}
	c.Rules = stringList(mapGet(n, "rules"))
	if len(c.Rules) == 0 {
		return nil, perr(file, n, id, "correlation has no rules")
	}
	c.GroupBy = stringList(mapGet(n, "group-by"))
	ts := mapGet(n, "timespan")
	if ts == nil {
		ts = mapGet(n, "timeframe")
	}
	if ts == nil {
		return nil, perr(file, n, id, "correlation has no timespan")
	}
	d, err := ParseTimespan(scalar(ts))
	if err != nil {
		return nil, perr(file, ts, id, "%v", err)
	}
	c.Timespan = d
	if g := mapGet(n, "generate"); g != nil {
		c.Generate = scalar(g) == "true"
	}
	if al := resolveAlias(mapGet(n, "aliases")); al != nil && al.Kind == yaml.MappingNode {
		c.Aliases = map[string]map[string]string{}
		for i := 0; i+1 < len(al.Content); i += 2 {
			m := map[string]string{}
			v := resolveAlias(al.Content[i+1])
			for j := 0; v != nil && j+1 < len(v.Content); j += 2 {
				m[v.Content[j].Value] = scalar(v.Content[j+1])
			}
			c.Aliases[al.Content[i].Value] = m
		}
	}
	cond := resolveAlias(mapGet(n, "condition"))
	switch {
	case cond == nil && (c.Type == "temporal" || c.Type == "temporal_ordered"):
		// Default: all referenced rules.
		c.Condition.Cmps = []Cmp{{Op: "gte", N: float64(len(c.Rules))}}
	case cond == nil:
		return nil, perr(file, n, id, "correlation has no condition")
	case cond.Kind != yaml.MappingNode:
		return nil, perr(file, cond, id, "correlation condition must be a mapping")
	default:
		for i := 0; i+1 < len(cond.Content); i += 2 {
			k, v := cond.Content[i].Value, scalar(cond.Content[i+1])
			switch k {
			case "field":
				c.Condition.Field = v
			case "gt", "gte", "lt", "lte", "eq", "neq":
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return nil, perr(file, cond.Content[i+1], id, "correlation condition %s: %q is not a number", k, v)
				}
				c.Condition.Cmps = append(c.Condition.Cmps, Cmp{Op: k, N: f})
			default:
				return nil, perr(file, cond.Content[i], id, "unsupported construct: correlation condition operator %q", k)
			}
		}
		if len(c.Condition.Cmps) == 0 {
			return nil, perr(file, cond, id, "correlation condition has no comparison")
		}
	}
	switch c.Type {
	case "value_count", "value_sum", "value_avg", "value_percentile":
		if c.Condition.Field == "" {
			return nil, perr(file, cond, id, "correlation %s needs condition.field", c.Type)
		}
	}
	return c, nil
}

// RuleSet is a set of parsed rules.
type RuleSet struct {
	Rules []*Rule
}

// Add appends rules.
func (rs *RuleSet) Add(rules ...*Rule) { rs.Rules = append(rs.Rules, rules...) }

// LoadDir parses every *.yml and *.yaml file below the given directories (or
// files), in lexical order. Files that fail are reported as LoadErrors and
// skipped; the others are returned.
func LoadDir(dirs ...string) (*RuleSet, []LoadError) {
	rs := &RuleSet{}
	var errs []LoadError
	for _, dir := range dirs {
		var files []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, LoadError{File: p, Msg: err.Error()})
				return nil
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, LoadError{File: dir, Msg: err.Error()})
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				errs = append(errs, LoadError{File: f, Msg: err.Error()})
				continue
			}
			rules, err := ParseRule(data, f)
			rs.Add(rules...)
			errs = append(errs, flattenErrors(err)...)
		}
	}
	return rs, errs
}

func flattenErrors(err error) []LoadError {
	if err == nil {
		return nil
	}
	var out []LoadError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, flattenErrors(e)...)
		}
		return out
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		return []LoadError{*pe}
	}
	return []LoadError{{Msg: err.Error()}}
}
