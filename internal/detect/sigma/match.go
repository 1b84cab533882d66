package sigma

import (
	"strconv"
	"strings"
	"time"
	"unicode"
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
	lower   string // text lowercased
	textOK  bool   // text is set
	lowerOK bool   // lower is set
}

// evalCtx is the per-event evaluation state. It belongs to one Engine and
// is reused: strings made from arena are valid only during one Process call.
type evalCtx struct {
	ev          *event.Event
	epoch       uint32
	slots       []slotVal
	defs        []slotDef
	arena       []byte
	explain     *[]MatchDetail
	curSel      string
	kwEpoch     uint32
	kwModeEpoch uint32
	kwMode      int
	kwNames     []string // keyword-searchable fields of the event
	kwVals      []string // their values, lowercased
	kwRaw       []string // their values as they are
}

// keywordTexts returns the lowercased values of the event's keyword-
// searchable fields (see keywordField), computed once per event.
func (c *evalCtx) keywordTexts() []string {
	if c.kwEpoch == c.epoch {
		return c.kwVals
	}
	c.kwEpoch = c.epoch
	c.kwNames, c.kwVals, c.kwRaw = c.kwNames[:0], c.kwVals[:0], c.kwRaw[:0]
	mode := c.keywordMode()
	for i := range c.ev.Fields {
		f := &c.ev.Fields[i]
		if !keywordField(f, mode) {
			continue
		}
		c.kwNames = append(c.kwNames, f.Name)
		c.kwRaw = append(c.kwRaw, f.Value.Str())
		c.kwVals = append(c.kwVals, c.lower(f.Value.Str()))
	}
	return c.kwVals
}

// Which fields keyword (field-less) searches read.
const (
	kwAll         = iota // every string field
	kwNotOriginal        // every string field but event.original
	kwWindows            // winlog.* and message
)

// keywordMode says which fields the current event's keyword searches read.
// A decoded Windows event is searched in its own content, the winlog.*
// fields (System and EventData; event.original is the same again as XML),
// not in the ECS fields derived from them (event.outcome "success" is not
// text of the event). Other events are searched in every string field,
// event.original only when there is no message.
func (c *evalCtx) keywordMode() int {
	if c.kwModeEpoch == c.epoch {
		return c.kwMode
	}
	c.kwModeEpoch = c.epoch
	c.kwMode = kwAll
	hasMessage := false
	for i := range c.ev.Fields {
		switch f := &c.ev.Fields[i]; f.Name {
		case event.FieldModule:
			if f.Value.Type() == event.TypeString && f.Value.Str() == "windows" {
				c.kwMode = kwWindows
				return c.kwMode
			}
		case event.FieldMessage:
			hasMessage = true
		}
	}
	if hasMessage {
		c.kwMode = kwNotOriginal
	}
	return c.kwMode
}

// keywordField reports whether keyword searches read f under mode.
func keywordField(f *event.Field, mode int) bool {
	if f.Value.Type() != event.TypeString {
		return false
	}
	switch mode {
	case kwNotOriginal:
		return f.Name != event.FieldOriginal
	case kwWindows:
		return strings.HasPrefix(f.Name, "winlog.") || f.Name == event.FieldMessage
	}
	return true
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
	sv.present, sv.textOK, sv.lowerOK = false, false, false
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

// rawText fills the text form of a present scalar slot.
func (c *evalCtx) rawText(sv *slotVal) {
	if sv.textOK {
		return
	}
	sv.textOK = true
	if sv.v.Type() == event.TypeString || sv.v.Type() == event.TypeIP {
		sv.text = sv.v.Str()
		return
	}
	// Keep earlier arena strings valid: start a new array when full.
	if cap(c.arena)-len(c.arena) < 40 {
		c.arena = make([]byte, 0, max(4096, 2*cap(c.arena)))
	}
	from := len(c.arena)
	c.arena = sv.v.AppendText(c.arena)
	sv.text = c.arenaString(from)
}

// texts fills the text and lowercase forms of a present scalar slot.
func (c *evalCtx) texts(sv *slotVal) {
	if sv.lowerOK {
		return
	}
	c.rawText(sv)
	sv.lowerOK = true
	sv.lower = c.lower(sv.text)
}

// lower returns s lowercased (as strings.ToLower does), s itself when it
// has no upper case; the result is in the arena, valid for this event.
func (c *evalCtx) lower(s string) string {
	i := 0
	for ; i < len(s); i++ {
		ch := s[i]
		if ch >= utf8.RuneSelf || (ch >= 'A' && ch <= 'Z') {
			break
		}
	}
	if i == len(s) {
		return s
	}
	if cap(c.arena)-len(c.arena) < len(s)+utf8.UTFMax {
		c.arena = make([]byte, 0, max(4096, 2*cap(c.arena), 2*len(s)+utf8.UTFMax))
	}
	from := len(c.arena)
	c.arena = append(c.arena, s[:i]...)
	for i < len(s) {
		ch := s[i]
		if ch < utf8.RuneSelf {
			if ch >= 'A' && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			c.arena = append(c.arena, ch)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if cap(c.arena)-len(c.arena) < utf8.UTFMax {
			// Lowercasing grew the text past the room reserved: finish in
			// a new array so the strings handed out stay valid.
			buf := make([]byte, 0, max(4096, 2*cap(c.arena), 2*len(s)+utf8.UTFMax))
			buf = append(buf, c.arena[from:]...)
			c.arena, from = buf, 0
		}
		c.arena = utf8.AppendRune(c.arena, unicode.ToLower(r))
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
	if m.cased || m.op == opRe || m.op == opRunes {
		s = sv.text
	}
	switch m.op {
	case opRunes:
		return hasRuns(sv.text, m.runs, m.runsNL)
	case opRe:
		if len(m.reLits) > 0 && !containsAny(sv.lower, m.reLits) && isASCII(sv.text) {
			return false // none of the literals every match holds
		}
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
				text: c.kwRaw[i], lower: low, textOK: true, lowerOK: true}
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

func containsAny(s string, lits []string) bool {
	for _, l := range lits {
		if strings.Contains(s, l) {
			return true
		}
	}
	return false
}
