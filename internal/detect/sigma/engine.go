package sigma

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// Options configure an Engine.
type Options struct {
	// Mappings are the logsource and field mappings; nil means the built-in
	// ones (BuiltinMappings).
	Mappings *Mappings
	// Placeholders give the values of |expand placeholders ("%Admins%" is
	// Placeholders["Admins"]). A rule using an undefined placeholder is not
	// compiled.
	Placeholders map[string][]string
	// OutOfOrder is how late (in event time, behind the latest event seen)
	// an event may arrive and still count in correlation windows. Default 1m.
	OutOfOrder time.Duration
	// MaxStates caps correlation group states; a new group beyond it is not
	// tracked and counted in Stats.StatesDropped. Default 100,000.
	MaxStates int
}

// MatchDetail says which selection, field and value made a rule match.
type MatchDetail struct {
	Selection  string // the search identifier
	Field      string // the Sigma field ("" for keywords)
	EventField string // the event field it was read from
	Pattern    string // the rule's value as written
	Value      string // the event's value
}

func (d MatchDetail) String() string {
	f := d.Field
	if f == "" {
		f = "keyword"
	}
	return fmt.Sprintf("%s: %s (%s) = %q matched %q", d.Selection, f, d.EventField, d.Value, d.Pattern)
}

// CorrelationMatch describes a correlation rule's hit.
type CorrelationMatch struct {
	Type     string
	Group    map[string]string // group-by field → value
	Value    float64           // the aggregate the condition was tested on
	Rules    []string          // the rules that contributed (ids or names)
	First    int64             // event time of the first contributing event (ns)
	Last     int64
	EventIDs []string // ids of contributing events when known (bounded)
}

// Signal is one detection: a rule matched an event, or a correlation rule's
// condition was met.
type Signal struct {
	Rule *Rule
	// Event is the matched event (the last contributing event for a
	// correlation). It is the caller's event: copy what you need if you keep
	// the signal beyond the event's life.
	Event       *event.Event
	Time        int64 // event time, Unix ns
	Matched     []MatchDetail
	Correlation *CorrelationMatch
}

// Stats are the engine's counters.
type Stats struct {
	Events        uint64
	Signals       uint64
	States        int    // correlation group states held
	StatesDropped uint64 // new groups not tracked because MaxStates was hit
	StatesExpired uint64
	LateEvents    uint64 // events behind the out-of-order allowance, not correlated
}

type compiledRule struct {
	rule     *Rule
	idx      int
	variants []*variant
	corrs    []*corrRule // correlations that reference this rule
	emit     bool        // emit standalone signals
}

// variant is a rule compiled for one logsource alternative.
type variant struct {
	cr       *compiledRule
	lsm      *LogSourceMapping
	alt      map[string][]string // the logsource alternative it is routed on
	root     *node
	eids     map[int64]bool // nil: any event id
	residual []routeCond
	routeF   int // index in Engine.routeFields, -1 if unrouted
	product  string
	id       int32  // index for the prefilter marks
	pf       bool   // has a prefilter: evaluate only when marked
	pfMask   uint8  // the prefilter groups that must all be satisfied
	pfSlots  []int  // slots of its prefilter literals
	lits     []vlit // its prefilter literals
}

// routeEntry is a route: the variants of a route field value and event id
// that share the same residual logsource conditions (checked once, before
// anything is scanned), and the slots to scan for their prefilter.
type routeEntry struct {
	residual []routeCond
	variants []*variant
	scans    []routeScan
}

// routeSet holds the routes of one route field value.
type routeSet struct {
	byEID map[int64][]*routeEntry // event ids some variant requires
	other []*routeEntry           // every other event id
}

type routeCond struct {
	slot   int
	exists bool     // "*": the field must exist
	values []string // lowercased; any
}

// Engine evaluates a compiled rule set over events as they arrive.
//
// Process, Explain, Advance, SaveState and LoadState must be called from one
// goroutine (or under the caller's lock); to reload rules, build a new
// Engine and swap it in (correlation state moves with SaveState/LoadState).
type Engine struct {
	opts        Options
	maps        *Mappings
	rules       []*compiledRule
	byRef       map[string]*compiledRule // rule id and name → rule
	corrs       []*corrRule
	notCompiled []CompileError
	slotIndex   map[string]int
	ctx         evalCtx

	routeFields []string
	routeIdx    []map[string][]*variant // while compiling
	routes      []map[string]*routeSet  // by route field, lowercased value
	unrouted    []*variant
	pf          *prefilter
	eidField    int // slot of winlog.event_id

	matchedEpoch []uint32
	stats        Stats
	corrState    *correlator
}

// Route fields in order of preference for indexing a logsource alternative.
var routeFieldOrder = []string{"winlog.channel", "event.dataset", "event.module", "process.name", "event.category"}

// NewEngine compiles rs. Rules that do not compile are left out and listed
// by NotCompiled; the error is reserved for an unusable configuration.
func NewEngine(rs *RuleSet, opts Options) (*Engine, error) {
	if opts.OutOfOrder <= 0 {
		opts.OutOfOrder = time.Minute
	}
	if opts.MaxStates <= 0 {
		opts.MaxStates = 100_000
	}
	e := &Engine{opts: opts, maps: opts.Mappings, byRef: map[string]*compiledRule{}, slotIndex: map[string]int{}}
	if e.maps == nil {
		e.maps = BuiltinMappings()
	}
	e.routeFields = routeFieldOrder
	e.routeIdx = make([]map[string][]*variant, len(e.routeFields))
	for i := range e.routeIdx {
		e.routeIdx[i] = map[string][]*variant{}
	}
	e.eidField = e.slotFor([]string{"winlog.event_id"})
	var corrRules []*Rule
	for _, r := range rs.Rules {
		if r.Correlation != nil {
			corrRules = append(corrRules, r)
			continue
		}
		if r.Detection == nil {
			continue
		}
		cr, err := e.compileRule(r)
		if err != nil {
			e.notCompiled = append(e.notCompiled, CompileError{RuleID: r.ID, Title: r.Title, File: r.File, Line: r.Line, Construct: err.Error()})
			continue
		}
		cr.idx = len(e.rules)
		cr.emit = true
		e.rules = append(e.rules, cr)
		if r.ID != "" {
			e.byRef[r.ID] = cr
		}
		if r.Name != "" {
			e.byRef[r.Name] = cr
		}
	}
	e.corrState = newCorrelator(e)
	e.buildCorrelations(corrRules)
	e.matchedEpoch = make([]uint32, len(e.rules)+len(e.corrs))
	e.buildPrefilter()
	e.buildRoutes()
	e.routeIdx = nil
	return e, nil
}

func (e *Engine) slotFor(names []string) int {
	key := strings.Join(names, "\x00")
	if i, ok := e.slotIndex[key]; ok {
		return i
	}
	i := len(e.ctx.defs)
	e.ctx.defs = append(e.ctx.defs, slotDef{names: names})
	e.ctx.slots = append(e.ctx.slots, slotVal{})
	e.slotIndex[key] = i
	return i
}

func (e *Engine) compileRule(r *Rule) (*compiledRule, error) {
	cr := &compiledRule{rule: r}
	lsms := e.maps.resolve(r.LogSource)
	if len(lsms) == 0 {
		// No mapping: route on event.dataset "<product>.<service|category>"
		// so users can feed such events; fields are taken by product mapping.
		ds := r.LogSource.Product
		if s := r.LogSource.Service; s != "" {
			ds += "." + s
		} else if c := r.LogSource.Category; c != "" {
			ds += "." + c
		}
		if ds == "" {
			return nil, fmt.Errorf("unsupported construct: empty logsource")
		}
		lsms = []*LogSourceMapping{{Product: r.LogSource.Product, Category: r.LogSource.Category,
			Service: r.LogSource.Service, When: []map[string][]string{{"event.dataset": {ds}}}}}
	}
	for _, lsm := range lsms {
		c := &compiler{e: e, rule: r, lsm: lsm, product: r.LogSource.Product}
		root, err := c.compileDetection(r.Detection)
		if err != nil {
			return nil, err
		}
		// Event ids the detection itself requires become route checks.
		ruleEIDs, eidsOK := requiredEIDs(root, e.eidField)
		for _, alt := range lsm.When {
			v := &variant{cr: cr, lsm: lsm, alt: alt, root: root, routeF: -1, product: r.LogSource.Product}
			var routeVals []string
			for fi, rf := range e.routeFields {
				vals, ok := alt[rf]
				if ok && !(len(vals) == 1 && vals[0] == "*") {
					v.routeF = fi
					routeVals = vals
					break
				}
			}
			for f, vals := range alt {
				if v.routeF >= 0 && f == e.routeFields[v.routeF] {
					continue
				}
				if f == "winlog.event_id" {
					v.eids = map[int64]bool{}
					for _, s := range vals {
						var n int64
						if _, err := fmt.Sscan(s, &n); err == nil {
							v.eids[n] = true
						}
					}
					continue
				}
				rc := routeCond{slot: e.slotFor([]string{f})}
				if len(vals) == 1 && vals[0] == "*" {
					rc.exists = true
				} else {
					for _, s := range vals {
						rc.values = append(rc.values, strings.ToLower(s))
					}
				}
				v.residual = append(v.residual, rc)
			}
			if eidsOK {
				if v.eids == nil {
					v.eids = ruleEIDs
				} else {
					both := map[int64]bool{}
					for id := range ruleEIDs {
						if v.eids[id] {
							both[id] = true
						}
					}
					v.eids = both
				}
				if len(v.eids) == 0 {
					continue // the logsource and the detection exclude each other
				}
			}
			sort.Slice(v.residual, func(i, j int) bool { return v.residual[i].slot < v.residual[j].slot })
			if v.routeF >= 0 {
				for _, rv := range routeVals {
					k := strings.ToLower(rv)
					e.routeIdx[v.routeF][k] = append(e.routeIdx[v.routeF][k], v)
				}
			} else {
				e.unrouted = append(e.unrouted, v)
			}
			cr.variants = append(cr.variants, v)
		}
	}
	return cr, nil
}

// requiredEIDs returns the event ids one of which every event the node
// matches has in the event id slot: from equality selections on it that the
// condition requires (AND: any child's set; OR: the union of all). ok is
// false when the node does not constrain the event id.
func requiredEIDs(n *node, eidSlot int) (map[int64]bool, bool) {
	switch n.kind {
	case nSearch:
		var set map[int64]bool
		for _, m := range n.search.maps {
			var ms map[int64]bool
			for _, it := range m {
				if s, ok := itemEIDs(it, eidSlot); ok {
					ms = s
					break
				}
			}
			if ms == nil {
				return nil, false
			}
			if set == nil {
				set = map[int64]bool{}
			}
			for id := range ms {
				set[id] = true
			}
		}
		return set, set != nil
	case nAnd:
		for _, k := range n.kids {
			if s, ok := requiredEIDs(k, eidSlot); ok {
				return s, true
			}
		}
	case nOr:
		set := map[int64]bool{}
		for _, k := range n.kids {
			s, ok := requiredEIDs(k, eidSlot)
			if !ok {
				return nil, false
			}
			for id := range s {
				set[id] = true
			}
		}
		return set, true
	}
	return nil, false
}

// itemEIDs returns the event ids an item on the event id slot accepts when
// it is a plain equality on integers.
func itemEIDs(it *item, eidSlot int) (map[int64]bool, bool) {
	if it.slot != eidSlot || eidSlot < 0 || it.neq || it.all || len(it.groups) != 1 {
		return nil, false
	}
	set := map[int64]bool{}
	for _, m := range it.groups[0] {
		if m.op != opEq {
			return nil, false
		}
		n, err := strconv.ParseInt(m.s, 10, 64)
		if err != nil {
			return nil, false
		}
		set[n] = true
	}
	return set, len(set) > 0
}

// NotCompiled lists the rules left out, each with the construct at fault.
func (e *Engine) NotCompiled() []CompileError { return e.notCompiled }

// Empty reports whether the engine has no rule to evaluate.
func (e *Engine) Empty() bool { return len(e.rules) == 0 && len(e.corrs) == 0 }

// Rules returns the compiled rules (detection and correlation).
func (e *Engine) Rules() []*Rule {
	out := make([]*Rule, 0, len(e.rules)+len(e.corrs))
	for _, cr := range e.rules {
		out = append(out, cr.rule)
	}
	for _, c := range e.corrs {
		out = append(out, c.rule)
	}
	return out
}

// Stats returns the counters.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.States = e.corrState.size()
	return s
}

// candidates returns the routes of the current event for a route field
// value (lowercased) and event id.
func (e *Engine) candidates(fi int, val string, eid int64) []*routeEntry {
	rs := e.routes[fi][val]
	if rs == nil {
		return nil
	}
	if re, ok := rs.byEID[eid]; ok {
		return re
	}
	return rs.other
}

func (e *Engine) residualOK(v *variant) bool { return e.condsOK(v.residual) }

// condsOK reports whether the current event meets residual logsource
// conditions.
func (e *Engine) condsOK(conds []routeCond) bool {
	for i := range conds {
		rc := &conds[i]
		sv := e.ctx.slot(rc.slot)
		if !sv.present {
			return false
		}
		if rc.exists {
			continue
		}
		e.ctx.texts(sv)
		ok := false
		for _, s := range rc.values {
			if sv.lower == s {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// forCandidates calls fn for every variant whose logsource selects the
// current event (e.ctx must be reset to it).
func (e *Engine) forCandidates(fn func(v *variant)) {
	eid := int64(-1)
	if sv := e.ctx.slot(e.eidField); sv.present {
		if n, ok := sv.v.Int(); ok {
			eid = n
		}
	}
	for fi, rf := range e.routeFields {
		if len(e.routes[fi]) == 0 {
			continue
		}
		v, ok := e.ctx.ev.Get(rf)
		if !ok || v.Type() != event.TypeString {
			continue
		}
		for _, re := range e.candidates(fi, e.ctx.lower(v.Str()), eid) {
			if !e.condsOK(re.residual) {
				continue
			}
			for _, sc := range re.scans {
				e.scanSlot(sc.slot, sc.sf)
			}
			epoch := e.ctx.epoch
			for _, cand := range re.variants {
				if cand.pf && (e.pf.mark[cand.id] != epoch || e.pf.bits[cand.id] != cand.pfMask) {
					continue
				}
				fn(cand)
			}
		}
	}
	for _, cand := range e.unrouted {
		if (cand.eids == nil || cand.eids[eid]) && e.residualOK(cand) {
			fn(cand)
		}
	}
}

// Process evaluates every rule against ev and calls emit for each signal
// (rule matches, then correlation hits). ev must not change during the
// call. It does not allocate when nothing matches.
func (e *Engine) Process(ev *event.Event, emit func(Signal)) {
	e.stats.Events++
	e.ctx.reset(ev)
	epoch := e.ctx.epoch
	e.forCandidates(func(v *variant) {
		cr := v.cr
		if e.matchedEpoch[cr.idx] == epoch {
			return
		}
		if !e.ctx.evalNode(v.root) {
			return
		}
		e.matchedEpoch[cr.idx] = epoch
		if cr.emit {
			s := Signal{Rule: cr.rule, Event: ev, Time: ev.Time}
			s.Matched = e.explainVariant(v)
			e.stats.Signals++
			emit(s)
		}
		for _, c := range cr.corrs {
			e.corrState.observe(c, cr.rule, v, ev, emit)
		}
	})
	if len(e.corrs) > 0 {
		e.corrState.onTime(ev.Time, emit)
	}
}

func (e *Engine) explainVariant(v *variant) []MatchDetail {
	var details []MatchDetail
	e.ctx.explain = &details
	e.ctx.evalNode(v.root)
	e.ctx.explain = nil
	return details
}

// Explanation is one rule's verdict on an event, for `rules test`.
type Explanation struct {
	Rule    *Rule
	Matched []MatchDetail
}

// Explain returns the rules that match ev and why (selection, field and
// value), without feeding correlation state.
func (e *Engine) Explain(ev *event.Event) []Explanation {
	e.ctx.reset(ev)
	var out []Explanation
	seen := map[int]bool{}
	e.forCandidates(func(v *variant) {
		if seen[v.cr.idx] || !e.ctx.evalNode(v.root) {
			return
		}
		seen[v.cr.idx] = true
		out = append(out, Explanation{Rule: v.cr.rule, Matched: e.explainVariant(v)})
	})
	return out
}

// ToEvent renders the signal as a storable event: event.kind "signal",
// rule.id, rule.name, rule.level, tags, threat.technique.id and
// threat.tactic.name from ATT&CK tags, the matched event's id and key
// fields, and what matched.
func (s Signal) ToEvent() *event.Event {
	out := &event.Event{Time: s.Time}
	set := out.SetString
	set(event.FieldKind, "signal")
	set("rule.id", s.Rule.ID)
	set("rule.name", s.Rule.Title)
	set("rule.level", s.Rule.Level)
	set("rule.status", s.Rule.Status)
	set("rule.description", s.Rule.Description)
	set("rule.author", s.Rule.Author)
	set("rule.ruleset", "sigma")
	set("event.severity_name", s.Rule.Level)
	if sev := levelSeverity(s.Rule.Level); sev > 0 {
		out.Set("event.severity", event.Int(sev))
	}
	if len(s.Rule.Tags) > 0 {
		var tags, techs, tactics []event.Value
		for _, t := range s.Rule.Tags {
			tags = append(tags, event.String(t))
			lt := strings.ToLower(t)
			if rest, ok := strings.CutPrefix(lt, "attack."); ok {
				if len(rest) > 1 && rest[0] == 't' && rest[1] >= '0' && rest[1] <= '9' {
					techs = append(techs, event.String(strings.ToUpper(rest)))
				} else if !strings.HasPrefix(rest, "g") && !strings.HasPrefix(rest, "s0") {
					tactics = append(tactics, event.String(strings.ReplaceAll(rest, "_", "-")))
				}
			}
		}
		out.Set("tags", event.Array(tags...))
		if len(techs) > 0 {
			out.Set("threat.technique.id", event.Array(techs...))
			out.Set("threat.framework", event.String("MITRE ATT&CK"))
		}
		if len(tactics) > 0 {
			out.Set("threat.tactic.name", event.Array(tactics...))
		}
	}
	if s.Event != nil {
		set("signal.event.id", s.Event.ID())
		for _, f := range signalKeyFields {
			if v, ok := s.Event.Get(f); ok {
				out.Set(f, v)
			}
		}
	}
	if len(s.Matched) > 0 {
		var m []event.Value
		for _, d := range s.Matched {
			m = append(m, event.String(d.String()))
		}
		out.Set("signal.matched", event.Array(m...))
	}
	if c := s.Correlation; c != nil {
		set("signal.correlation.type", c.Type)
		out.Set("signal.correlation.value", event.Float(c.Value))
		var rules, ids []event.Value
		for _, r := range c.Rules {
			rules = append(rules, event.String(r))
		}
		for _, id := range c.EventIDs {
			ids = append(ids, event.String(id))
		}
		if len(rules) > 0 {
			out.Set("signal.correlation.rules", event.Array(rules...))
		}
		if len(ids) > 0 {
			out.Set("signal.correlation.event_ids", event.Array(ids...))
		}
		keys := make([]string, 0, len(c.Group))
		for k := range c.Group {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			set("signal.correlation.group."+k, c.Group[k])
		}
		out.Set("signal.correlation.first", event.TimeNanos(c.First))
		out.Set("signal.correlation.last", event.TimeNanos(c.Last))
	}
	return out
}

// signalKeyFields are copied from the matched event into a signal.
var signalKeyFields = []string{
	event.FieldHostName, event.FieldDataset, "event.code", event.FieldUserName, "user.domain",
	event.FieldSourceIP, "destination.ip", "process.name", "process.executable", "process.command_line",
	"process.pid", "process.parent.executable", "file.path", "winlog.channel", "winlog.event_id",
	"winlog.record_id", "cloud.account.id", "url.original",
}

func levelSeverity(level string) int64 {
	switch strings.ToLower(level) {
	case "informational":
		return 1
	case "low":
		return 2
	case "medium":
		return 3
	case "high":
		return 4
	case "critical":
		return 5
	}
	return 0
}
