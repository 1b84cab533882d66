package sigma

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/shoseki/shoseki/internal/event"
)

// slotDef is one distinct list of event field candidates a compiled rule
// reads (a Sigma field after mapping). Slots are resolved lazily per event.
type slotDef struct {
	names []string
}

type slotVal struct {
	epoch   uint32
	present bool
	name    string // the event field that was found
	v       event.Value
	text    string // value text (strings as they are)
	lower   string // text lowercased (ASCII fast path)
	textOK  bool
}

// evalCtx is the per-event evaluation state. It belongs to one Engine and
// is reused: strings made from arena are valid only during one Process call.
type evalCtx struct {
	ev      *event.Event
	epoch   uint32
	slots   []slotVal
	defs    []slotDef
	arena   []byte
	explain *[]MatchDetail
	curSel  string
	kwEpoch uint32
	kwNames []string // keyword-searchable fields of the event
	kwVals  []string // their values, lowercased
	kwRaw   []string // their values as they are
}

// keywordTexts returns the lowercased values of the event's keyword-
// searchable fields, computed once per event: every string field except
// event.original, which is searched only when the event has no message and
// is not a decoded Windows event (whose Data fields hold all its text).
func (c *evalCtx) keywordTexts() []string {
	if c.kwEpoch == c.epoch {
		return c.kwVals
	}
	c.kwEpoch = c.epoch
	c.kwNames, c.kwVals, c.kwRaw = c.kwNames[:0], c.kwVals[:0], c.kwRaw[:0]
	skipOriginal := c.ev.Has(event.FieldMessage) || c.ev.GetString(event.FieldModule) == "windows"
	for i := range c.ev.Fields {
		f := &c.ev.Fields[i]
		if (f.Name == event.FieldOriginal && skipOriginal) || f.Value.Type() != event.TypeString {
			continue
		}
		c.kwNames = append(c.kwNames, f.Name)
		c.kwRaw = append(c.kwRaw, f.Value.Str())
		c.kwVals = append(c.kwVals, c.lower(f.Value.Str()))
	}
	return c.kwVals
}

func (c *evalCtx) reset(ev *event.Event) {
	c.ev = ev
	c.epoch++
	if c.epoch == 0 { // wrapped: invalidate all
		for i := range c.slots {
			c.slots[i].epoch = 0
		}
		c.epoch = 1
	}
	c.arena = c.arena[:0]
}

// slot returns the resolved value of slot i.
func (c *evalCtx) slot(i int) *slotVal {
	sv := &c.slots[i]
	if sv.epoch == c.epoch {
		return sv
	}
	sv.epoch = c.epoch
	sv.present, sv.textOK = false, false
	for _, name := range c.defs[i].names {
		if v, ok := c.ev.Get(name); ok {
			sv.present, sv.name, sv.v = true, name, v
			break
		}
	}
	return sv
}

// arenaString returns a string over the arena bytes b[from:]; valid until
// the next event.
func (c *evalCtx) arenaString(from int) string {
	if len(c.arena) == from {
		return ""
	}
	return unsafe.String(&c.arena[from], len(c.arena)-from)
}

// texts fills the text and lowercase forms of a present scalar slot.
func (c *evalCtx) texts(sv *slotVal) {
	if sv.textOK {
		return
	}
	sv.textOK = true
	if sv.v.Type() == event.TypeString || sv.v.Type() == event.TypeIP {
		sv.text = sv.v.Str()
	} else {
		// Keep earlier arena strings valid: start a new array when full.
		if cap(c.arena)-len(c.arena) < 40 {
			c.arena = make([]byte, 0, max(4096, 2*cap(c.arena)))
		}
		from := len(c.arena)
		c.arena = sv.v.AppendText(c.arena)
		sv.text = c.arenaString(from)
	}
	sv.lower = c.lower(sv.text)
}

// lower returns s lowercased, s itself when it has no upper case.
func (c *evalCtx) lower(s string) string {
	i := 0
	for ; i < len(s); i++ {
		ch := s[i]
		if ch >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
		if ch >= 'A' && ch <= 'Z' {
			break
		}
	}
	if i == len(s) {
		return s
	}
	if cap(c.arena)-len(c.arena) < len(s) {
		c.arena = make([]byte, 0, max(4096, 2*cap(c.arena), len(s)))
	}
	from := len(c.arena)
	c.arena = append(c.arena, s[:i]...)
	for ; i < len(s); i++ {
		ch := s[i]
		if ch >= utf8.RuneSelf {
			c.arena = c.arena[:from]
			return strings.ToLower(s)
		}
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		c.arena = append(c.arena, ch)
	}
	return c.arenaString(from)
}

// evalNode evaluates a condition tree.
func (c *evalCtx) evalNode(n *node) bool {
	switch n.kind {
	case nSearch:
		return c.evalSearch(n.search)
	case nAnd:
		for _, k := range n.kids {
			if !c.evalNode(k) {
				return false
			}
		}
		return true
	case nOr:
		for _, k := range n.kids {
			if c.evalNode(k) {
				return true
			}
		}
		return false
	case nNot:
		// Explanations inside a negation are not matches of the rule.
		saved := c.explain
		c.explain = nil
		r := !c.evalNode(n.kids[0])
		c.explain = saved
		return r
	}
	return false
}

func (c *evalCtx) evalSearch(s *search) bool {
	prev := c.curSel
	c.curSel = s.name
	defer func() { c.curSel = prev }()
	for _, m := range s.maps {
		mark := 0
		if c.explain != nil {
			mark = len(*c.explain)
		}
		ok := true
		for _, it := range m {
			if !c.evalItem(it) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
		if c.explain != nil {
			*c.explain = (*c.explain)[:mark]
		}
	}
	return false
}

func (c *evalCtx) evalItem(it *item) bool {
	if it.slot < 0 {
		return c.evalKeywords(it)
	}
	sv := c.slot(it.slot)
	r := c.evalItemValue(it, sv)
	if it.neq {
		r = !r
	}
	return r
}

func (c *evalCtx) evalItemValue(it *item, sv *slotVal) bool {
	if it.all {
		for _, g := range it.groups {
			if !c.evalGroup(it, g, sv) {
				return false
			}
		}
		return true
	}
	return c.evalGroup(it, it.groups[0], sv)
}

func (c *evalCtx) evalGroup(it *item, g []matcher, sv *slotVal) bool {
	for i := range g {
		m := &g[i]
		if c.matchSlot(m, sv) {
			if c.explain != nil {
				c.note(it.field, sv, m)
			}
			return true
		}
	}
	return false
}

func (c *evalCtx) note(field string, sv *slotVal, m *matcher) {
	d := MatchDetail{Selection: c.curSel, Field: field, Pattern: m.raw}
	if sv != nil && sv.present {
		d.EventField = sv.name
		d.Value = strings.Clone(sv.v.Text())
	}
	*c.explain = append(*c.explain, d)
}

// matchSlot applies one matcher to a slot (arrays: any element).
func (c *evalCtx) matchSlot(m *matcher, sv *slotVal) bool {
	switch m.op {
	case opExists:
		return sv.present == m.exists
	case opNull:
		if !sv.present {
			return true
		}
		if sv.v.Type() == event.TypeArray {
			return len(sv.v.Elems()) == 0
		}
		c.texts(sv)
		return sv.text == ""
	}
	if !sv.present {
		return false
	}
	if sv.v.Type() == event.TypeArray {
		for _, e := range sv.v.Elems() {
			tmp := slotVal{present: true, name: sv.name, v: e}
			if c.matchValue(m, &tmp) {
				return true
			}
		}
		return false
	}
	return c.matchValue(m, sv)
}

func (c *evalCtx) matchValue(m *matcher, sv *slotVal) bool {
	switch m.op {
	case opNum:
		f, ok := sv.v.Float()
		if !ok {
			c.texts(sv)
			f2, err := strconv.ParseFloat(strings.TrimSpace(sv.text), 64)
			if err != nil {
				return false
			}
			f = f2
		}
		return compare(f, m.cmp, m.num)
	case opCIDR:
		a, ok := sv.v.Addr()
		return ok && m.prefix.Contains(a)
	case opTime:
		return c.matchTime(m, sv)
	case opFieldRef:
		other := c.slot(m.ref)
		if !other.present || other.v.Type() == event.TypeArray {
			return false
		}
		c.texts(sv)
		c.texts(other)
		a, b := sv.lower, other.lower
		if m.cased {
			a, b = sv.text, other.text
		}
		return stringOp(m.refOp, a, b)
	}
	c.texts(sv)
	s := sv.lower
	if m.cased || m.op == opRe {
		s = sv.text
	}
	switch m.op {
	case opRe:
		return m.re.MatchString(s)
	case opGlob:
		return globMatch(m.glob, s)
	}
	return stringOp(m.op, s, m.s)
}

func stringOp(o op, s, lit string) bool {
	switch o {
	case opEq:
		return s == lit
	case opPrefix:
		return strings.HasPrefix(s, lit)
	case opSuffix:
		return strings.HasSuffix(s, lit)
	case opContains:
		return strings.Contains(s, lit)
	}
	return false
}

func compare(f float64, c numCmp, n float64) bool {
	switch c {
	case cmpEq:
		return f == n
	case cmpLT:
		return f < n
	case cmpLTE:
		return f <= n
	case cmpGT:
		return f > n
	case cmpGTE:
		return f >= n
	case cmpNeq:
		return f != n
	}
	return false
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"}

func (c *evalCtx) matchTime(m *matcher, sv *slotVal) bool {
	t, ok := sv.v.Time()
	if !ok || sv.v.Type() != event.TypeTime {
		c.texts(sv)
		ok = false
		for _, l := range timeLayouts {
			if tt, err := time.Parse(l, strings.TrimSpace(sv.text)); err == nil {
				t, ok = tt.UTC(), true
				break
			}
		}
		if !ok {
			return false
		}
	}
	var n int
	switch m.tpart {
	case "minute":
		n = t.Minute()
	case "hour":
		n = t.Hour()
	case "day":
		n = t.Day()
	case "week":
		_, n = t.ISOWeek()
	case "month":
		n = int(t.Month())
	case "year":
		n = t.Year()
	}
	return compare(float64(n), m.cmp, m.num)
}

// globMatch matches s against segments split at '*'; a 0 byte in a segment
// matches any one byte.
func globMatch(segs []string, s string) bool {
	if len(segs) == 1 {
		return len(s) == len(segs[0]) && segEq(s, segs[0])
	}
	first, last := segs[0], segs[len(segs)-1]
	if len(s) < len(first)+len(last) || !segEq(s[:len(first)], first) || !segEq(s[len(s)-len(last):], last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, seg := range segs[1 : len(segs)-1] {
		i := segIndex(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return true
}

func segEq(s, seg string) bool {
	if len(s) != len(seg) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if seg[i] != 0 && seg[i] != s[i] {
			return false
		}
	}
	return true
}

func segIndex(s, seg string) int {
	if strings.IndexByte(seg, 0) < 0 {
		return strings.Index(s, seg)
	}
	for i := 0; i+len(seg) <= len(s); i++ {
		if segEq(s[i:i+len(seg)], seg) {
			return i
		}
	}
	return -1
}

// evalKeywords matches field-less values against the keyword-searchable
// fields (see keywordTexts).
func (c *evalCtx) evalKeywords(it *item) bool {
	lows := c.keywordTexts()
	match := func(g []matcher) bool {
		for i, low := range lows {
			sv := slotVal{epoch: c.epoch, present: true, name: c.kwNames[i], v: event.String(c.kwRaw[i]),
				text: c.kwRaw[i], lower: low, textOK: true}
			for j := range g {
				if c.matchValue(&g[j], &sv) {
					if c.explain != nil {
						c.note("", &sv, &g[j])
					}
					return true
				}
			}
		}
		return false
	}
	if it.all {
		for _, g := range it.groups {
			if !match(g) {
				return false
			}
		}
		return true
	}
	return match(it.groups[0])
}
