package sigma

import (
	"embed"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed mappings/*.yaml
var builtinMappings embed.FS

// Mappings say which events a Sigma logsource selects and which event
// fields a Sigma field name means. They are data: the built-in ones are
// embedded YAML files (mappings/*.yaml, documented in docs/sigma.md), and
// users extend or override them with files of the same shape (AddYAML).
type Mappings struct {
	Products   map[string]*ProductMapping
	LogSources []*LogSourceMapping
}

// ProductMapping is the Sigma field mapping of a product (or fieldset).
type ProductMapping struct {
	Fields  map[string][]string // Sigma field → event fields (first present wins)
	Default []string            // templates for unmapped fields; "{}" is the Sigma name
}

// LogSourceMapping selects the events of one Sigma logsource.
type LogSourceMapping struct {
	Product, Category, Service string
	// FieldSet names the ProductMapping used (default: Product).
	FieldSet string
	// When lists alternatives (OR); each maps an event field to the values
	// it may take (OR); fields are AND-ed. "*" means: the field exists.
	When []map[string][]string
	// Fields renames Sigma fields for this logsource before the product
	// mapping applies.
	Fields map[string][]string
}

type mappingFile struct {
	Products map[string]struct {
		Fields  map[string]stringOrList `yaml:"fields"`
		Default []string                `yaml:"default"`
	} `yaml:"products"`
	LogSources []struct {
		Product  string                    `yaml:"product"`
		Category string                    `yaml:"category"`
		Service  string                    `yaml:"service"`
		FieldSet string                    `yaml:"fieldset"`
		When     []map[string]stringOrList `yaml:"when"`
		Fields   map[string]stringOrList   `yaml:"fields"`
	} `yaml:"logsources"`
}

type stringOrList []string

func (s *stringOrList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = []string{n.Value}
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*s = l
		return nil
	}
	return fmt.Errorf("line %d: want a string or a list of strings", n.Line)
}

// BuiltinMappings returns a fresh copy of the built-in mappings.
func BuiltinMappings() *Mappings {
	m := &Mappings{Products: map[string]*ProductMapping{}}
	entries, err := builtinMappings.ReadDir("mappings")
	if err != nil {
		panic("sigma: embedded mappings missing: " + err.Error()) // a build bug
	}
	for _, e := range entries {
		data, err := builtinMappings.ReadFile("mappings/" + e.Name())
		if err != nil {
			panic("sigma: embedded mappings: " + err.Error())
		}
		if err := m.AddYAML(data, e.Name()); err != nil {
			panic("sigma: embedded mappings: " + err.Error()) // tested
		}
	}
	return m
}

// AddYAML adds the products and logsources of a mapping file. A product
// mapping merges into an existing one (its fields win); logsources are
// appended, and a logsource with the same product/category/service as an
// earlier one from another file replaces it.
func (m *Mappings) AddYAML(data []byte, name string) error {
	var f mappingFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("mapping %s: %w", name, err)
	}
	for pname, p := range f.Products {
		pm := m.Products[pname]
		if pm == nil {
			pm = &ProductMapping{Fields: map[string][]string{}}
			m.Products[pname] = pm
		}
		for k, v := range p.Fields {
			pm.Fields[k] = v
		}
		if p.Default != nil {
			pm.Default = p.Default
		}
	}
	replaced := map[[3]string]bool{}
	for i, ls := range f.LogSources {
		if len(ls.When) == 0 {
			return fmt.Errorf("mapping %s: logsource %d (%s/%s/%s) has no 'when'", name, i, ls.Product, ls.Category, ls.Service)
		}
		lm := &LogSourceMapping{Product: strings.ToLower(ls.Product), Category: strings.ToLower(ls.Category),
			Service: strings.ToLower(ls.Service), FieldSet: ls.FieldSet, Fields: map[string][]string{}}
		for _, w := range ls.When {
			alt := map[string][]string{}
			for k, v := range w {
				alt[k] = v
			}
			lm.When = append(lm.When, alt)
		}
		for k, v := range ls.Fields {
			lm.Fields[k] = v
		}
		key := [3]string{lm.Product, lm.Category, lm.Service}
		if !replaced[key] {
			// Drop same-key entries of earlier files: the newer file wins.
			kept := m.LogSources[:0]
			for _, o := range m.LogSources {
				if [3]string{o.Product, o.Category, o.Service} != key {
					kept = append(kept, o)
				}
			}
			m.LogSources = kept
			replaced[key] = true
		}
		m.LogSources = append(m.LogSources, lm)
	}
	return nil
}

// resolve returns the logsource mappings that apply to a rule's logsource:
// the category must be equal, the product equal when both name one, the
// service equal when the rule names one.
func (m *Mappings) resolve(ls LogSource) []*LogSourceMapping {
	var out []*LogSourceMapping
	for _, e := range m.LogSources {
		if e.Category != ls.Category {
			continue
		}
		if ls.Product != "" && e.Product != "" && e.Product != ls.Product {
			continue
		}
		if ls.Service != "" && e.Service != ls.Service {
			continue
		}
		if ls.Service == "" && ls.Category == "" && e.Service == "" {
			continue
		}
		out = append(out, e)
	}
	return out
}

// fieldNames maps a Sigma field to event field candidates under a logsource
// mapping (nil for a rule whose logsource has no mapping: product only).
func (m *Mappings) fieldNames(e *LogSourceMapping, product, field string) []string {
	names := []string{field}
	if e != nil {
		if r, ok := e.Fields[field]; ok {
			names = r
		}
		if e.FieldSet != "" {
			product = e.FieldSet
		} else if e.Product != "" {
			product = e.Product
		}
	}
	pm := m.Products[product]
	var out []string
	for _, n := range names {
		if pm == nil {
			out = append(out, n)
			continue
		}
		if mapped, ok := pm.Fields[n]; ok {
			out = append(out, mapped...)
			continue
		}
		// A dotted name may already be an event field name (ECS taxonomy),
		// or a path inside the product's own record (CloudTrail's
		// userIdentity.sessionContext.attributes.mfaAuthenticated): try it
		// as it is, then through the product's default templates.
		if len(pm.Default) == 0 || (strings.Contains(n, ".") && product != "windows") {
			out = append(out, n)
		}
		for _, t := range pm.Default {
			out = append(out, strings.ReplaceAll(t, "{}", n))
		}
	}
	return dedupe(out)
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// Describe lists the logsource mappings, one per line, for documentation.
func (m *Mappings) Describe() []string {
	var out []string
	for _, e := range m.LogSources {
		var alts []string
		for _, w := range e.When {
			var keys []string
			for k := range w {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var parts []string
			for _, k := range keys {
				parts = append(parts, k+"="+strings.Join(w[k], "|"))
			}
			alts = append(alts, strings.Join(parts, " "))
		}
		out = append(out, fmt.Sprintf("%s/%s/%s: %s", e.Product, e.Category, e.Service, strings.Join(alts, " OR ")))
	}
	return out
}
