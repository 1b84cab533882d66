package sigma

import (
	"strings"
	"unicode/utf8"
)

// The prefilter: most rules can only match when some literal appears in
// some field (an Image ending in "\certutil.exe", a command line containing
// "-urlcache"). For every compiled variant we derive such a necessary set of
// (field slot, literal) pairs from its condition tree; all literals of one
// slot go into one Aho-Corasick automaton (a dense DFA over byte classes).
// Per event, each slot's lowercased text is scanned once, the variants of
// the literals found are marked, and only marked variants (and those
// without a prefilter) are evaluated. The prefilter is conservative: it
// never drops a variant that could match.

type lit struct {
	slot int
	s    string
}

// need returns the necessary literal set of a node, or ok=false when the
// node can match without any literal (or it cannot tell).
func need(n *node) (set []lit, ok bool) {
	switch n.kind {
	case nSearch:
		for _, m := range n.search.maps {
			best, found := []lit(nil), false
			for _, it := range m {
				s, ok := itemNeed(it)
				if ok && (!found || betterSet(s, best)) {
					best, found = s, true
				}
			}
			if !found {
				return nil, false
			}
			set = append(set, best...)
		}
		return set, len(set) > 0
	case nAnd:
		var best []lit
		found := false
		for _, k := range n.kids {
			s, ok := need(k)
			if ok && (!found || betterSet(s, best)) {
				best, found = s, true
			}
		}
		return best, found
	case nOr:
		for _, k := range n.kids {
			s, ok := need(k)
			if !ok {
				return nil, false
			}
			set = append(set, s...)
		}
		return set, len(set) > 0
	}
	return nil, false
}

// betterSet prefers sets whose shortest literal is longer (more selective),
// then smaller sets.
func betterSet(a, b []lit) bool {
	ma, mb := minLen(a), minLen(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func minLen(s []lit) int {
	m := 1 << 30
	for _, l := range s {
		m = min(m, len(l.s))
	}
	return m
}

// kwSlot is the prefilter's pseudo slot of keyword (field-less) searches:
// its text is every searchable string field of the event.
const kwSlot = -2

func itemNeed(it *item) ([]lit, bool) {
	if it.neq {
		return nil, false
	}
	slot := it.slot
	if slot < 0 {
		slot = kwSlot
	}
	groups := it.groups
	if it.all {
		// Any one group is necessary: take the most selective.
		var best []lit
		found := false
		for _, g := range groups {
			s, ok := groupNeed(slot, g)
			if ok && (!found || betterSet(s, best)) {
				best, found = s, true
			}
		}
		return best, found
	}
	return groupNeed(slot, groups[0])
}

func groupNeed(slot int, g []matcher) ([]lit, bool) {
	var out []lit
	for i := range g {
		m := &g[i]
		var s string
		switch m.op {
		case opEq, opPrefix, opSuffix, opContains:
			s = m.s
		case opGlob:
			for _, seg := range m.glob {
				for _, part := range strings.Split(seg, "\x00") {
					if len(part) > len(s) {
						s = part
					}
				}
			}
		default:
			return nil, false
		}
		if s == "" {
			return nil, false
		}
		if m.cased {
			if !isASCII(s) {
				return nil, false
			}
			s = strings.ToLower(s)
		}
		out = append(out, lit{slot: slot, s: s})
	}
	return out, len(out) > 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// automaton is an Aho-Corasick DFA over byte classes.
type automaton struct {
	class    [256]uint8
	nclass   int
	delta    []int32 // state*nclass + class → state
	out      []int32 // per state: first output index in outs, -1 none
	outs     []int32 // literal ids, each run ends at a -1
	dictLink []int32 // per state: nearest state on the fail chain with output, -1 none
}

func buildAutomaton(lits []string) *automaton {
	a := &automaton{}
	// Byte classes: one per byte used in literals, 0 for all others.
	used := [256]bool{}
	for _, l := range lits {
		for i := 0; i < len(l); i++ {
			used[l[i]] = true
		}
	}
	a.nclass = 1
	for b := 0; b < 256; b++ {
		if used[b] {
			a.class[b] = uint8(a.nclass)
			a.nclass++
		}
	}
	if a.nclass > 256 {
		a.nclass = 256 // cannot happen: at most 256 bytes, class 0 shared
	}
	// Trie.
	type tnode struct {
		next map[uint8]int32
		outs []int32
	}
	trie := []tnode{{next: map[uint8]int32{}}}
	for id, l := range lits {
		s := int32(0)
		for i := 0; i < len(l); i++ {
			c := a.class[l[i]]
			nx, ok := trie[s].next[c]
			if !ok {
				nx = int32(len(trie))
				trie = append(trie, tnode{next: map[uint8]int32{}})
				trie[s].next[c] = nx
			}
			s = nx
		}
		trie[s].outs = append(trie[s].outs, int32(id))
	}
	n := len(trie)
	nc := a.nclass
	a.delta = make([]int32, n*nc)
	fail := make([]int32, n)
	a.dictLink = make([]int32, n)
	a.out = make([]int32, n)
	for i := range a.out {
		a.out[i] = -1
		a.dictLink[i] = -1
	}
	// BFS.
	queue := make([]int32, 0, n)
	for c := 0; c < nc; c++ {
		if nx, ok := trie[0].next[uint8(c)]; ok {
			a.delta[c] = nx
			fail[nx] = 0
			queue = append(queue, nx)
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		f := fail[s]
		if len(trie[f].outs) > 0 {
			a.dictLink[s] = f
		} else {
			a.dictLink[s] = a.dictLink[f]
		}
		for c := 0; c < nc; c++ {
			if nx, ok := trie[s].next[uint8(c)]; ok {
				a.delta[int(s)*nc+c] = nx
				fail[nx] = a.delta[int(f)*nc+c]
				queue = append(queue, nx)
			} else {
				a.delta[int(s)*nc+c] = a.delta[int(f)*nc+c]
			}
		}
	}
	for s := range trie {
		if len(trie[s].outs) > 0 {
			a.out[s] = int32(len(a.outs))
			a.outs = append(a.outs, trie[s].outs...)
			a.outs = append(a.outs, -1)
		}
	}
	return a
}

// scan calls hit for every literal id found in s (repeats possible).
func (a *automaton) scan(s string, hit func(id int32)) {
	st := int32(0)
	nc := int32(a.nclass)
	for i := 0; i < len(s); i++ {
		st = a.delta[st*nc+int32(a.class[s[i]])]
		for o := st; o >= 0; o = a.dictLink[o] {
			if j := a.out[o]; j >= 0 {
				for ; a.outs[j] >= 0; j++ {
					hit(a.outs[j])
				}
			}
		}
	}
}

// prefilter holds the automata and the literal → variants table.
type prefilter struct {
	bySlot   map[int]*automaton
	litVars  map[int][][]int32 // slot → literal id → variant ids
	mark     []uint32
	nVariant int
}

func (e *Engine) buildPrefilter() {
	pf := &prefilter{bySlot: map[int]*automaton{}, litVars: map[int][][]int32{}}
	type key struct {
		slot int
		s    string
	}
	ids := map[key]int32{}
	lits := map[int][]string{}
	var all []*variant
	for _, cr := range e.rules {
		all = append(all, cr.variants...)
	}
	for i, v := range all {
		v.id = int32(i)
		set, ok := need(v.root)
		if !ok {
			continue
		}
		v.pf = true
		for _, l := range set {
			k := key{l.slot, l.s}
			id, seen := ids[k]
			if !seen {
				id = int32(len(lits[l.slot]))
				ids[k] = id
				lits[l.slot] = append(lits[l.slot], l.s)
				pf.litVars[l.slot] = append(pf.litVars[l.slot], nil)
			}
			vs := pf.litVars[l.slot][id]
			if len(vs) == 0 || vs[len(vs)-1] != v.id {
				pf.litVars[l.slot][id] = append(vs, v.id)
			}
			v.pfSlots = appendUnique(v.pfSlots, l.slot)
		}
	}
	for slot, ls := range lits {
		pf.bySlot[slot] = buildAutomaton(ls)
	}
	pf.nVariant = len(all)
	pf.mark = make([]uint32, len(all))
	e.pf = pf
}

func appendUnique(s []int, x int) []int {
	for _, y := range s {
		if y == x {
			return s
		}
	}
	return append(s, x)
}

// scanSlot marks the variants whose literals occur in the slot's text.
func (e *Engine) scanSlot(slot int) {
	a := e.pf.bySlot[slot]
	if a == nil {
		return
	}
	epoch := e.ctx.epoch
	vars := e.pf.litVars[slot]
	if slot == kwSlot {
		for _, t := range e.ctx.keywordTexts() {
			a.scan(t, func(id int32) {
				for _, v := range vars[id] {
					e.pf.mark[v] = epoch
				}
			})
		}
		return
	}
	sv := e.ctx.slot(slot)
	if !sv.present {
		return
	}
	hit := func(id int32) {
		for _, v := range vars[id] {
			e.pf.mark[v] = epoch
		}
	}
	if elems := sv.v.Elems(); elems != nil {
		for _, el := range elems {
			a.scan(e.ctx.lower(el.Text()), hit)
		}
		return
	}
	e.ctx.texts(sv)
	a.scan(sv.lower, hit)
}
