package winxml

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/winevent"
)

// Name is the format name.
const Name = "winevent-xml"

// MaxEventBytes is the largest event document DecodeAll accepts.
const MaxEventBytes = 1 << 20

// Format returns the winevent-xml format.
func Format() parse.Format {
	return parse.Format{
		Name:        Name,
		Description: "Windows events as rendered XML (<Event xmlns=…><System>…), one a line or an XML export",
		Detect:      Detect,
		Decode:      Decode,
		DecodeAll:   DecodeAll,
	}
}

// Detect scores a record or the first bytes of an input: 100 when, after an
// optional byte order mark, XML declaration and <Events> wrapper, it starts
// with an <Event> element followed by <System>; 0 otherwise.
func Detect(record []byte) int {
	b := bytes.TrimPrefix(record, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	if bytes.HasPrefix(b, []byte("<?xml")) {
		i := bytes.Index(b, []byte("?>"))
		if i < 0 {
			return 0
		}
		b = bytes.TrimLeft(b[i+2:], " \t\r\n")
	}
	if bytes.HasPrefix(b, []byte("<Events>")) {
		b = bytes.TrimLeft(b[len("<Events>"):], " \t\r\n")
	}
	if !bytes.HasPrefix(b, []byte("<Event")) || len(b) < 7 || (b[6] != ' ' && b[6] != '>') {
		return 0
	}
	if i := bytes.Index(b, []byte("<System>")); i < 0 || i > 512 {
		return 0
	}
	return 100
}

// Decode decodes one rendered Windows event (an <Event> document) into ev:
// the XML becomes a winevent.Record, normalized by winevent.Normalize with
// the record bytes as event.original.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	if len(bytes.TrimSpace(record)) == 0 {
		return parse.ErrEmpty
	}
	src := string(record)
	if strings.HasPrefix(src, "\xef\xbb\xbf") {
		src = src[3:]
	}
	p := newParser(src)
	defer p.release()
	root := p.document()
	off := len(record) - len(src)
	if root == nil {
		return &parse.SyntaxError{Format: Name, Offset: off + p.err.off, Msg: p.err.msg}
	}
	if root.name != "Event" {
		return &parse.SyntaxError{Format: Name, Offset: off, Msg: "root element is <" + root.name + ">, not <Event>"}
	}
	sys := root.child("System")
	if sys == nil {
		return &parse.SyntaxError{Format: Name, Offset: off, Msg: "<Event> has no <System>"}
	}
	// Record.Data is the parser's, reused: Normalize keeps none of it.
	rec := winevent.Record{Data: p.data[:0]}
	fill(&rec, root)
	p.data = rec.Data
	base := len(ev.Fields)
	if err := winevent.Normalize(&rec, record, meta, ev); err != nil {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		ev.Time = 0
		return &parse.SyntaxError{Format: Name, Offset: off, Msg: err.Error()}
	}
	if ri := root.child("RenderingInfo"); ri != nil && !ev.Has(event.FieldMessage) {
		if m := ri.child("Message"); m != nil && m.content {
			ev.Set(event.FieldMessage, event.String(strings.TrimSpace(m.text)))
		}
	}
	return nil
}

// DecodeAll decodes an XML export: the <Event> elements of the input, one
// a line or pretty-printed, with or without an XML declaration and an
// <Events> root, each normalized as by Decode (its own bytes are its
// event.original). An event that does not decode is emitted as a
// pipeline_error event; text outside <Event> elements is ignored.
func DecodeAll(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
	var received time.Time
	if meta != nil {
		received = meta.Received
	}
	found := false
	for {
		i := indexEventStart(data)
		if i < 0 {
			break
		}
		data = data[i:]
		j := bytes.Index(data, []byte("</Event>"))
		var doc []byte
		if j < 0 {
			doc, data = data, nil
		} else {
			doc, data = data[:j+len("</Event>")], data[j+len("</Event>"):]
		}
		found = true
		ev := new(event.Event)
		var err error
		if len(doc) > MaxEventBytes {
			err = errors.New(Name + ": event larger than " + strconv.Itoa(MaxEventBytes) + " bytes")
			doc = doc[:MaxEventBytes]
		} else {
			err = Decode(doc, meta, ev)
		}
		if err != nil {
			ev = event.NewPipelineError(doc, err.Error(), received)
		}
		if err := emit(ev); err != nil {
			return err
		}
	}
	if !found {
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: "no <Event> element in the input"}
	}
	return nil
}

// indexEventStart finds the next "<Event" start tag ("<Event>" or
// "<Event " …, not "<Events>" or "<EventData>").
func indexEventStart(b []byte) int {
	off := 0
	for {
		i := bytes.Index(b[off:], []byte("<Event"))
		if i < 0 {
			return -1
		}
		k := off + i + len("<Event")
		if k < len(b) && (b[k] == ' ' || b[k] == '>' || b[k] == '\t' || b[k] == '\r' || b[k] == '\n') {
			return off + i
		}
		off = k
	}
}

// fill sets rec from the <Event> tree the way the EVTX reader does
// (internal/parse/evtx render.go), so that an event reads the same whether
// it came as EVTX or as its XML rendering. Data values are strings: XML
// text carries no type (as in Winlogbeat's event_data).
func fill(rec *winevent.Record, root *node) {
	for _, x := range root.kids {
		switch x.name {
		case "System":
			system(rec, x)
		case "EventData":
			eventData(rec, x)
		case "UserData":
			if len(x.kids) > 0 {
				flatten(rec, x.kids[0])
			}
		case "RenderingInfo":
		default:
			flatten(rec, x)
		}
	}
}

func text(n *node) string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.text)
}

func uintOf(s string, bits int) uint64 {
	s = strings.TrimSpace(s)
	if u, ok := decimal(s, bits); ok {
		return u
	}
	u, _ := strconv.ParseUint(s, 0, bits)
	return u
}

// decimal reads the usual forms of a number as strconv.ParseUint(s, 0,
// bits) does, without its error allocation: "" (0, as its error gives), and
// 1 to 19 decimal digits without a leading zero (the largest value of bits
// bits when out of range). ok is false for any other form.
func decimal(s string, bits int) (u uint64, ok bool) {
	if s == "" {
		return 0, true
	}
	if len(s) > 19 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	for _, c := range []byte(s) {
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

func system(rec *winevent.Record, sys *node) {
	for _, x := range sys.kids {
		switch x.name {
		case "Provider":
			rec.Provider, _ = x.attr("Name")
			rec.ProviderGUID, _ = x.attr("Guid")
			rec.EventSource, _ = x.attr("EventSourceName")
			rec.ProviderGUID = strings.Trim(rec.ProviderGUID, "{}")
		case "EventID":
			rec.EventID = uint32(uintOf(text(x), 32))
			q, _ := x.attr("Qualifiers")
			rec.Qualifiers = uint32(uintOf(q, 32))
		case "Version":
			rec.Version = uint8(uintOf(text(x), 8))
		case "Level":
			rec.Level = uint8(uintOf(text(x), 8))
		case "Task":
			rec.Task = uint16(uintOf(text(x), 16))
		case "Opcode":
			rec.Opcode = uint8(uintOf(text(x), 8))
		case "Keywords":
			rec.Keywords = text(x)
		case "TimeCreated":
			if s, ok := x.attr("SystemTime"); ok {
				if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); err == nil {
					rec.TimeCreated = t.UTC()
				}
			}
		case "EventRecordID":
			rec.RecordID = uintOf(text(x), 64)
		case "Correlation":
			a, _ := x.attr("ActivityID")
			r, _ := x.attr("RelatedActivityID")
			rec.ActivityID, rec.RelatedID = strings.Trim(a, "{}"), strings.Trim(r, "{}")
		case "Execution":
			p, _ := x.attr("ProcessID")
			t, _ := x.attr("ThreadID")
			rec.ProcessID, rec.ThreadID = uint32(uintOf(p, 32)), uint32(uintOf(t, 32))
		case "Channel":
			rec.Channel = text(x)
		case "Computer":
			rec.Computer = text(x)
		case "Security":
			rec.UserID, _ = x.attr("UserID")
		}
	}
}

// dataValue is the value of a Data or leaf element: its text.
func dataValue(x *node) event.Value {
	if !x.content {
		return event.String("")
	}
	return event.String(x.text)
}

// eventData: when any Data element has a non-empty Name, named Data
// elements become fields of that name (unnamed ones are dropped); otherwise
// Data elements become param1, param2, …. Other elements (Binary) keep
// their element name.
func eventData(rec *winevent.Record, ed *node) {
	rec.Data = slices.Grow(rec.Data, len(ed.kids))
	named := false
	for _, x := range ed.kids {
		if n, ok := x.attr("Name"); ok && x.name == "Data" && n != "" {
			named = true
			break
		}
	}
	param := 0
	for _, x := range ed.kids {
		if x.name != "Data" {
			if v, ok := leafValue(x); ok {
				rec.Data = append(rec.Data, event.Field{Name: x.name, Value: v})
			}
			continue
		}
		var name string
		if named {
			name, _ = x.attr("Name")
			if name == "" {
				continue
			}
		} else {
			param++
			name = "param" + strconv.Itoa(param)
		}
		rec.Data = append(rec.Data, event.Field{Name: name, Value: dataValue(x)})
	}
}

// flatten adds the leaf elements below root as fields named by their path
// below root joined with dots, shortened to the leaf's own name when that
// is unique among the leaves.
func flatten(rec *winevent.Record, root *node) {
	type leaf struct {
		x    *node
		path string
	}
	var leaves []leaf
	var walk func(x *node, prefix string, depth int)
	walk = func(x *node, prefix string, depth int) {
		for _, k := range x.kids {
			path := k.name
			if prefix != "" {
				path = prefix + "." + k.name
			}
			if len(k.kids) > 0 && depth < maxDepth {
				walk(k, path, depth+1)
			} else {
				leaves = append(leaves, leaf{k, path})
			}
		}
	}
	walk(root, "", 0)
	if len(leaves) == 0 {
		if v, ok := leafValue(root); ok {
			rec.Data = append(rec.Data, event.Field{Name: root.name, Value: v})
		}
		return
	}
	short := make(map[string]int, len(leaves))
	for _, l := range leaves {
		short[l.x.name]++
	}
	seen := make(map[string]int, len(leaves))
	for _, l := range leaves {
		v, ok := leafValue(l.x)
		if !ok {
			continue
		}
		name := l.path
		if short[l.x.name] == 1 {
			name = l.x.name
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

// leafValue: the content; "" when empty; nothing when the element has only
// attributes.
func leafValue(x *node) (event.Value, bool) {
	if x.content {
		return dataValue(x), true
	}
	if len(x.attrs) > 0 {
		return event.Value{}, false
	}
	return event.String(""), true
}
