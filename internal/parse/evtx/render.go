package evtx

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/winevent"
)

// fill sets rec from the resolved record tree.
func (r *Reader) fill(rec *winevent.Record) {
	data := rec.Data[:0]
	clear(rec.Data)
	*rec = winevent.Record{Data: data}
	nodes := r.res.nodes
	for x := nodes[r.root].kid; x != none; x = nodes[x].next {
		n := &nodes[x]
		if n.kind != kElement {
			continue
		}
		switch n.name {
		case "System":
			r.system(rec, x)
		case "EventData":
			r.eventData(rec, x)
		case "UserData":
			// Flatten below the one root element under UserData.
			for k := n.kid; k != none; k = nodes[k].next {
				if nodes[k].kind == kElement {
					r.flatten(rec, k)
					break
				}
			}
		case "RenderingInfo":
		default:
			// ProcessingErrorData, DebugData, …: flatten below the section.
			r.flatten(rec, x)
		}
	}
	if rec.RecordID == 0 {
		rec.RecordID = r.recID
	}
}

// text returns the character content of node x (elements excluded): text,
// values as rendered by evtx_dump, character references as "&#N;" and
// entity references as "&name;" (as evtx_dump's JSON shows them).
func (r *Reader) text(x int32) string {
	// Content that is one literal text (most attributes and names come
	// from the template so) is that string: no copy to make.
	nodes := r.res.nodes
	if k := nodes[x].kid; k == none {
		return ""
	} else if n := &nodes[k]; n.next == none && (n.kind == kText || n.kind == kCDATA) {
		return n.text
	}
	r.scratch = r.appendText(r.scratch[:0], x)
	return string(r.scratch)
}

func (r *Reader) appendText(dst []byte, x int32) []byte {
	nodes := r.res.nodes
	for k := nodes[x].kid; k != none; k = nodes[k].next {
		n := &nodes[k]
		switch n.kind {
		case kText, kCDATA:
			dst = append(dst, n.text...)
		case kValue:
			dst = appendValue(dst, n.vtype, r.res.valueBytes(n))
		case kCharRef:
			dst = append(dst, '&', '#')
			dst = strconv.AppendUint(dst, uint64(n.ch), 10)
			dst = append(dst, ';')
		case kEntityRef:
			dst = append(dst, '&')
			dst = append(dst, n.name...)
			dst = append(dst, ';')
		}
	}
	return dst
}

// single returns the only content node of x if it is a typed value.
func (r *Reader) single(x int32) *xnode {
	nodes := r.res.nodes
	var v *xnode
	for k := nodes[x].kid; k != none; k = nodes[k].next {
		n := &nodes[k]
		switch n.kind {
		case kElement, kPITarget, kPIData:
			continue
		case kText, kCDATA:
			if n.text == "" {
				continue
			}
		}
		if v != nil || n.kind != kValue {
			return nil
		}
		v = n
	}
	return v
}

// hasContent reports whether x has non-empty character content.
func (r *Reader) hasContent(x int32) bool {
	nodes := r.res.nodes
	for k := nodes[x].kid; k != none; k = nodes[k].next {
		switch n := &nodes[k]; n.kind {
		case kText, kCDATA:
			if n.text != "" {
				return true
			}
		case kValue, kCharRef, kEntityRef:
			return true
		}
	}
	return false
}

// dataValue converts the content of x as evtx_dump's JSON types it: a lone
// integer value is a number, anything else a string.
func (r *Reader) dataValue(x int32) event.Value {
	if v := r.single(x); v != nil && isIntType(v.vtype) {
		b := r.res.valueBytes(v)
		if len(b) >= fixedSize(v.vtype) {
			le := binary.LittleEndian
			switch v.vtype {
			case typeInt8:
				return event.Int(int64(int8(b[0])))
			case typeUint8:
				return event.Int(int64(b[0]))
			case typeInt16:
				return event.Int(int64(int16(le.Uint16(b))))
			case typeUint16:
				return event.Int(int64(le.Uint16(b)))
			case typeInt32:
				return event.Int(int64(int32(le.Uint32(b))))
			case typeUint32:
				return event.Int(int64(le.Uint32(b)))
			case typeInt64:
				return event.Int(int64(le.Uint64(b)))
			case typeUint64:
				if u := le.Uint64(b); u <= math.MaxInt64 {
					return event.Int(int64(u))
				}
			}
		}
	}
	return event.String(r.text(x))
}

// attr returns the node of the named attribute of element x, or none.
func (r *Reader) attr(x int32, name string) int32 {
	nodes := r.res.nodes
	for a := nodes[x].attr; a != none; a = nodes[a].next {
		if nodes[a].name == name {
			return a
		}
	}
	return none
}

func (r *Reader) attrText(x int32, name string) string {
	if a := r.attr(x, name); a != none {
		return r.text(a)
	}
	return ""
}

func (r *Reader) uintOf(x int32, bits int) uint64 {
	if x == none {
		return 0
	}
	r.scratch = r.appendText(r.scratch[:0], x)
	if u, ok := decimal(r.scratch, bits); ok {
		return u
	}
	u, _ := strconv.ParseUint(string(r.scratch), 0, bits)
	return u
}

// decimal reads the usual form of a number, 1 to 19 decimal digits without
// a leading zero, as strconv.ParseUint(s, 0, bits) does (the largest value
// of bits bits when it is out of range), without making a string of it.
// ok is false for any other form.
func decimal(b []byte, bits int) (u uint64, ok bool) {
	if len(b) == 0 || len(b) > 19 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if bits < 64 && u >= 1<<bits {
		return 1<<bits - 1, true
	}
	return u, true
}

func (r *Reader) system(rec *winevent.Record, sys int32) {
	nodes := r.res.nodes
	for x := nodes[sys].kid; x != none; x = nodes[x].next {
		n := &nodes[x]
		if n.kind != kElement {
			continue
		}
		switch n.name {
		case "Provider":
			rec.Provider = r.attrText(x, "Name")
			rec.ProviderGUID = r.attrText(x, "Guid")
			rec.EventSource = r.attrText(x, "EventSourceName")
		case "EventID":
			rec.EventID = uint32(r.uintOf(x, 32))
			rec.Qualifiers = uint32(r.uintOf(r.attr(x, "Qualifiers"), 32))
		case "Version":
			rec.Version = uint8(r.uintOf(x, 8))
		case "Level":
			rec.Level = uint8(r.uintOf(x, 8))
		case "Task":
			rec.Task = uint16(r.uintOf(x, 16))
		case "Opcode":
			rec.Opcode = uint8(r.uintOf(x, 8))
		case "Keywords":
			rec.Keywords = r.text(x)
		case "TimeCreated":
			if a := r.attr(x, "SystemTime"); a != none {
				rec.TimeCreated = r.timeOf(a)
			}
		case "EventRecordID":
			rec.RecordID = r.uintOf(x, 64)
		case "Correlation":
			rec.ActivityID = r.attrText(x, "ActivityID")
			rec.RelatedID = r.attrText(x, "RelatedActivityID")
		case "Execution":
			rec.ProcessID = uint32(r.uintOf(r.attr(x, "ProcessID"), 32))
			rec.ThreadID = uint32(r.uintOf(r.attr(x, "ThreadID"), 32))
		case "Channel":
			rec.Channel = r.text(x)
		case "Computer":
			rec.Computer = r.text(x)
		case "Security":
			rec.UserID = r.attrText(x, "UserID")
		}
	}
}

// timeOf reads a time attribute: a FILETIME or SYSTEMTIME value at full
// precision, or text in RFC 3339.
func (r *Reader) timeOf(a int32) time.Time {
	if v := r.single(a); v != nil {
		b := r.res.valueBytes(v)
		switch {
		case v.vtype == typeFiletime && len(b) >= 8:
			return filetimeToTime(binary.LittleEndian.Uint64(b))
		case v.vtype == typeSystime && len(b) >= 16:
			f := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
			return time.Date(f(0), time.Month(f(1)), f(3), f(4), f(5), f(6), f(7)*1e6, time.UTC)
		}
	}
	t, err := time.Parse(time.RFC3339Nano, r.text(a))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// eventData maps EventData as evtx_dump does: when any Data element has a
// Name, named Data elements become fields of that name (unnamed ones are
// dropped); otherwise Data elements become param1, param2, …. Other
// elements (Binary) keep their element name (see leafValue).
func (r *Reader) eventData(rec *winevent.Record, ed int32) {
	nodes := r.res.nodes
	named := false
	for x := nodes[ed].kid; x != none && !named; x = nodes[x].next {
		if nodes[x].kind == kElement && nodes[x].name == "Data" {
			if a := r.attr(x, "Name"); a != none && r.hasContent(a) {
				named = true
			}
		}
	}
	param := 0
	for x := nodes[ed].kid; x != none; x = nodes[x].next {
		n := &nodes[x]
		if n.kind != kElement {
			continue
		}
		if n.name != "Data" {
			if v, ok := r.leafValue(x); ok {
				rec.Data = append(rec.Data, event.Field{Name: n.name, Value: v})
			}
			continue
		}
		var name string
		if named {
			a := r.attr(x, "Name")
			if a == none {
				continue
			}
			name = r.text(a)
			if name == "" {
				continue
			}
		} else {
			param++
			name = "param" + strconv.Itoa(param)
		}
		v := event.String("")
		if r.hasContent(x) {
			v = r.dataValue(x)
		}
		rec.Data = append(rec.Data, event.Field{Name: name, Value: v})
	}
}

// flatten adds the leaf elements below element root as fields named by
// their path below root joined with dots, shortened to the leaf's own name
// when that is unique among the leaves (see leafValue for empty leaves).
func (r *Reader) flatten(rec *winevent.Record, root int32) {
	type leaf struct {
		x    int32
		path string
	}
	var leaves []leaf
	nodes := r.res.nodes
	var walk func(x int32, prefix string, depth int)
	walk = func(x int32, prefix string, depth int) {
		for k := nodes[x].kid; k != none; k = nodes[k].next {
			n := &nodes[k]
			if n.kind != kElement {
				continue
			}
			path := n.name
			if prefix != "" {
				path = prefix + "." + n.name
			}
			if hasElementChild(nodes, k) && depth < maxDepth {
				walk(k, path, depth+1)
			} else {
				leaves = append(leaves, leaf{k, path})
			}
		}
	}
	walk(root, "", 0)
	if len(leaves) == 0 {
		if v, ok := r.leafValue(root); ok {
			rec.Data = append(rec.Data, event.Field{Name: nodes[root].name, Value: v})
		}
		return
	}
	short := make(map[string]int, len(leaves))
	for _, l := range leaves {
		short[nodes[l.x].name]++
	}
	seen := make(map[string]int, len(leaves))
	for _, l := range leaves {
		v, ok := r.leafValue(l.x)
		if !ok {
			continue
		}
		name := l.path
		if short[nodes[l.x].name] == 1 {
			name = nodes[l.x].name
		}
		if k := seen[name]; k > 0 {
			seen[name] = k + 1
			name += "_" + strconv.Itoa(k)
		} else {
			seen[name] = 1
		}
		rec.Data = append(rec.Data, event.Field{Name: name, Value: v})
	}
}

// leafValue is the value of an element other than EventData/Data, as the
// evtx_dump JSON shows it and winevent reads it back: its content; "" when
// it is empty (JSON null); nothing when it has only attributes (a JSON
// object of "#attributes" alone).
func (r *Reader) leafValue(x int32) (event.Value, bool) {
	if r.hasContent(x) {
		return r.dataValue(x), true
	}
	if r.res.nodes[x].attr != none {
		return event.Value{}, false
	}
	return event.String(""), true
}

func hasElementChild(nodes []xnode, x int32) bool {
	for k := nodes[x].kid; k != none; k = nodes[k].next {
		if nodes[k].kind == kElement {
			return true
		}
	}
	return false
}

// AppendXML appends the record last returned by Next as compact XML (no
// declaration, no whitespace between elements). Values are rendered as in
// evtx_dump: GUIDs without braces, times as 2006-01-02T15:04:05.000000Z.
// Attributes without a value are left out. It appends nothing when there is
// no current record.
func (r *Reader) AppendXML(dst []byte) []byte {
	if r.root == none || int(r.root) >= len(r.res.nodes) {
		return dst
	}
	return r.appendXML(dst, r.root)
}

func (r *Reader) appendXML(dst []byte, x int32) []byte {
	nodes := r.res.nodes
	n := &nodes[x]
	dst = append(dst, '<')
	dst = append(dst, n.name...)
	for a := n.attr; a != none; a = nodes[a].next {
		dst = append(dst, ' ')
		dst = append(dst, nodes[a].name...)
		dst = append(dst, '=', '"')
		dst = r.appendXMLContent(dst, a, true)
		dst = append(dst, '"')
	}
	if n.kid == none {
		return append(dst, '/', '>')
	}
	dst = append(dst, '>')
	dst = r.appendXMLContent(dst, x, false)
	dst = append(dst, '<', '/')
	dst = append(dst, n.name...)
	return append(dst, '>')
}

func (r *Reader) appendXMLContent(dst []byte, x int32, inAttr bool) []byte {
	nodes := r.res.nodes
	for k := nodes[x].kid; k != none; k = nodes[k].next {
		n := &nodes[k]
		switch n.kind {
		case kElement:
			dst = r.appendXML(dst, k)
		case kText:
			dst = appendEscaped(dst, n.text, inAttr)
		case kValue:
			start := len(dst)
			dst = appendValue(dst, n.vtype, r.res.valueBytes(n))
			if needsEscape(dst[start:]) {
				r.scratch = append(r.scratch[:0], dst[start:]...)
				dst = appendEscaped(dst[:start], string(r.scratch), inAttr)
			}
		case kCDATA:
			dst = append(dst, "<![CDATA["...)
			dst = append(dst, n.text...)
			dst = append(dst, "]]>"...)
		case kCharRef:
			dst = append(dst, '&', '#')
			dst = strconv.AppendUint(dst, uint64(n.ch), 10)
			dst = append(dst, ';')
		case kEntityRef:
			dst = append(dst, '&')
			dst = append(dst, n.name...)
			dst = append(dst, ';')
		case kPITarget:
			dst = append(dst, "<?"...)
			dst = append(dst, n.name...)
			if n.next == none || nodes[n.next].kind != kPIData {
				dst = append(dst, "?>"...)
			}
		case kPIData:
			dst = append(dst, ' ')
			dst = append(dst, n.text...)
			dst = append(dst, "?>"...)
		}
	}
	return dst
}

func needsEscape(b []byte) bool {
	for _, c := range b {
		switch c {
		case '&', '<', '>', '"', '\'':
			return true
		}
	}
	return false
}

func appendEscaped(dst []byte, s string, inAttr bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '"':
			if inAttr {
				dst = append(dst, "&quot;"...)
			} else {
				dst = append(dst, c)
			}
		case '\'':
			if inAttr {
				dst = append(dst, "&apos;"...)
			} else {
				dst = append(dst, c)
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
