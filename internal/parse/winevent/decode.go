package winevent

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// FormatName is the name of the Windows JSON format.
const FormatName = "winevent-json"

// Format returns the winevent-json format: one record is one JSON document
// holding one Windows event, either in evtx_dump style
// ({"Event":{"#attributes":…,"System":…,"EventData":…|"UserData":…}}) or in
// Winlogbeat style ({"@timestamp":…,"winlog":{"channel":…,"event_id":…,
// "event_data":…},"event":…,"host":…}). Files of pretty-printed or
// concatenated documents are framed into records with SplitJSON.
func Format() parse.Format {
	return parse.Format{
		Name:        FormatName,
		Description: "Windows event as JSON (evtx_dump or Winlogbeat style)",
		Detect:      Detect,
		Decode:      Decode,
		DecodeAll:   DecodeAll,
	}
}

// DecodeAll decodes a file (or body) of one or several JSON documents,
// pretty-printed or one a line, as evtx_dump writes them; a document that
// does not decode is emitted as a pipeline_error event.
func DecodeAll(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
	for _, doc := range Documents(data) {
		ev := &event.Event{}
		if err := Decode(doc, meta, ev); err != nil {
			if errors.Is(err, parse.ErrEmpty) {
				continue
			}
			var received time.Time
			if meta != nil {
				received = meta.Received
			}
			ev = event.NewPipelineError(doc, err.Error(), received)
		}
		if err := emit(ev); err != nil {
			return err
		}
	}
	return nil
}

// decodeState is what Decode reuses between calls.
type decodeState struct {
	p   jparser
	rec Record
}

var decoders = sync.Pool{New: func() any { return new(decodeState) }}

func (st *decodeState) release() {
	data := st.rec.Data
	clear(data)
	st.rec = Record{Data: data[:0]}
	if cap(data) > 1024 {
		st.rec.Data = nil
	}
	decoders.Put(st)
}

// Detect scores a record: 90 for an evtx_dump document, 85 for a Winlogbeat
// document, 0 otherwise.
func Detect(record []byte) int {
	b := bytes.TrimLeft(record, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return 0
	}
	if bytes.Contains(b, []byte(`"Event"`)) && bytes.Contains(b, []byte(`"System"`)) {
		return 90
	}
	if bytes.Contains(b, []byte(`"winlog"`)) && bytes.Contains(b, []byte(`"event_id"`)) {
		return 85
	}
	return 0
}

// Decode decodes one JSON document into ev (see Format).
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	src := string(record)
	if strings.TrimSpace(src) == "" {
		return parse.ErrEmpty
	}
	st := decoders.Get().(*decodeState)
	defer st.release()
	root, jerr := st.p.parse(src)
	if jerr != nil {
		return &parse.SyntaxError{Format: FormatName, Offset: jerr.off, Msg: jerr.msg}
	}
	if root.k != jObj {
		return &parse.SyntaxError{Format: FormatName, Msg: "document is not a JSON object"}
	}
	rec := &st.rec
	if e := root.get("Event"); e != nil && e.k == jObj {
		if err := recordFromEvtxDump(e, rec); err != nil {
			return err
		}
		return normalize(rec, src, true, meta, ev)
	}
	if w := root.get("winlog"); w != nil && w.k == jObj {
		if err := recordFromWinlogbeat(&root, w, rec); err != nil {
			return err
		}
		if err := normalize(rec, src, true, meta, ev); err != nil {
			return err
		}
		// Winlogbeat's own fields are already ECS-like: keep them as sent,
		// over what Normalize derived.
		for i := range root.kids {
			m := &root.kids[i]
			switch m.key {
			case "@timestamp", "winlog":
				continue
			}
			flattenInto(ev, m.key, &m.val, true)
		}
		for i := range w.kids {
			m := &w.kids[i]
			switch m.key {
			case "event_data", "user_data":
				continue
			}
			flattenInto(ev, "winlog."+m.key, &m.val, false)
		}
		return nil
	}
	return &parse.SyntaxError{Format: FormatName, Msg: `neither an "Event" (evtx_dump) nor a "winlog" (Winlogbeat) object`}
}

// flattenInto sets v under name, objects flattened with dots, arrays of
// scalars as arrays; a set field is replaced only when override is true.
// event.original and event.created (the record and its receive time) are
// never replaced.
func flattenInto(ev *event.Event, name string, v *jval, override bool) {
	if name == event.FieldOriginal || name == event.FieldCreated || (!override && ev.Has(name)) {
		return
	}
	switch v.k {
	case jObj:
		for i := range v.kids {
			flattenInto(ev, name+"."+v.kids[i].key, &v.kids[i].val, override)
		}
	case jArr:
		vs := make([]event.Value, 0, len(v.kids))
		for i := range v.kids {
			if x := scalarValue(&v.kids[i].val); !x.IsNull() {
				vs = append(vs, x)
			}
		}
		if len(vs) > 0 {
			ev.Set(name, event.Array(vs...))
		}
	case jNull:
	default:
		ev.Set(name, scalarValue(v))
	}
}

// scalarValue converts a scalar: integral numbers to Int, other numbers keep
// their literal as String, booleans to Bool, strings as they are.
func scalarValue(v *jval) event.Value {
	switch v.k {
	case jStr:
		return event.String(v.s)
	case jNum:
		if n, err := strconv.ParseInt(v.s, 10, 64); err == nil {
			return event.Int(n)
		}
		return event.String(v.s)
	case jBool:
		return event.Bool(v.s == "true")
	}
	return event.Value{}
}

// dataValue converts an EventData item the way the evtx_dump JSON renders
// it: numbers as Int, null as "", everything else as its string.
func dataValue(v *jval) event.Value {
	switch v.k {
	case jNull:
		return event.String("")
	case jNum:
		if n, err := strconv.ParseInt(v.s, 10, 64); err == nil {
			return event.Int(n)
		}
		if n, err := strconv.ParseUint(v.s, 10, 64); err == nil && n <= 1<<63-1 {
			return event.Int(int64(n))
		}
		return event.String(v.s)
	case jBool:
		return event.String(v.s)
	case jStr:
		return event.String(v.s)
	case jArr:
		vs := make([]event.Value, 0, len(v.kids))
		for i := range v.kids {
			vs = append(vs, dataValue(&v.kids[i].val))
		}
		return event.Array(vs...)
	}
	return event.String("")
}

func attr(v *jval, name string) *jval { return v.path("#attributes", name) }

// recordFromEvtxDump fills rec from the "Event" object of an evtx_dump
// document.
func recordFromEvtxDump(e *jval, rec *Record) error {
	sys := e.get("System")
	if sys == nil || sys.k != jObj {
		return &parse.SyntaxError{Format: FormatName, Msg: "Event has no System object"}
	}
	if p := sys.get("Provider"); p != nil {
		rec.Provider = attr(p, "Name").text()
		rec.ProviderGUID = strings.Trim(attr(p, "Guid").text(), "{}")
		rec.EventSource = attr(p, "EventSourceName").text()
	}
	if id := sys.get("EventID"); id != nil {
		n, ok := id.uint()
		if !ok && id.k == jObj { // {"#attributes":{"Qualifiers":…},"#text":4624}
			n, ok = id.get("#text").uint()
			if q, qok := attr(id, "Qualifiers").uint(); qok {
				rec.Qualifiers = uint32(q)
			}
		}
		if !ok || n > 0xffff_ffff {
			return &parse.SyntaxError{Format: FormatName, Msg: fmt.Sprintf("bad System.EventID %q", id.text())}
		}
		rec.EventID = uint32(n)
	} else {
		return &parse.SyntaxError{Format: FormatName, Msg: "System has no EventID"}
	}
	if n, ok := sys.get("Version").uint(); ok {
		rec.Version = uint8(n)
	}
	if n, ok := sys.get("Level").uint(); ok {
		rec.Level = uint8(n)
	}
	if n, ok := sys.get("Task").uint(); ok {
		rec.Task = uint16(n)
	}
	if n, ok := sys.get("Opcode").uint(); ok {
		rec.Opcode = uint8(n)
	}
	rec.Keywords = sys.get("Keywords").text()
	if tc := attr(sys.get("TimeCreated"), "SystemTime").text(); tc != "" {
		t, err := parseSystemTime(tc)
		if err != nil {
			return &parse.SyntaxError{Format: FormatName, Msg: fmt.Sprintf("bad TimeCreated %q", tc)}
		}
		rec.TimeCreated = t
	}
	if n, ok := sys.get("EventRecordID").uint(); ok {
		rec.RecordID = n
	}
	if c := sys.get("Correlation"); c != nil {
		rec.ActivityID = strings.Trim(attr(c, "ActivityID").text(), "{}")
		rec.RelatedID = strings.Trim(attr(c, "RelatedActivityID").text(), "{}")
	}
	if x := sys.get("Execution"); x != nil {
		if n, ok := attr(x, "ProcessID").uint(); ok {
			rec.ProcessID = uint32(n)
		}
		if n, ok := attr(x, "ThreadID").uint(); ok {
			rec.ThreadID = uint32(n)
		}
	}
	rec.Channel = sys.get("Channel").text()
	rec.Computer = sys.get("Computer").text()
	rec.UserID = attr(sys.get("Security"), "UserID").text()

	if ed := e.get("EventData"); ed != nil {
		rec.Data = eventData(ed, rec.Data)
	}
	if ud := e.get("UserData"); ud != nil && ud.k == jObj {
		rec.Data = userData(ud, rec.Data)
	}
	return nil
}

// eventData appends EventData items: named items by name; unnamed ones
// ({"Data":{"#text":[…]}} or {"Data":"x"}) as param1, param2, ….
func eventData(ed *jval, dst []event.Field) []event.Field {
	switch ed.k {
	case jObj:
	case jStr, jNum:
		return append(dst, event.Field{Name: "param1", Value: dataValue(ed)})
	default:
		return dst
	}
	for i := range ed.kids {
		m := &ed.kids[i]
		switch m.key {
		case "#attributes":
			continue
		case "Data", "#text":
			var items *jval = &m.val
			if m.val.k == jObj {
				if t := m.val.get("#text"); t != nil {
					items = t
				}
			}
			switch items.k {
			case jArr:
				for j := range items.kids {
					dst = append(dst, event.Field{Name: "param" + strconv.Itoa(j+1), Value: dataValue(&items.kids[j].val)})
				}
				continue
			case jObj:
			default:
				dst = append(dst, event.Field{Name: "param1", Value: dataValue(items)})
				continue
			}
		}
		if m.val.k == jObj {
			dst = flattenData(m.key, &m.val, dst)
			continue
		}
		dst = append(dst, event.Field{Name: m.key, Value: dataValue(&m.val)})
	}
	return dst
}

func flattenData(prefix string, v *jval, dst []event.Field) []event.Field {
	for i := range v.kids {
		m := &v.kids[i]
		if m.key == "#attributes" {
			continue
		}
		name := prefix + "." + m.key
		if m.key == "#text" {
			name = prefix
		}
		if m.val.k == jObj {
			dst = flattenData(name, &m.val, dst)
		} else {
			dst = append(dst, event.Field{Name: name, Value: dataValue(&m.val)})
		}
	}
	return dst
}

// userData flattens the leaves below UserData's root element; a leaf is
// named by its last path element when that is unique, else by its dotted
// path below the root.
func userData(ud *jval, dst []event.Field) []event.Field {
	start := len(dst)
	for i := range ud.kids {
		root := &ud.kids[i]
		if root.key == "#attributes" {
			continue
		}
		if root.val.k != jObj {
			dst = append(dst, event.Field{Name: root.key, Value: dataValue(&root.val)})
			continue
		}
		dst = flattenData("", &root.val, dst)
	}
	leaves := dst[start:]
	for i := range leaves {
		leaves[i].Name = strings.TrimPrefix(leaves[i].Name, ".")
	}
	for i := range leaves {
		full := leaves[i].Name
		last := full
		if j := strings.LastIndexByte(full, '.'); j >= 0 {
			last = full[j+1:]
		}
		unique := true
		for k := range leaves {
			if k == i {
				continue
			}
			o := leaves[k].Name
			if o == last || strings.HasSuffix(o, "."+last) {
				unique = false
				break
			}
		}
		if unique {
			leaves[i].Name = last
		}
	}
	return dst
}

// recordFromWinlogbeat fills rec from a Winlogbeat document.
func recordFromWinlogbeat(root, w *jval, rec *Record) error {
	rec.Channel = w.get("channel").text()
	rec.Provider = w.get("provider_name").text()
	rec.ProviderGUID = strings.Trim(w.get("provider_guid").text(), "{}")
	id, ok := w.get("event_id").uint()
	if !ok {
		id, ok = root.path("event", "code").uint()
	}
	if !ok || id > 0xffff_ffff {
		return &parse.SyntaxError{Format: FormatName, Msg: "winlog.event_id missing or not a number"}
	}
	rec.EventID = uint32(id)
	if n, ok := w.get("record_id").uint(); ok {
		rec.RecordID = n
	}
	rec.Computer = w.get("computer_name").text()
	if n, ok := w.path("process", "pid").uint(); ok {
		rec.ProcessID = uint32(n)
	}
	if n, ok := w.path("process", "thread", "id").uint(); ok {
		rec.ThreadID = uint32(n)
	}
	rec.UserID = w.path("user", "identifier").text()
	if n, ok := w.get("version").uint(); ok {
		rec.Version = uint8(n)
	}
	rec.ActivityID = strings.Trim(w.get("activity_id").text(), "{}")
	ts := root.get("@timestamp").text()
	if ts == "" {
		ts = w.get("time_created").text()
	}
	if ts != "" {
		t, err := parseSystemTime(ts)
		if err != nil {
			return &parse.SyntaxError{Format: FormatName, Msg: fmt.Sprintf("bad @timestamp %q", ts)}
		}
		rec.TimeCreated = t
	}
	if ed := w.get("event_data"); ed != nil && ed.k == jObj {
		rec.Data = eventData(ed, rec.Data)
	}
	if ud := w.get("user_data"); ud != nil && ud.k == jObj {
		rec.Data = flattenData("", ud, rec.Data)
		for i := range rec.Data {
			rec.Data[i].Name = strings.TrimPrefix(rec.Data[i].Name, ".")
		}
	}
	return nil
}

// parseSystemTime parses TimeCreated as rendered by evtx_dump
// ("2025-11-26T05:11:27.927693Z"), python-evtx ("2019-03-19 23:34:25.476347")
// or Winlogbeat (RFC 3339). Zone-less times are UTC, as Windows records them.
func parseSystemTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("unrecognized time")
}

// SplitJSON is a bufio.SplitFunc that frames a stream of JSON documents:
// one per line (NDJSON), pretty-printed across lines, or concatenated with
// or without white space between them (as the evtx_dump .json twins are).
// Use it with a bufio.Scanner whose buffer allows the largest document.
func SplitJSON(data []byte, atEOF bool) (advance int, token []byte, err error) {
	start, end, ok := skipValue(data, 0)
	if start == len(data) { // only white space
		return start, nil, nil
	}
	if ok && (end < len(data) || atEOF || data[start] == '{' || data[start] == '[') {
		return end, data[start:end], nil
	}
	if atEOF { // an incomplete document: hand it on for Decode to report
		return len(data), data[start:], nil
	}
	return start, nil, nil
}

// Documents splits data holding one or several JSON documents (see
// SplitJSON) into the documents, which alias data. An incomplete last
// document is returned as it is, for Decode to report.
func Documents(data []byte) [][]byte {
	var docs [][]byte
	for off := 0; off < len(data); {
		start, end, ok := skipValue(data, off)
		if start == len(data) {
			break
		}
		if !ok {
			docs = append(docs, data[start:])
			break
		}
		docs = append(docs, data[start:end])
		off = end
	}
	return docs
}
