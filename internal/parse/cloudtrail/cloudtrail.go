package cloudtrail

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/jsonl"
)

// Name is the format name.
const Name = "cloudtrail"

// Prefix is the namespace of the record's own fields.
const Prefix = "aws.cloudtrail."

// eventBridgePrefix is the namespace of an EventBridge envelope's fields.
const eventBridgePrefix = "aws.eventbridge."

// Format returns the cloudtrail format.
func Format() parse.Format {
	return parse.Format{
		Name:        Name,
		Description: "AWS CloudTrail: S3 log objects {\"Records\":[…]}, single records (NDJSON), EventBridge events, CloudTrail Lake results",
		Detect:      Detect,
		Decode:      Decode,
		DecodeAll:   DecodeAll,
	}
}

// Detect scores a record (or the first bytes of a whole input): 99 for a
// JSON object carrying CloudTrail's eventSource and eventName keys (or
// eventVersion), a Records wrapper, an EventBridge CloudTrail event or a
// CloudTrail Lake result; 0 otherwise. It does not validate the JSON.
func Detect(record []byte) int {
	b := bytes.TrimLeft(record, "\xef\xbb\xbf \t\r\n")
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return 0
	}
	switch {
	case bytes.Contains(b, []byte(`"eventSource"`)) &&
		(bytes.Contains(b, []byte(`"eventName"`)) || bytes.Contains(b, []byte(`"eventVersion"`))):
		return 99
	case bytes.Contains(b, []byte(`"detail-type"`)) && bytes.Contains(b, []byte(`via CloudTrail"`)):
		return 99
	case bytes.Contains(b, []byte(`"Records"`)) && bytes.Contains(b, []byte(`"eventVersion"`)):
		return 99
	case bytes.Contains(b, []byte(`"QueryResultRows"`)):
		return 99
	}
	return 0
}

// Decode decodes one record: a CloudTrail record object, an EventBridge
// event wrapping one, or a {"Records":[…]} or CloudTrail Lake wrapper that
// holds exactly one record (a wrapper with more is an error: decode it as a
// whole input with DecodeAll).
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	s := string(record)
	i := skipSpace(s, skipBOM(s))
	if i == len(s) {
		return parse.ErrEmpty
	}
	if s[i] != '{' {
		return &parse.SyntaxError{Format: Name, Offset: i, Msg: "record is not a JSON object"}
	}
	top := scanTop(s, i)
	if !top.ok || skipSpace(s, top.end) != len(s) {
		return &parse.SyntaxError{Format: Name, Offset: top.end, Msg: "record is not one well-formed JSON object"}
	}
	if w := top.wrap; w.kind != wrapNone {
		n := 0
		var one span
		w.each(s, func(sp span) { n++; one = sp })
		if n != 1 {
			return &parse.SyntaxError{Format: Name, Offset: i,
				Msg: fmt.Sprintf("%s wrapper holds %d records; decode it as a whole input", w.name(), n)}
		}
		return decodeSpan(s, one, s, 0, meta, ev)
	}
	return decodeObject(s, &top, s, meta, ev)
}

// DecodeAll decodes a whole input: a CloudTrail S3 log object
// {"Records":[…]}, a CloudTrail Lake GetQueryResults document
// {"QueryResultRows":[[{col:val},…],…]}, a JSON array of records, one
// (possibly pretty-printed) record, or NDJSON with a record a line. Records
// that do not decode are emitted as pipeline_error events.
//
// Each record is copied once into a string that its event's strings share,
// so that an event keeps its own record alive, not the whole input.
func DecodeAll(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
	s := string(data)
	i := skipSpace(s, skipBOM(s))
	if i == len(s) {
		return nil
	}
	end, ok := skipValue(s, i)
	whole := ok && skipSpace(s, end) == len(s)
	switch {
	case whole && s[i] == '[':
		var err error
		elements(s, i, func(v0, v1 int) {
			if err == nil {
				err = emitOne(s, span{v0, v1, false}, data[v0:v1], meta, emit)
			}
		})
		return err
	case whole && s[i] == '{':
		w := scanTop(s, i).wrap
		if w.kind == wrapNone {
			return emitOne(s, span{i, end, false}, data[i:end], meta, emit)
		}
		var err error
		w.each(s, func(sp span) {
			if err == nil {
				err = emitOne(s, sp, data[sp.start:sp.end], meta, emit)
			}
		})
		return err
	}
	if s[i] != '{' {
		return &parse.SyntaxError{Format: Name, Offset: i, Msg: "input is neither JSON records nor NDJSON"}
	}
	// NDJSON: one record a line.
	for len(data) > 0 {
		line := data
		if k := bytes.IndexByte(data, '\n'); k >= 0 {
			line, data = data[:k], data[k+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		ev := new(event.Event)
		err := Decode(line, meta, ev)
		if err == parse.ErrEmpty {
			continue
		}
		if err != nil {
			ev = event.NewPipelineError(line, err.Error(), received(meta))
		}
		if err := emit(ev); err != nil {
			return err
		}
	}
	return nil
}

// emitOne decodes the record s[sp.start:sp.end] (raw is its bytes) of a
// whole input and emits its event.
func emitOne(s string, sp span, raw []byte, meta *parse.Meta, emit func(*event.Event) error) error {
	ev := new(event.Event)
	rs := string(raw)
	if err := decodeSpan(rs, span{0, len(rs), sp.row}, rs, sp.start, meta, ev); err != nil {
		ev = event.NewPipelineError(raw, err.Error(), received(meta))
	}
	return emit(ev)
}

func received(meta *parse.Meta) time.Time {
	if meta != nil && !meta.Received.IsZero() {
		return meta.Received
	}
	return time.Now()
}

func skipBOM(s string) int {
	if strings.HasPrefix(s, "\xef\xbb\xbf") {
		return 3
	}
	return 0
}

// span is one record inside a larger input: s[start:end] is a record object,
// or with row set a CloudTrail Lake result row [{col:val},…].
type span struct {
	start, end int
	row        bool
}

const (
	wrapNone = iota
	wrapRecords
	wrapLake
)

// wrapper is a document holding several records.
type wrapper struct {
	kind   int
	v0, v1 int // the array of records or rows
}

func (w wrapper) name() string {
	if w.kind == wrapLake {
		return "QueryResultRows"
	}
	return "Records"
}

func (w wrapper) each(s string, fn func(span)) {
	elements(s, w.v0, func(v0, v1 int) { fn(span{v0, v1, w.kind == wrapLake}) })
}

// decodeSpan decodes one record of a wrapper; orig, the record's text,
// becomes event.original. off is the offset of s in the input, added to the
// offsets of the errors about the record's place in it.
func decodeSpan(s string, sp span, orig string, off int, meta *parse.Meta, ev *event.Event) error {
	if !sp.row {
		if s[sp.start] != '{' {
			return &parse.SyntaxError{Format: Name, Offset: off + sp.start, Msg: "record is not a JSON object"}
		}
		top := scanTop(s, sp.start)
		if !top.ok {
			return &parse.SyntaxError{Format: Name, Offset: off + top.end, Msg: "record is not a well-formed JSON object"}
		}
		return decodeObject(s, &top, orig, meta, ev)
	}
	// A Lake row is an array of one-member objects: join their members into
	// one object.
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	bad := false
	elements(s, sp.start, func(v0, v1 int) {
		inner := strings.TrimSpace(s[v0:v1])
		if len(inner) < 2 || inner[0] != '{' || inner[len(inner)-1] != '}' {
			bad = true
			return
		}
		inner = strings.TrimSpace(inner[1 : len(inner)-1])
		if inner == "" {
			return
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(inner)
		n++
	})
	if bad || s[sp.start] != '[' {
		return &parse.SyntaxError{Format: Name, Offset: off + sp.start, Msg: "CloudTrail Lake row is not an array of objects"}
	}
	b.WriteByte('}')
	obj := b.String()
	top := scanTop(obj, 0)
	if !top.ok {
		return &parse.SyntaxError{Format: Name, Offset: off + sp.start, Msg: "CloudTrail Lake row does not join into a JSON object"}
	}
	return decodeObject(obj, &top, orig, meta, ev)
}

// rawObjects are record members also kept whole, as JSON text, because
// Sigma rules search them as a whole (requestParameters|contains: …).
var rawObjects = [...]string{"requestParameters", "responseElements", "additionalEventData", "serviceEventDetails"}

// topInfo is what one pass over a top-level object finds.
type topInfo struct {
	start, end int
	ok         bool
	wrap       wrapper
	isEnv      bool
	detail     [2]int // span of the EventBridge detail object
	env        struct{ id, detailType, source, time, region, account string }
	raws       [len(rawObjects)]string
}

// scanTop scans the object at s[i] once, noting a wrapper array, an
// EventBridge envelope and the members kept as raw JSON text.
func scanTop(s string, i int) topInfo {
	t := topInfo{start: i}
	t.end, t.ok = members(s, i, func(key string, v0, v1 int) bool {
		switch key {
		case "Records", "QueryResultRows":
			if s[v0] == '[' {
				t.wrap = wrapper{wrapRecords, v0, v1}
				if key == "QueryResultRows" {
					t.wrap.kind = wrapLake
				}
			}
		case "detail-type":
			t.env.detailType = unquote(s[v0:v1])
			t.isEnv = true
		case "detail":
			if s[v0] == '{' {
				t.detail = [2]int{v0, v1}
			}
		case "id":
			t.env.id = unquote(s[v0:v1])
		case "source":
			t.env.source = unquote(s[v0:v1])
		case "time":
			t.env.time = unquote(s[v0:v1])
		case "region":
			t.env.region = unquote(s[v0:v1])
		case "account":
			t.env.account = unquote(s[v0:v1])
		default:
			if s[v0] == '{' {
				for k, name := range rawObjects {
					if key == name {
						t.raws[k] = s[v0:v1]
					}
				}
			}
		}
		return true
	})
	return t
}

// decodeObject decodes the record object scanned as top (s[top.start:
// top.end]) into ev; orig (the text the record came from, or that wraps it)
// becomes event.original. The event's strings share s and orig.
func decodeObject(s string, top *topInfo, orig string, meta *parse.Meta, ev *event.Event) error {
	inner := s[top.start:top.end]
	isEnv, env := top.isEnv, top.env
	raws := top.raws
	if isEnv {
		if top.detail[1] == 0 {
			return &parse.SyntaxError{Format: Name, Offset: 0, Msg: "EventBridge event without a detail object"}
		}
		d := scanTop(s, top.detail[0])
		inner, raws = s[d.start:d.end], d.raws
	}

	// Fields is allocated once, with room for what is added below.
	extra := 2 + maxECSFields + pipelineFields // 2: event.created, event.original
	for _, r := range raws {
		if r != "" {
			extra++
		}
	}
	if isEnv {
		extra += envFields
	}
	base := len(ev.Fields)
	if err := jsonl.DecodeString(inner, meta, ev, jsonl.Options{Extra: extra, NoCommon: true}); err != nil {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		if se, ok := err.(*parse.SyntaxError); ok {
			return &parse.SyntaxError{Format: Name, Offset: se.Offset, Msg: se.Msg}
		}
		return fmt.Errorf("%s: %w", Name, err)
	}
	var r rec
	out := ev.Fields[:base]
	for _, f := range ev.Fields[base:] {
		switch f.Name {
		case event.FieldCreated, event.FieldOriginal:
			continue // set below from meta and raw
		}
		r.note(f.Name, f.Value)
		f.Name = prefixed(f.Name)
		out = append(out, f)
	}
	clear(ev.Fields[len(out):])
	ev.Fields = out
	if r.eventSource == "" || r.eventName == "" {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: "not a CloudTrail record: no eventSource or eventName"}
	}
	for k, name := range rawObjectFields {
		if raws[k] != "" {
			add(ev, name, event.String(raws[k]))
		}
	}
	if isEnv {
		for k, v := range [envFields]string{env.id, env.detailType, env.source, env.time, env.region, env.account} {
			if v != "" {
				add(ev, envFieldNames[k], event.String(v))
			}
		}
		if r.region == "" {
			r.region = env.region
		}
		if r.accountID == "" {
			r.accountID = env.account
		}
	}
	// @timestamp: eventTime, else the EventBridge time, else what jsonl
	// found (the @timestamp of a record shipped by Logstash), else the
	// receive time.
	if t, ok := normalize.ParseTimestamp(r.eventTime, time.UTC); ok {
		ev.Time = t.UnixNano()
	} else if t, ok := normalize.ParseTimestamp(env.time, time.UTC); ok {
		ev.Time = t.UnixNano()
	}
	// What parse.SetCommon sets, appended: the record's own fields of
	// these names were dropped above.
	if meta != nil && !meta.Received.IsZero() {
		add(ev, event.FieldCreated, event.Time(meta.Received))
	}
	add(ev, event.FieldOriginal, event.String(orig))
	r.ecs(ev)
	return nil
}

// rawObjectFields are the names of the rawObjects fields.
var rawObjectFields = func() (names [len(rawObjects)]string) {
	for k, name := range rawObjects {
		names[k] = Prefix + name
	}
	return names
}()

// envFieldNames are the names of the EventBridge envelope fields, in the
// order they are added.
var envFieldNames = [envFields]string{eventBridgePrefix + "id", eventBridgePrefix + "detail-type",
	eventBridgePrefix + "source", eventBridgePrefix + "time", eventBridgePrefix + "region", eventBridgePrefix + "account"}

// Field counts for sizing Fields.
const (
	// envFields is the number of EventBridge envelope fields.
	envFields = 6
	// pipelineFields is room for what the ingest pipeline adds to every
	// event (input.type, log.source.address), so that those appends do
	// not copy the whole slice.
	pipelineFields = 2
)

// add appends a field known not to be set yet.
func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

// Prefixed names are interned: CloudTrail records reuse a small vocabulary
// of keys, so the concatenation is done once per name. The cache is bounded
// so that hostile input cannot grow it without limit.
var (
	names     sync.Map // string → string
	namesSize atomic.Int32
)

const maxCachedNames = 16384

func prefixed(name string) string {
	if p, ok := names.Load(name); ok {
		return p.(string)
	}
	p := Prefix + name
	if namesSize.Load() < maxCachedNames {
		if _, loaded := names.LoadOrStore(strings.Clone(name), p); !loaded {
			namesSize.Add(1)
		}
	}
	return p
}
