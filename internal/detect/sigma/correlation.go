package sigma

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/shoseki/shoseki/internal/event"
)

// Correlation semantics (streaming, event time):
//   - A group is the correlation rule plus the values of its group-by fields
//     (through aliases) in the contributing event. Each group keeps its
//     contributing entries (time, rule, value) inside the timespan.
//   - Conditions that can only become true as entries arrive (gt, gte, and
//     the default of temporal rules) are tested on every arrival; the group
//     fires once and starts afresh.
//   - Conditions with an upper bound (lt, lte, eq, neq) are tested when a
//     window closes: windows start at the group's first entry and last
//     timespan; they close when a later event (of any kind) or Advance moves
//     event time past their end.
//   - Events may arrive out of order by up to Options.OutOfOrder behind the
//     latest event time seen; later ones are counted (Stats.LateEvents) and
//     not correlated.
//   - value_percentile: the share (in percent) of the group's window entries
//     whose field value equals the arriving event's, tested against the
//     condition (a rare value has a small share).
//   - Memory: at most Options.MaxStates groups, each at most maxEntries
//     entries (oldest dropped); idle groups expire after timespan +
//     OutOfOrder of event time.

const maxEntries = 10_000

type corrRule struct {
	rule      *Rule
	c         *Correlation
	idx       int
	members   map[string]int // member rule id/name → position in c.Rules
	down      []*corrRule
	monotone  bool
	fieldSlot map[*variant][]int // group-by fields then the condition field
}

type entry struct {
	T      int64   `json:"t"`
	Member int     `json:"m"`
	S      string  `json:"s,omitempty"`
	F      float64 `json:"f,omitempty"`
	ID     string  `json:"id,omitempty"`
}

type group struct {
	corr    *corrRule
	key     string
	values  []string
	start   int64
	entries []entry
}

type correlator struct {
	e         *Engine
	nextClose int64             // earliest time a window with an upper-bound condition closes
	pending   bool              // some such window is open
	groups    map[string]*group // corr index + "\x1e" + key
	maxSeen   int64
	n         uint64
}

func newCorrelator(e *Engine) *correlator {
	return &correlator{e: e, groups: map[string]*group{}}
}

func (c *correlator) size() int { return len(c.groups) }

func (e *Engine) buildCorrelations(rules []*Rule) {
	byRef := map[string]*corrRule{}
	for _, r := range rules {
		cr := &corrRule{rule: r, c: r.Correlation, members: map[string]int{}, fieldSlot: map[*variant][]int{}}
		cr.monotone = true
		for _, cmp := range r.Correlation.Condition.Cmps {
			if cmp.Op != "gt" && cmp.Op != "gte" {
				cr.monotone = false
			}
		}
		for i, m := range r.Correlation.Rules {
			cr.members[m] = i
		}
		cr.idx = len(e.rules) + len(e.corrs)
		e.corrs = append(e.corrs, cr)
		if r.ID != "" {
			byRef[r.ID] = cr
		}
		if r.Name != "" {
			byRef[r.Name] = cr
		}
	}
	// Link members; a correlation with an unknown member is not compiled.
	var ok []*corrRule
	referenced := map[*compiledRule][]*corrRule{}
	for _, cr := range e.corrs {
		bad := ""
		for _, m := range cr.c.Rules {
			if base, found := e.byRef[m]; found {
				referenced[base] = append(referenced[base], cr)
				continue
			}
			if up, found := byRef[m]; found && up != cr {
				up.down = append(up.down, cr)
				continue
			}
			bad = m
			break
		}
		if bad != "" {
			e.notCompiled = append(e.notCompiled, CompileError{RuleID: cr.rule.ID, Title: cr.rule.Title, File: cr.rule.File,
				Line: cr.rule.Line, Construct: fmt.Sprintf("correlation references unknown or uncompiled rule %q", bad)})
			continue
		}
		ok = append(ok, cr)
	}
	for i, cr := range ok {
		cr.idx = len(e.rules) + i
	}
	e.corrs = ok
	for base, crs := range referenced {
		base.emit = false
		for _, cr := range crs {
			base.corrs = append(base.corrs, cr)
			if cr.c.Generate {
				base.emit = true
			}
			for _, v := range base.variants {
				e.corrState.fieldsFor(cr, base.rule, v) // resolve slots before Process
			}
		}
	}
}

// fieldsFor returns the slots of the group-by fields (then the condition
// field) for events matched by variant v of member rule r.
func (c *correlator) fieldsFor(cr *corrRule, r *Rule, v *variant) []int {
	if s, ok := cr.fieldSlot[v]; ok {
		return s
	}
	names := append(append([]string(nil), cr.c.GroupBy...), cr.c.Condition.Field)
	var slots []int
	for i, g := range names {
		if g == "" && i == len(names)-1 {
			slots = append(slots, -1)
			continue
		}
		if al, ok := cr.c.Aliases[g]; ok {
			if f, ok := al[r.Name]; ok {
				g = f
			} else if f, ok := al[r.ID]; ok {
				g = f
			}
		}
		slots = append(slots, c.e.slotFor(c.e.maps.fieldNames(v.lsm, v.product, g)))
	}
	cr.fieldSlot[v] = slots
	return slots
}

// observe records that member rule r (variant v) matched ev.
func (c *correlator) observe(cr *corrRule, r *Rule, v *variant, ev *event.Event, emit func(Signal)) {
	slots := c.fieldsFor(cr, r, v)
	vals := make([]string, len(cr.c.GroupBy))
	for i := range vals {
		sv := c.e.ctx.slot(slots[i])
		if sv.present {
			vals[i] = strings.Clone(sv.v.Text())
		}
	}
	en := entry{T: ev.Time, Member: memberIndex(cr, r), ID: ev.ID()}
	if fs := slots[len(slots)-1]; fs >= 0 {
		sv := c.e.ctx.slot(fs)
		if !sv.present {
			if cr.c.Type != "value_count" && cr.c.Type != "value_percentile" {
				return // nothing to sum or average
			}
		} else {
			en.S = strings.Clone(sv.v.Text())
			if f, ok := sv.v.Float(); ok {
				en.F = f
			} else if cr.c.Type == "value_sum" || cr.c.Type == "value_avg" {
				return
			}
		}
	}
	c.add(cr, vals, en, ev, emit)
}

func memberIndex(cr *corrRule, r *Rule) int {
	if i, ok := cr.members[r.ID]; ok {
		return i
	}
	if i, ok := cr.members[r.Name]; ok {
		return i
	}
	return 0
}

// tick advances event time, closing windows and expiring groups.
func (c *correlator) tick(t int64, emit func(Signal)) bool {
	allow := int64(c.e.opts.OutOfOrder)
	if c.maxSeen != 0 && t < c.maxSeen-allow {
		c.e.stats.LateEvents++
		return false
	}
	if t > c.maxSeen {
		c.maxSeen = t
	}
	c.n++
	if c.n%1024 == 0 {
		c.sweep(emit)
	}
	return true
}

// sweep closes due windows and drops idle groups.
func (c *correlator) sweep(emit func(Signal)) {
	allow := int64(c.e.opts.OutOfOrder)
	c.pending = false
	for k, g := range c.groups {
		span := int64(g.corr.c.Timespan)
		if !g.corr.monotone {
			c.closeWindows(g, emit)
			if len(g.entries) > 0 {
				end := g.entries[0].T + span + allow
				if !c.pending || end < c.nextClose {
					c.nextClose, c.pending = end, true
				}
			}
		}
		if len(g.entries) == 0 || g.entries[len(g.entries)-1].T < c.maxSeen-span-allow {
			delete(c.groups, k)
			c.e.stats.StatesExpired++
		}
	}
}

func (c *correlator) add(cr *corrRule, vals []string, en entry, ev *event.Event, emit func(Signal)) {
	if !c.tick(en.T, emit) {
		return
	}
	key := strconv.Itoa(cr.idx) + "\x1e" + strings.Join(vals, "\x1f")
	g := c.groups[key]
	if g == nil {
		if len(c.groups) >= c.e.opts.MaxStates {
			c.sweep(emit)
			if len(c.groups) >= c.e.opts.MaxStates {
				c.e.stats.StatesDropped++
				return
			}
		}
		g = &group{corr: cr, key: key, values: vals, start: en.T}
		c.groups[key] = g
	}
	// Insert in time order (out-of-order arrivals are rare and near the end).
	i := len(g.entries)
	for i > 0 && g.entries[i-1].T > en.T {
		i--
	}
	g.entries = append(g.entries, entry{})
	copy(g.entries[i+1:], g.entries[i:])
	g.entries[i] = en
	if len(g.entries) > maxEntries {
		g.entries = g.entries[len(g.entries)-maxEntries:]
	}
	if en.T < g.start {
		g.start = en.T
	}
	span := int64(cr.c.Timespan)
	if cr.monotone {
		// Sliding window ending at the latest entry.
		latest := g.entries[len(g.entries)-1].T
		drop := 0
		for drop < len(g.entries) && g.entries[drop].T < latest-span {
			drop++
		}
		g.entries = g.entries[drop:]
		if val, ok := c.aggregate(g, g.entries, en); ok && cr.test(val) {
			c.fire(g, g.entries, val, ev, emit)
			g.entries = g.entries[:0]
			delete(c.groups, key)
		}
		return
	}
	c.closeWindows(g, emit)
	if len(g.entries) > 0 {
		end := g.entries[0].T + span + int64(c.e.opts.OutOfOrder)
		if !c.pending || end < c.nextClose {
			c.nextClose, c.pending = end, true
		}
	}
}

// onTime moves event time forward for every event processed and closes the
// windows that are due (cheap unless one is).
func (c *correlator) onTime(t int64, emit func(Signal)) {
	if t > c.maxSeen {
		c.maxSeen = t
	}
	if c.pending && c.maxSeen > c.nextClose {
		c.sweep(emit)
	}
}

// closeWindows evaluates the group's windows that event time has passed.
func (c *correlator) closeWindows(g *group, emit func(Signal)) {
	span := int64(g.corr.c.Timespan)
	allow := int64(c.e.opts.OutOfOrder)
	for len(g.entries) > 0 {
		start := g.entries[0].T
		end := start + span
		if c.maxSeen <= end+allow {
			return
		}
		n := 0
		for n < len(g.entries) && g.entries[n].T <= end {
			n++
		}
		win := g.entries[:n]
		if val, ok := c.aggregate(g, win, win[len(win)-1]); ok && g.corr.test(val) {
			c.fire(g, win, val, nil, emit)
		}
		g.entries = g.entries[n:]
	}
}

func (cr *corrRule) test(v float64) bool {
	for _, cmp := range cr.c.Condition.Cmps {
		ok := false
		switch cmp.Op {
		case "gt":
			ok = v > cmp.N
		case "gte":
			ok = v >= cmp.N
		case "lt":
			ok = v < cmp.N
		case "lte":
			ok = v <= cmp.N
		case "eq":
			ok = v == cmp.N
		case "neq":
			ok = v != cmp.N
		}
		if !ok {
			return false
		}
	}
	return true
}

// aggregate computes the value the condition is tested on.
func (c *correlator) aggregate(g *group, win []entry, last entry) (float64, bool) {
	switch g.corr.c.Type {
	case "event_count":
		return float64(len(win)), true
	case "value_count":
		seen := map[string]bool{}
		for _, e := range win {
			if e.S != "" {
				seen[strings.ToLower(e.S)] = true
			}
		}
		return float64(len(seen)), true
	case "temporal":
		seen := map[int]bool{}
		for _, e := range win {
			seen[e.Member] = true
		}
		return float64(len(seen)), true
	case "temporal_ordered":
		next := 0
		for _, e := range win {
			if e.Member == next {
				next++
				if next == len(g.corr.c.Rules) {
					break
				}
			}
		}
		return float64(next), true
	case "value_sum", "value_avg":
		sum := 0.0
		for _, e := range win {
			sum += e.F
		}
		if g.corr.c.Type == "value_avg" {
			if len(win) == 0 {
				return 0, false
			}
			return sum / float64(len(win)), true
		}
		return sum, true
	case "value_percentile":
		if len(win) == 0 {
			return 0, false
		}
		same := 0
		for _, e := range win {
			if strings.EqualFold(e.S, last.S) {
				same++
			}
		}
		return 100 * float64(same) / float64(len(win)), true
	}
	return 0, false
}

func (c *correlator) fire(g *group, win []entry, val float64, ev *event.Event, emit func(Signal)) {
	cr := g.corr
	m := &CorrelationMatch{Type: cr.c.Type, Group: map[string]string{}, Value: val}
	for i, f := range cr.c.GroupBy {
		m.Group[f] = g.values[i]
	}
	members := map[int]bool{}
	for _, e := range win {
		members[e.Member] = true
		if e.ID != "" && len(m.EventIDs) < 32 {
			m.EventIDs = append(m.EventIDs, e.ID)
		}
	}
	for i, r := range cr.c.Rules {
		if members[i] {
			m.Rules = append(m.Rules, r)
		}
	}
	if len(win) > 0 {
		m.First, m.Last = win[0].T, win[len(win)-1].T
	}
	s := Signal{Rule: cr.rule, Event: ev, Time: m.Last, Correlation: m}
	c.e.stats.Signals++
	emit(s)
	// Chains: this correlation is a member of others.
	for _, d := range cr.down {
		vals := make([]string, len(d.c.GroupBy))
		for i, f := range d.c.GroupBy {
			if al, ok := d.c.Aliases[f]; ok {
				if x, ok := al[cr.rule.Name]; ok {
					f = x
				} else if x, ok := al[cr.rule.ID]; ok {
					f = x
				}
			}
			vals[i] = m.Group[f]
		}
		en := entry{T: m.Last, Member: memberIndex(d, cr.rule), F: val, S: strconv.FormatFloat(val, 'g', -1, 64)}
		c.add(d, vals, en, ev, emit)
	}
}

// Advance moves event time to now (Unix ns) without an event, closing the
// correlation windows that end before it (minus the out-of-order
// allowance) and expiring idle groups. Call it periodically with the
// current time when events are sparse.
func (e *Engine) Advance(now int64, emit func(Signal)) {
	c := e.corrState
	if now > c.maxSeen {
		c.maxSeen = now
	}
	c.sweep(emit)
}

type savedState struct {
	Version int          `json:"version"`
	MaxSeen int64        `json:"max_seen"`
	Groups  []savedGroup `json:"groups"`
}

type savedGroup struct {
	Rule    string   `json:"rule"` // correlation rule id (or title)
	Values  []string `json:"values"`
	Start   int64    `json:"start"`
	Entries []entry  `json:"entries"`
}

func corrKey(r *Rule) string {
	if r.ID != "" {
		return r.ID
	}
	return r.Title
}

// SaveState writes the correlation state (JSON, version 1).
func (e *Engine) SaveState(w io.Writer) error {
	c := e.corrState
	st := savedState{Version: 1, MaxSeen: c.maxSeen}
	keys := make([]string, 0, len(c.groups))
	for k := range c.groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := c.groups[k]
		st.Groups = append(st.Groups, savedGroup{Rule: corrKey(g.corr.rule), Values: g.values, Start: g.start, Entries: g.entries})
	}
	enc := json.NewEncoder(w)
	if err := enc.Encode(&st); err != nil {
		return fmt.Errorf("sigma: save correlation state: %w", err)
	}
	return nil
}

// LoadState restores correlation state written by SaveState, also into an
// engine built from a changed rule set: groups of correlation rules that no
// longer exist (or whose group-by changed) are dropped.
func (e *Engine) LoadState(r io.Reader) error {
	var st savedState
	if err := json.NewDecoder(r).Decode(&st); err != nil {
		return fmt.Errorf("sigma: load correlation state: %w", err)
	}
	if st.Version != 1 {
		return fmt.Errorf("sigma: load correlation state: unknown version %d", st.Version)
	}
	byKey := map[string]*corrRule{}
	for _, cr := range e.corrs {
		byKey[corrKey(cr.rule)] = cr
	}
	c := e.corrState
	if st.MaxSeen > c.maxSeen {
		c.maxSeen = st.MaxSeen
	}
	for _, sg := range st.Groups {
		cr := byKey[sg.Rule]
		if cr == nil || len(sg.Values) != len(cr.c.GroupBy) {
			continue
		}
		if len(c.groups) >= e.opts.MaxStates {
			e.stats.StatesDropped++
			continue
		}
		key := strconv.Itoa(cr.idx) + "\x1e" + strings.Join(sg.Values, "\x1f")
		c.groups[key] = &group{corr: cr, key: key, values: sg.Values, start: sg.Start, entries: sg.Entries}
	}
	return nil
}
