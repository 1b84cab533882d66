package query

import (
	"math"
	"slices"

	"github.com/shoseki/shoseki/internal/event"
)

// maxValues bounds the distinct values values() keeps per group.
const maxValues = 1000

// limits is the memory bound of one Run, shared by its aggregations.
type limits struct {
	maxGroups int
	truncated bool // a bound dropped data: Result.Truncated
}

// aggState is the running state of one aggregation in one group. v is the
// field's value in the record (has false when absent or null); w is how
// many received events the record stands for; ts and seq order records in
// time.
type aggState interface {
	add(v event.Value, has bool, w, ts int64, seq uint64)
	merge(o aggState)
	result() event.Value
}

func newState(a Agg, lim *limits) aggState {
	switch a.Func {
	case AggCount:
		return &countState{field: a.Field != ""}
	case AggDC:
		return &setState{lim: lim, max: lim.maxGroups, dc: true}
	case AggSum:
		return &sumState{}
	case AggAvg:
		return &avgState{}
	case AggMin:
		return &minMaxState{}
	case AggMax:
		return &minMaxState{max: true}
	case AggValues:
		return &setState{lim: lim, max: maxValues}
	case AggEarliest:
		return &edgeState{}
	case AggLatest:
		return &edgeState{latest: true}
	}
	return &countState{}
}

// each calls fn for v, or for each element when v is an array.
func each(v event.Value, fn func(event.Value)) {
	if v.Type() == event.TypeArray {
		for _, el := range v.Elems() {
			if !el.IsNull() {
				fn(el)
			}
		}
		return
	}
	fn(v)
}

// countState counts received events: count() all, count(f) those with f.
type countState struct {
	field bool
	n     int64
}

func (s *countState) add(_ event.Value, has bool, w, _ int64, _ uint64) {
	if has || !s.field {
		s.n += w
	}
}
func (s *countState) merge(o aggState)    { s.n += o.(*countState).n }
func (s *countState) result() event.Value { return event.Int(s.n) }

// setState keeps distinct values: dc() answers their number, values()
// the values themselves, in sort order.
type setState struct {
	lim  *limits
	max  int
	dc   bool
	set  map[string]event.Value
	kbuf []byte
}

func (s *setState) add(v event.Value, has bool, _, _ int64, _ uint64) {
	if !has {
		return
	}
	each(v, s.put)
}

func (s *setState) put(v event.Value) {
	if s.set == nil {
		s.set = make(map[string]event.Value)
	}
	s.kbuf = appendKey(s.kbuf[:0], v)
	if _, ok := s.set[string(s.kbuf)]; ok {
		return
	}
	if len(s.set) >= s.max {
		s.lim.truncated = true
		return
	}
	s.set[string(s.kbuf)] = v
}

func (s *setState) merge(o aggState) {
	for _, v := range o.(*setState).set {
		s.put(v)
	}
}

func (s *setState) result() event.Value {
	if s.dc {
		return event.Int(int64(len(s.set)))
	}
	if len(s.set) == 0 {
		return event.Value{}
	}
	vs := make([]event.Value, 0, len(s.set))
	for _, v := range s.set {
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b event.Value) int {
		if c := sortCompare(a, b); c != 0 {
			return c
		}
		return cmp3(string(appendKey(nil, a)), string(appendKey(nil, b)))
	})
	return event.Array(vs...)
}

// sumState adds numbers once per stored event (not weighted by
// event.count); integers stay integers until they would overflow.
type sumState struct {
	i        int64
	f        float64
	hasFloat bool
}

func (s *sumState) add(v event.Value, has bool, _, _ int64, _ uint64) {
	if has {
		each(v, s.put)
	}
}

func (s *sumState) put(v event.Value) {
	if v.Type() == event.TypeTime {
		return
	}
	n, ok := toNumber(v)
	if !ok {
		return
	}
	if n.isInt {
		if r := s.i + n.i; (r > s.i) == (n.i > 0) {
			s.i = r
			return
		}
		s.f += float64(n.i)
		s.hasFloat = true
		return
	}
	s.f += n.f
	s.hasFloat = true
}

func (s *sumState) merge(o aggState) {
	t := o.(*sumState)
	s.put(event.Int(t.i))
	if t.hasFloat {
		s.put(event.Float(t.f))
	}
}

func (s *sumState) result() event.Value {
	if s.hasFloat {
		return event.Float(s.f + float64(s.i))
	}
	return event.Int(s.i)
}

// avgState averages numbers once per stored event.
type avgState struct {
	sum float64
	n   int64
}

func (s *avgState) add(v event.Value, has bool, _, _ int64, _ uint64) {
	if has {
		each(v, s.put)
	}
}

func (s *avgState) put(v event.Value) {
	if v.Type() == event.TypeTime {
		return
	}
	if n, ok := toNumber(v); ok {
		s.sum += n.float()
		s.n++
	}
}

func (s *avgState) merge(o aggState) {
	t := o.(*avgState)
	s.sum += t.sum
	s.n += t.n
}

func (s *avgState) result() event.Value {
	if s.n == 0 {
		return event.Value{}
	}
	return event.Float(s.sum / float64(s.n))
}

// minMaxState keeps the least (or greatest) value: numerically among
// numbers, numeric strings (answered as numbers) and times when there are
// any, else by text.
type minMaxState struct {
	max    bool
	num    event.Value
	numKey float64
	str    event.Value
}

func (s *minMaxState) add(v event.Value, has bool, _, _ int64, _ uint64) {
	if has {
		each(v, s.put)
	}
}

func (s *minMaxState) put(v event.Value) {
	if n, ok := toNumber(v); ok && v.Type() != event.TypeBool {
		f := n.float()
		if s.num.IsNull() || (s.max && f > s.numKey) || (!s.max && f < s.numKey) {
			if v.Type() == event.TypeString {
				v = n.value() // a numeric string answers as the number
			}
			s.num, s.numKey = v, f
		}
		return
	}
	if s.str.IsNull() {
		s.str = v
		return
	}
	c := cmp3(text(v), text(s.str))
	if (s.max && c > 0) || (!s.max && c < 0) {
		s.str = v
	}
}

func (s *minMaxState) merge(o aggState) {
	t := o.(*minMaxState)
	if !t.num.IsNull() {
		s.put(t.num)
	}
	if !t.str.IsNull() {
		s.put(t.str)
	}
}

func (s *minMaxState) result() event.Value {
	if !s.num.IsNull() {
		return s.num
	}
	return s.str
}

// edgeState keeps the value of the oldest (earliest) or newest (latest)
// record having the field; ties go to the lower (earliest) or higher
// (latest) store sequence number.
type edgeState struct {
	latest bool
	set    bool
	ts     int64
	seq    uint64
	v      event.Value
}

func (s *edgeState) add(v event.Value, has bool, _, ts int64, seq uint64) {
	if has {
		s.put(v, ts, seq)
	}
}

func (s *edgeState) put(v event.Value, ts int64, seq uint64) {
	better := !s.set
	if s.set {
		if s.latest {
			better = ts > s.ts || (ts == s.ts && seq > s.seq)
		} else {
			better = ts < s.ts || (ts == s.ts && seq < s.seq)
		}
	}
	if better {
		s.set, s.ts, s.seq, s.v = true, ts, seq, v
	}
}

func (s *edgeState) merge(o aggState) {
	if t := o.(*edgeState); t.set {
		s.put(t.v, t.ts, t.seq)
	}
}

func (s *edgeState) result() event.Value { return s.v }

// combos enumerates the combinations of the values of some fields of a
// record, arrays expanded (a record with two user.name values counts under
// both). A record missing any of the fields yields none.
type combos struct {
	fields []string
	vals   [][]event.Value
	single []event.Value
	cur    []event.Value
	n      int
}

// maxCombos bounds the combinations one record expands to.
const maxCombos = 1000

func newCombos(fields []string) *combos {
	return &combos{
		fields: fields,
		vals:   make([][]event.Value, len(fields)),
		single: make([]event.Value, len(fields)),
		cur:    make([]event.Value, len(fields)),
	}
}

func (c *combos) each(r record, fn func([]event.Value)) {
	for i, f := range c.fields {
		v, ok := r.Get(f)
		if !ok || v.IsNull() {
			return
		}
		if v.Type() == event.TypeArray {
			if len(v.Elems()) == 0 {
				return
			}
			c.vals[i] = v.Elems()
		} else {
			c.single[i] = v
			c.vals[i] = c.single[i : i+1]
		}
	}
	c.n = 0
	c.rec(0, fn)
}

func (c *combos) rec(i int, fn func([]event.Value)) {
	if i == len(c.fields) {
		if c.n < maxCombos {
			c.n++
			fn(c.cur)
		}
		return
	}
	for _, v := range c.vals[i] {
		if v.IsNull() || v.Type() == event.TypeArray {
			continue
		}
		c.cur[i] = v
		c.rec(i+1, fn)
	}
}

func compareKeys(a, b []event.Value) int {
	for i := range a {
		if c := sortCompare(a[i], b[i]); c != 0 {
			return c
		}
	}
	for i := range a {
		if c := cmp3(string(appendKey(nil, a[i])), string(appendKey(nil, b[i]))); c != 0 {
			return c
		}
	}
	return 0
}

// aggregator is an aggregating pipe while it consumes records.
type aggregator interface {
	add(r record, w, ts int64, seq uint64)
	table() (*table, error)
	fields() []string // the fields it reads
}

func newAggregator(p Pipe, x *executor) (aggregator, error) {
	switch t := p.(type) {
	case *StatsPipe:
		return newStatsAgg(t, x.lim), nil
	case *TopPipe:
		return &topAgg{p: t, lim: x.lim, m: map[string]*topEntry{}, combos: newCombos(t.Fields)}, nil
	case *TimechartPipe:
		return newTimechartAgg(t, x)
	}
	return nil, nil
}

// statsAgg is `stats`: one row per distinct combination of the by fields.
type statsAgg struct {
	p      *StatsPipe
	lim    *limits
	groups map[string]*group
	combos *combos
	vals   []event.Value
	has    []bool
	key    []byte
	// current record, for addCombo
	w, ts int64
	seq   uint64
	fn    func([]event.Value)
}

type group struct {
	key    []event.Value
	states []aggState
}

func newStatsAgg(p *StatsPipe, lim *limits) *statsAgg {
	s := &statsAgg{
		p: p, lim: lim, groups: map[string]*group{}, combos: newCombos(p.By),
		vals: make([]event.Value, len(p.Aggs)), has: make([]bool, len(p.Aggs)),
	}
	s.fn = s.addCombo
	return s
}

func (s *statsAgg) fields() []string {
	out := append([]string(nil), s.p.By...)
	for _, a := range s.p.Aggs {
		if a.Field != "" {
			out = append(out, a.Field)
		}
	}
	return out
}

func (s *statsAgg) add(r record, w, ts int64, seq uint64) {
	for i, a := range s.p.Aggs {
		s.vals[i], s.has[i] = event.Value{}, false
		if a.Field != "" {
			v, ok := r.Get(a.Field)
			s.vals[i], s.has[i] = v, ok && !v.IsNull()
		}
	}
	s.w, s.ts, s.seq = w, ts, seq
	if len(s.p.By) == 0 {
		s.addCombo(nil)
		return
	}
	// Scalar by values (the usual case) make one combination: no need to
	// enumerate.
	cur := s.combos.cur
	for i, f := range s.p.By {
		v, ok := r.Get(f)
		if !ok || v.IsNull() {
			return
		}
		if v.Type() == event.TypeArray {
			s.combos.each(r, s.fn)
			return
		}
		cur[i] = v
	}
	s.addCombo(cur)
}

func (s *statsAgg) addCombo(key []event.Value) {
	s.key = s.key[:0]
	for _, v := range key {
		s.key = appendKey(s.key, v)
	}
	g := s.groups[string(s.key)]
	if g == nil {
		if len(s.groups) >= s.lim.maxGroups {
			s.lim.truncated = true
			return
		}
		g = &group{key: slices.Clone(key), states: freshStates(s.p.Aggs, s.lim)}
		s.groups[string(s.key)] = g
	}
	for i, st := range g.states {
		st.add(s.vals[i], s.has[i], s.w, s.ts, s.seq)
	}
}

// merge adds the groups of o, a partial result of the same pipe over other
// events, as if its events had been added to s.
func (s *statsAgg) merge(o *statsAgg) {
	if o.lim.truncated {
		s.lim.truncated = true
	}
	for k, og := range o.groups {
		g := s.groups[k]
		if g == nil {
			if len(s.groups) >= s.lim.maxGroups {
				s.lim.truncated = true
				continue
			}
			g = &group{key: og.key, states: freshStates(s.p.Aggs, s.lim)}
			s.groups[k] = g
		}
		for i, st := range g.states {
			st.merge(og.states[i])
		}
	}
}

func (s *statsAgg) table() (*table, error) {
	t := &table{}
	t.cols = append(t.cols, s.p.By...)
	for _, a := range s.p.Aggs {
		t.cols = append(t.cols, a.Column())
	}
	if len(s.p.By) == 0 && len(s.groups) == 0 {
		// stats without by answers one row even over no events
		s.groups[""] = &group{states: freshStates(s.p.Aggs, s.lim)}
	}
	groups := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(a, b *group) int { return compareKeys(a.key, b.key) })
	for _, g := range groups {
		row := make([]event.Value, 0, len(t.cols))
		row = append(row, g.key...)
		for _, st := range g.states {
			row = append(row, st.result())
		}
		t.rows = append(t.rows, row)
	}
	return t, nil
}

func freshStates(aggs []Agg, lim *limits) []aggState {
	st := make([]aggState, len(aggs))
	for i, a := range aggs {
		st[i] = newState(a, lim)
	}
	return st
}

// topAgg is `top` and `rare`: counts of value combinations.
type topAgg struct {
	p      *TopPipe
	lim    *limits
	m      map[string]*topEntry
	combos *combos
	total  int64
	key    []byte
	w      int64
	fn     func([]event.Value)
}

type topEntry struct {
	vals []event.Value
	n    int64
}

func (s *topAgg) fields() []string { return s.p.Fields }

func (s *topAgg) add(r record, w, _ int64, _ uint64) {
	if s.fn == nil {
		s.fn = s.addCombo
	}
	s.w = w
	s.combos.each(r, s.fn)
}

func (s *topAgg) addCombo(vals []event.Value) {
	s.total += s.w
	s.key = s.key[:0]
	for _, v := range vals {
		s.key = appendKey(s.key, v)
	}
	e := s.m[string(s.key)]
	if e == nil {
		if len(s.m) >= s.lim.maxGroups {
			s.lim.truncated = true
			return
		}
		e = &topEntry{vals: slices.Clone(vals)}
		s.m[string(s.key)] = e
	}
	e.n += s.w
}

func (s *topAgg) table() (*table, error) {
	t := &table{cols: append(append([]string(nil), s.p.Fields...), "count", "percent")}
	entries := make([]*topEntry, 0, len(s.m))
	for _, e := range s.m {
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b *topEntry) int {
		c := cmp3(b.n, a.n)
		if s.p.Rare {
			c = -c
		}
		if c != 0 {
			return c
		}
		return compareKeys(a.vals, b.vals)
	})
	if len(entries) > s.p.N {
		entries = entries[:s.p.N]
	}
	for _, e := range entries {
		row := append(slices.Clone(e.vals), event.Int(e.n), event.Float(percent(e.n, s.total)))
		t.rows = append(t.rows, row)
	}
	return t, nil
}

// percent is 100*n/total rounded to two decimals.
func percent(n, total int64) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(float64(n)*10000/float64(total)) / 100
}
