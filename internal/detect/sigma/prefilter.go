package sigma

import (
	"crypto/sha256"
	"fmt"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shoseki/shoseki/internal/event"
)

// The prefilter: most rules can only match when some literal appears in
// some field (an Image ending in "\certutil.exe", a command line containing
// "-urlcache"). For every compiled variant we derive such a necessary set of
// (field slot, literal, anchor) triples from its condition tree; all
// literals of one slot go into one Aho-Corasick automaton (a dense DFA over
// case-folding byte classes). Per event, each slot's text is scanned once
// as it is (ASCII upper case folds in the byte classes, so nothing is
// lowercased to scan), a hit is checked against its anchor (a literal of an
// equality must span the whole value, a prefix must start it, a suffix end
// it), the variants of the literals found are marked, and only marked
// variants (and those without a prefilter) are evaluated. The prefilter is
// conservative: it never drops a variant that could match.

// Anchors of a prefilter literal.
const (
	anchorStart = 1 << iota // the literal starts the value
	anchorEnd               // the literal ends the value
)

type lit struct {
	slot   int
	s      string // scan-folded (see scanFold)
	anchor uint8
}

// score estimates how selective a literal is: longer is rarer, and a
// literal anchored at the start or end of a value is much rarer than one
// that may be anywhere.
func (l lit) score() int {
	s := len(l.s)
	if l.anchor&anchorStart != 0 {
		s += 4
	}
	if l.anchor&anchorEnd != 0 {
		s += 4
	}
	return s
}

// maxGroups caps the literal groups a variant needs (see need).
const maxGroups = 4

// need returns the literal groups of a node in conjunctive form: the node
// can only match when every group has one of its literals present. Each
// item of an AND (of a selection map or of the condition) that needs a
// literal is a group; an OR contributes one group, the union of its
// branches' best groups. The most selective maxGroups groups are kept.
// Items on skip (the event id slot, checked by routing) are not used.
func need(n *node, skip int) [][]lit {
	var groups [][]lit
	switch n.kind {
	case nSearch:
		if len(n.search.maps) == 1 {
			for _, it := range n.search.maps[0] {
				if it.slot == skip && skip >= 0 {
					continue
				}
				if it.all && !it.neq {
					// Every value is required: each is a group.
					slot := it.slot
					if slot < 0 {
						slot = kwSlot
					}
					for _, g := range it.groups {
						if s, ok := groupNeed(slot, g); ok {
							groups = append(groups, s)
						}
					}
					continue
				}
				if s, ok := itemNeed(it); ok {
					groups = append(groups, s)
				}
			}
			break
		}
		var union []lit
		for _, m := range n.search.maps {
			best := bestGroup(need(&node{kind: nSearch, search: &search{maps: [][]*item{m}}}, skip))
			if best == nil {
				return nil
			}
			union = append(union, best...)
		}
		groups = append(groups, union)
	case nAnd:
		for _, k := range n.kids {
			groups = append(groups, need(k, skip)...)
		}
	case nOr:
		var union []lit
		for _, k := range n.kids {
			best := bestGroup(need(k, skip))
			if best == nil {
				return nil
			}
			union = append(union, best...)
		}
		groups = append(groups, union)
	}
	sort.SliceStable(groups, func(i, j int) bool { return betterSet(groups[i], groups[j]) })
	if len(groups) > maxGroups {
		groups = groups[:maxGroups]
	}
	return groups
}

// bestGroup returns the most selective group, nil when there is none.
func bestGroup(groups [][]lit) []lit {
	if len(groups) == 0 {
		return nil
	}
	return groups[0] // need sorts them best first
}

// betterSet prefers sets whose least selective literal scores higher, then
// smaller sets.
func betterSet(a, b []lit) bool {
	ma, mb := minScore(a), minScore(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func minScore(s []lit) int {
	m := 1 << 30
	for _, l := range s {
		m = min(m, l.score())
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
		var l lit
		switch m.op {
		case opEq:
			l = lit{s: m.s, anchor: anchorStart | anchorEnd}
		case opPrefix:
			l = lit{s: m.s, anchor: anchorStart}
		case opSuffix:
			l = lit{s: m.s, anchor: anchorEnd}
		case opContains:
			l = lit{s: m.s}
		case opGlob:
			l = globLit(m.glob)
		case opRe:
			if len(m.reLits) == 0 {
				return nil, false
			}
			for _, s := range m.reLits {
				out = append(out, lit{slot: slot, s: s})
			}
			continue
		default:
			return nil, false
		}
		if slot == kwSlot {
			l.anchor = 0 // keywords are substrings of any field
		}
		if l.s == "" {
			return nil, false
		}
		if m.cased {
			if !isASCII(l.s) {
				return nil, false
			}
			l.s = strings.ToLower(l.s)
		}
		l.s = scanFold(l.s)
		l.slot = slot
		out = append(out, l)
	}
	return out, len(out) > 0
}

// globLit picks the longest literal part of a glob (segments split at '*';
// 0 bytes are '?'), anchored when it begins the first segment or ends the
// last.
func globLit(segs []string) lit {
	var best lit
	for si, seg := range segs {
		parts := strings.Split(seg, "\x00")
		for pi, part := range parts {
			if len(part) <= len(best.s) {
				continue
			}
			best = lit{s: part}
			if si == 0 && pi == 0 {
				best.anchor |= anchorStart
			}
			if si == len(segs)-1 && pi == len(parts)-1 {
				best.anchor |= anchorEnd
			}
		}
	}
	return best
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// scanFold maps a lowercased text to the form the prefilter compares: the
// same, except U+017F (long s, which case-folds with 's' but lowercases to
// itself) becomes 's', so that a case-insensitive regular expression's
// literal is found whenever the expression matches.
func scanFold(s string) string {
	if !strings.ContainsRune(s, 'ſ') {
		return s
	}
	return strings.ReplaceAll(s, "ſ", "s")
}

// regexLits returns literals one of which every match of the regular
// expression contains (lowercase ASCII), or ok=false when there is no such
// set.
func regexLits(expr string) ([]string, bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false
	}
	set, ok := reNeed(re.Simplify())
	if !ok {
		return nil, false
	}
	for _, s := range set {
		// One letter, digit or common separator is too frequent to be
		// worth a prefilter entry; a rare character like '`' is not.
		if len(s) == 1 && (s[0] < '!' || strings.IndexByte(commonChars, s[0]) >= 0 ||
			s[0] >= '0' && s[0] <= '9' || s[0] >= 'a' && s[0] <= 'z') {
			return nil, false
		}
	}
	return dedupe(set), true
}

const commonChars = "\\/.-_:,=\"'()[]{}"

// runRegex recognizes an unanchored '.{n,}' (or '.{n,m}'): the expression
// matches exactly when the text has n characters in a row that are not
// newlines (any characters with the s flag).
func runRegex(expr string) (n int, nl, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil || re.Op != syntax.OpRepeat || re.Min < 1 || len(re.Sub) != 1 {
		return 0, false, false
	}
	switch re.Sub[0].Op {
	case syntax.OpAnyCharNotNL:
		return re.Min, false, true
	case syntax.OpAnyChar:
		return re.Min, true, true
	}
	return 0, false, false
}

// hasRuns reports whether s has n characters (runes; an invalid byte is
// one) in a row, newlines excluded unless nl.
func hasRuns(s string, n int, nl bool) bool {
	if len(s) < n {
		return false
	}
	if nl {
		return utf8.RuneCountInString(s) >= n
	}
	for len(s) >= n {
		line := s
		i := strings.IndexByte(s, '\n')
		if i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if len(line) >= n && utf8.RuneCountInString(line) >= n {
			return true
		}
	}
	return false
}

// reChar returns the one lowercase ASCII character a node matches, ignoring
// case (a literal rune, or a class like [Ss]).
func reChar(re *syntax.Regexp) (byte, bool) {
	var rs []rune
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) != 1 {
			return 0, false
		}
		rs = re.Rune
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i+1]-re.Rune[i] > 1 {
				return 0, false
			}
			rs = append(rs, re.Rune[i], re.Rune[i+1])
		}
	default:
		return 0, false
	}
	var c rune = -1
	for _, r := range rs {
		l := unicode.ToLower(r)
		if r == 'ſ' || r == '\u212a' { // fold to ASCII s, k
			l = unicode.ToLower(unicode.SimpleFold(r))
			if l >= utf8.RuneSelf {
				l = unicode.ToLower(unicode.SimpleFold(unicode.SimpleFold(r)))
			}
		}
		if l >= utf8.RuneSelf || (c >= 0 && l != c) {
			return 0, false
		}
		c = l
	}
	if c < 0 {
		return 0, false
	}
	return byte(c), true
}

func reNeed(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		var b strings.Builder
		for _, r := range re.Rune {
			c, ok := reChar(&syntax.Regexp{Op: syntax.OpLiteral, Rune: []rune{r}})
			if !ok {
				// A non-ASCII rune ends the literal: keep the longest run.
				return longestASCIIRun(re.Rune)
			}
			b.WriteByte(c)
		}
		return []string{b.String()}, b.Len() > 0
	case syntax.OpCharClass:
		if c, ok := reChar(re); ok {
			return []string{string(c)}, true
		}
		return nil, false
	case syntax.OpCapture, syntax.OpPlus:
		return reNeed(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reNeed(re.Sub[0])
		}
		return nil, false
	case syntax.OpAlternate:
		var set []string
		for _, s := range re.Sub {
			ss, ok := reNeed(s)
			if !ok {
				return nil, false
			}
			set = append(set, ss...)
		}
		return set, true
	case syntax.OpConcat:
		// Candidates: runs of consecutive one-character nodes, and the
		// sets of the other children; keep the most selective.
		var best []string
		found := false
		consider := func(s []string) {
			if !found || betterStrs(s, best) {
				best, found = s, true
			}
		}
		var run strings.Builder
		flush := func() {
			if run.Len() > 0 {
				consider([]string{run.String()})
				run.Reset()
			}
		}
		for _, s := range re.Sub {
			if c, ok := reChar(s); ok {
				run.WriteByte(c)
				continue
			}
			if s.Op == syntax.OpLiteral {
				ss, ok := reNeed(s)
				if ok && len(ss) == 1 && len(ss[0]) == len(s.Rune) {
					run.WriteString(ss[0])
					continue
				}
			}
			flush()
			if ss, ok := reNeed(s); ok {
				consider(ss)
			}
		}
		flush()
		return best, found
	}
	return nil, false
}

func longestASCIIRun(rs []rune) ([]string, bool) {
	var best, cur strings.Builder
	bestS := ""
	for _, r := range rs {
		c, ok := reChar(&syntax.Regexp{Op: syntax.OpLiteral, Rune: []rune{r}})
		if !ok {
			if cur.Len() > len(bestS) {
				bestS = cur.String()
			}
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	if cur.Len() > len(bestS) {
		bestS = cur.String()
	}
	_ = best
	return []string{bestS}, bestS != ""
}

func betterStrs(a, b []string) bool {
	ma, mb := 1<<30, 1<<30
	for _, s := range a {
		ma = min(ma, len(s))
	}
	for _, s := range b {
		mb = min(mb, len(s))
	}
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

// automaton is an Aho-Corasick automaton over byte classes. ASCII upper
// case letters share the class of their lower case, so text is scanned as
// it is. States are numbered in breadth-first order; the first nDense
// (the shallow ones, where scanning spends nearly all its time) have dense
// DFA rows, the deeper ones keep only their trie edges and a failure link,
// which bounds memory (a dense table of every state of the CommandLine
// literals would take 40 MB). A transition target with outFlag set is a
// state with output, its own or through the dictionary suffix links.
type automaton struct {
	class  [256]uint8
	start  [256]bool // bytes that begin a literal (both cases)
	minLen int       // length of the shortest literal
	nclass int32
	nDense int32
	// denseLimit is nDense*nclass. A state's code is its row offset
	// (state*nclass) when dense, denseLimit + state - nDense when sparse;
	// transition targets are codes, with outFlag for states with output.
	denseLimit int32
	delta      []int32 // dense rows: code + class → target
	// Sparse states (id ≥ nDense): edges of state s are
	// keys/vals[edgeStart[s-nDense]:edgeStart[s-nDense+1]].
	edgeStart []int32
	keys      []uint8
	vals      []int32 // targets
	fail      []int32 // failure link (a code, no flag) of sparse states
	outStart  []int32 // per state: first index in outs (valid with outFlag)
	outs      []int32 // literal ids, each state's run ending at -1
	lens      []int32 // literal id → length
}

const (
	outFlag   = -1 << 31
	stateMask = 1<<31 - 1
	// denseCells bounds the dense table of one automaton (4 bytes each).
	denseCells = 1 << 16
)

func buildAutomaton(lits []string) *automaton { return buildAutomatonCells(lits, denseCells) }

// buildAutomatonCells builds an automaton whose dense table has at most
// cells entries (at least the root's row).
func buildAutomatonCells(lits []string, cells int) *automaton {
	a := &automaton{}
	used := [256]bool{}
	for _, l := range lits {
		for i := 0; i < len(l); i++ {
			used[l[i]] = true
		}
	}
	nc := 1
	for b := 0; b < 256; b++ {
		if used[b] && !(b >= 'A' && b <= 'Z') {
			a.class[b] = uint8(nc)
			nc++ // at most 231: literals hold no ASCII upper case
		}
	}
	for b := 'A'; b <= 'Z'; b++ {
		a.class[b] = a.class[b+'a'-'A']
	}
	a.nclass = int32(nc)
	a.minLen = 1 << 30
	for _, l := range lits {
		a.lens = append(a.lens, int32(len(l)))
		a.minLen = min(a.minLen, len(l))
		if len(l) > 0 {
			a.start[l[0]] = true
			if c := l[0]; c >= 'a' && c <= 'z' {
				a.start[c-'a'+'A'] = true
			}
		}
	}

	// Trie: one map of edges for the whole trie, then renumbered in
	// breadth-first order with edges in sorted runs.
	type edge struct {
		from int32
		c    uint8
	}
	child := map[edge]int32{}
	depthOf := []int32{0}
	var ownOut [][]int32
	ownOut = append(ownOut, nil)
	for id, l := range lits {
		st := int32(0)
		for i := 0; i < len(l); i++ {
			e := edge{st, a.class[l[i]]}
			nx, ok := child[e]
			if !ok {
				nx = int32(len(depthOf))
				child[e] = nx
				depthOf = append(depthOf, depthOf[st]+1)
				ownOut = append(ownOut, nil)
			}
			st = nx
		}
		ownOut[st] = append(ownOut[st], int32(id))
	}
	n := len(depthOf)
	kids := make([][]edge, n) // per old state: (child old id in from, class)
	for e, nx := range child {
		kids[e.from] = append(kids[e.from], edge{nx, e.c})
	}
	child = nil
	order := make([]int32, 0, n) // BFS order of old ids
	order = append(order, 0)
	for qi := 0; qi < len(order); qi++ {
		k := kids[order[qi]]
		sort.Slice(k, func(i, j int) bool { return k[i].c < k[j].c })
		for _, e := range k {
			order = append(order, e.from)
		}
	}
	newID := make([]int32, n)
	for i, old := range order {
		newID[old] = int32(i)
	}
	// Edges in new numbering (CSR over all states, used while building).
	start := make([]int32, n+1)
	ekeys := make([]uint8, 0, n-1)
	evals := make([]int32, 0, n-1) // plain ids
	for i, old := range order {
		start[i] = int32(len(ekeys))
		for _, e := range kids[old] {
			ekeys = append(ekeys, e.c)
			evals = append(evals, newID[e.from])
		}
	}
	start[n] = int32(len(ekeys))
	kids = nil
	findEdge := func(s int32, c uint8) (int32, bool) {
		for j := start[s]; j < start[s+1]; j++ {
			if ekeys[j] == c {
				return evals[j], true
			}
		}
		return 0, false
	}
	// Failure and dictionary links, in BFS order.
	fail := make([]int32, n)
	dict := make([]int32, n) // nearest state on the fail chain with own output, -1 none
	hasOwn := func(s int32) bool { return len(ownOut[order[s]]) > 0 }
	dict[0] = -1
	for s := int32(0); s < int32(n); s++ {
		for j := start[s]; j < start[s+1]; j++ {
			c, t := ekeys[j], evals[j]
			if s == 0 {
				fail[t] = 0
			} else {
				f := fail[s]
				for {
					if nx, ok := findEdge(f, c); ok {
						fail[t] = nx
						break
					}
					if f == 0 {
						fail[t] = 0
						break
					}
					f = fail[f]
				}
			}
			if hasOwn(fail[t]) {
				dict[t] = fail[t]
			} else {
				dict[t] = dict[fail[t]]
			}
		}
	}
	// Outputs, flattened along dictionary links.
	a.outStart = make([]int32, n)
	flag := make([]bool, n)
	for s := int32(0); s < int32(n); s++ {
		if !hasOwn(s) && dict[s] < 0 {
			continue
		}
		flag[s] = true
		a.outStart[s] = int32(len(a.outs))
		for o := s; o >= 0; o = dict[o] {
			a.outs = append(a.outs, ownOut[order[o]]...)
		}
		a.outs = append(a.outs, -1)
	}
	// Dense rows for the first states (their failure states come earlier
	// in BFS order, so their rows are ready).
	a.nDense = int32(min(n, max(1, cells/nc)))
	a.denseLimit = a.nDense * int32(nc)
	enc := func(s int32) int32 {
		code := a.code(s)
		if flag[s] {
			return code | outFlag
		}
		return code
	}
	a.delta = make([]int32, int(a.nDense)*nc)
	for s := int32(0); s < a.nDense; s++ {
		row := a.delta[int(s)*nc : int(s+1)*nc]
		if s != 0 {
			copy(row, a.delta[int(fail[s])*nc:int(fail[s]+1)*nc])
		}
		// (rows hold codes: the copied row's targets are already encoded)
		for j := start[s]; j < start[s+1]; j++ {
			row[ekeys[j]] = enc(evals[j])
		}
	}
	// Sparse states keep their edges and failure links.
	a.edgeStart = append([]int32(nil), start[a.nDense:]...)
	base := start[a.nDense]
	for i := range a.edgeStart {
		a.edgeStart[i] -= base
	}
	a.keys = append([]uint8(nil), ekeys[base:]...)
	a.vals = make([]int32, len(evals)-int(base))
	for i, t := range evals[base:] {
		a.vals[i] = enc(t)
	}
	a.fail = make([]int32, n-int(a.nDense))
	for i, f := range fail[a.nDense:] {
		a.fail[i] = a.code(f)
	}
	return a
}

// code returns the code of state s: dense states as their row offset
// (state*nclass, so scanning needs no multiplication), sparse states after
// denseLimit.
func (a *automaton) code(s int32) int32 {
	if s < a.nDense {
		return s * a.nclass
	}
	return a.denseLimit + s - a.nDense
}

// next returns the target of the state with code st on class c.
func (a *automaton) next(st int32, c uint8) int32 {
	for {
		if st < a.denseLimit {
			return a.delta[st+int32(c)]
		}
		i := st - a.denseLimit
		for j := a.edgeStart[i]; j < a.edgeStart[i+1]; j++ {
			if a.keys[j] == c {
				return a.vals[j]
			}
		}
		st = a.fail[i]
	}
}

// outputs returns the index in outs of the outputs of the state with code
// st.
func (a *automaton) outputs(st int32) int32 {
	if st < a.denseLimit {
		return a.outStart[st/a.nclass]
	}
	return a.outStart[st-a.denseLimit+a.nDense]
}

// target is a variant to mark when a literal is found at its anchor: the
// literal satisfies the variant's groups in bits.
type target struct {
	v      int32
	anchor uint8
	bits   uint8
}

// slotFilter is the prefilter of one slot: its automaton and, per literal,
// the variants it marks.
type slotFilter struct {
	a       *automaton
	targets [][]target // literal id → targets
}

// prefilter holds the mark table; the automata belong to the routes.
type prefilter struct {
	mark     []uint32                         // variant id → epoch it was marked in
	bits     []uint8                          // variant id → groups satisfied in that epoch
	filters  map[string]*slotFilter           // by slot and variant ids
	automata map[[sha256.Size]byte]*automaton // by literal set
}

// vlit is one prefilter literal of a variant and the groups it satisfies.
type vlit struct {
	lit
	bits uint8
}

// buildPrefilter numbers the variants and derives their literal groups
// (need); the automata are built per route (buildRoutes).
func (e *Engine) buildPrefilter() {
	pf := &prefilter{filters: map[string]*slotFilter{}, automata: map[[sha256.Size]byte]*automaton{}}
	var all []*variant
	for _, cr := range e.rules {
		all = append(all, cr.variants...)
	}
	for i, v := range all {
		v.id = int32(i)
		groups := need(v.root, e.eidField)
		if len(groups) == 0 {
			continue
		}
		v.pf = true
		v.pfMask = uint8(1)<<len(groups) - 1
		for gi, g := range groups {
		next:
			for _, l := range g {
				l.s = asciiLower(l.s)
				for i := range v.lits {
					if v.lits[i].lit == l {
						v.lits[i].bits |= 1 << gi
						continue next
					}
				}
				v.lits = append(v.lits, vlit{lit: l, bits: 1 << gi})
				v.pfSlots = appendUnique(v.pfSlots, l.slot)
			}
		}
	}
	pf.mark = make([]uint32, len(all))
	pf.bits = make([]uint8, len(all))
	e.pf = pf
}

// slotFilterFor returns the prefilter of one slot over the literals of vs
// on it, shared by every route with the same variants on that slot.
func (e *Engine) slotFilterFor(slot int, vs []*variant) *slotFilter {
	var kb strings.Builder
	kb.WriteString(strconv.Itoa(slot))
	for _, v := range vs {
		kb.WriteByte(',')
		kb.WriteString(strconv.Itoa(int(v.id)))
	}
	key := kb.String()
	if sf, ok := e.pf.filters[key]; ok {
		return sf
	}
	// Literals in sorted order, so that routes with the same literals
	// (a rule's Sysmon and Security variants) share one automaton.
	var lits []string
	for _, v := range vs {
		for _, l := range v.lits {
			if l.slot == slot {
				lits = append(lits, l.s)
			}
		}
	}
	slices.Sort(lits)
	lits = slices.Compact(lits)
	sf := &slotFilter{targets: make([][]target, len(lits))}
	for _, v := range vs {
		for _, l := range v.lits {
			if l.slot == slot {
				id, _ := slices.BinarySearch(lits, l.s)
				sf.targets[id] = append(sf.targets[id], target{v: v.id, anchor: l.anchor, bits: l.bits})
			}
		}
	}
	h := sha256.New()
	for _, l := range lits {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	if a, ok := e.pf.automata[sum]; ok {
		sf.a = a
	} else {
		sf.a = buildAutomaton(lits)
		e.pf.automata[sum] = sf.a
	}
	e.pf.filters[key] = sf
	return sf
}

// routeScan is one slot a route scans, with the route's automaton for it.
type routeScan struct {
	slot int
	sf   *slotFilter
}

// newRouteEntry builds the route entry of variants: the slots to scan with
// automata over these variants' literals only (small automata: a route of
// process creations does not carry the literals of registry rules).
func (e *Engine) newRouteEntry(vs []*variant) *routeEntry {
	re := &routeEntry{variants: vs, residual: vs[0].residual}
	var slots []int
	for _, v := range vs {
		for _, s := range v.pfSlots {
			slots = appendUnique(slots, s)
		}
	}
	sort.Ints(slots)
	for _, s := range slots {
		var on []*variant
		for _, v := range vs {
			if slices.Contains(v.pfSlots, s) {
				on = append(on, v)
			}
		}
		re.scans = append(re.scans, routeScan{slot: s, sf: e.slotFilterFor(s, on)})
	}
	return re
}

// newRouteEntries splits vs by their residual logsource conditions and
// builds a route entry for each part.
func (e *Engine) newRouteEntries(vs []*variant) []*routeEntry {
	var keys []string
	parts := map[string][]*variant{}
	for _, v := range vs {
		k := condsKey(v.residual)
		if _, ok := parts[k]; !ok {
			keys = append(keys, k)
		}
		parts[k] = append(parts[k], v)
	}
	var out []*routeEntry
	for _, k := range keys {
		out = append(out, e.newRouteEntry(parts[k]))
	}
	return out
}

// condsKey identifies a list of residual conditions (sorted by slot).
func condsKey(conds []routeCond) string {
	var b strings.Builder
	for _, c := range conds {
		fmt.Fprintf(&b, "%d:%v:%q;", c.slot, c.exists, c.values)
	}
	return b.String()
}

// buildRoutes builds every route up front: per route field value, one
// entry per event id some of its variants require and one for all other
// event ids, so Process never builds or allocates a route.
func (e *Engine) buildRoutes() {
	e.routes = make([]map[string]*routeSet, len(e.routeFields))
	for fi := range e.routeFields {
		e.routes[fi] = map[string]*routeSet{}
		for val, vs := range e.routeIdx[fi] {
			rs := &routeSet{byEID: map[int64][]*routeEntry{}}
			var any []*variant
			eids := map[int64]bool{}
			for _, v := range vs {
				if v.eids == nil {
					any = append(any, v)
				}
				for id := range v.eids {
					eids[id] = true
				}
			}
			rs.other = e.newRouteEntries(any)
			for id := range eids {
				var sel []*variant
				for _, v := range vs {
					if v.eids == nil || v.eids[id] {
						sel = append(sel, v)
					}
				}
				rs.byEID[id] = e.newRouteEntries(sel)
			}
			e.routes[fi][val] = rs
		}
	}
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
func (e *Engine) scanSlot(slot int, sf *slotFilter) {
	if slot == kwSlot {
		ev := e.ctx.ev
		mode := e.ctx.keywordMode()
		for i := range ev.Fields {
			if f := &ev.Fields[i]; keywordField(f, mode) {
				e.scanText(sf, f.Value.Str())
			}
		}
		return
	}
	sv := e.ctx.slot(slot)
	if !sv.present {
		return
	}
	if elems := sv.v.Elems(); elems != nil {
		for _, el := range elems {
			if el.Type() == event.TypeString {
				e.scanText(sf, el.Str())
			} else {
				e.scanText(sf, e.ctx.lower(el.Text()))
			}
		}
		return
	}
	e.ctx.rawText(sv)
	e.scanText(sf, sv.text)
}

// scanText runs a slot's automaton over s and marks the targets of the
// literals found at their anchors. Text with non-ASCII bytes is scanned
// again lowercased (the byte classes fold ASCII only).
func (e *Engine) scanText(sf *slotFilter, s string) {
	if len(s)+len(s)/2 < sf.a.minLen {
		return // too short even if lowercasing grew it (2-byte runes to 3)
	}
	if e.scanRaw(sf, s) >= utf8.RuneSelf {
		e.scanRaw(sf, scanFold(e.ctx.lower(s)))
	}
}

// find calls hit with every literal id found in s and the index of the
// byte it ends at (ASCII case folded).
func (a *automaton) find(s string, hit func(id int32, end int)) {
	st := int32(0)
	for i := 0; i < len(s); i++ {
		st = a.next(st, a.class[s[i]])
		if st >= 0 {
			continue
		}
		st &= stateMask
		for j := a.outputs(st); a.outs[j] >= 0; j++ {
			hit(a.outs[j], i)
		}
	}
}

// scanRaw is one pass of scanText; it returns the OR of the bytes of s.
func (e *Engine) scanRaw(sf *slotFilter, s string) byte {
	a := sf.a
	epoch := e.ctx.epoch
	mark, bits := e.pf.mark, e.pf.bits
	delta := a.delta
	class := &a.class
	limit := a.denseLimit
	st := int32(0)
	var hi byte
	for i := 0; i < len(s); i++ {
		b := s[i]
		hi |= b
		if st == 0 && !a.start[b] {
			// At the root a byte that begins no literal leaves it there:
			// skip such bytes without the transition table.
			for i++; i < len(s) && !a.start[s[i]]; i++ {
				hi |= s[i]
			}
			if i == len(s) {
				break
			}
			b = s[i]
			hi |= b
		}
		if st < limit {
			st = delta[st+int32(class[b])]
		} else {
			st = a.next(st, class[b])
		}
		if st >= 0 {
			continue
		}
		st &= stateMask
		for j := a.outputs(st); a.outs[j] >= 0; j++ {
			id := a.outs[j]
			start, end := i+1 == int(a.lens[id]), i+1 == len(s)
			for _, t := range sf.targets[id] {
				if (t.anchor&anchorStart == 0 || start) && (t.anchor&anchorEnd == 0 || end) {
					if mark[t.v] != epoch {
						mark[t.v], bits[t.v] = epoch, t.bits
					} else {
						bits[t.v] |= t.bits
					}
				}
			}
		}
	}
	return hi
}

// asciiLower lowercases the ASCII letters of s.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
