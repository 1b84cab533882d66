// Package event is Shoseki's vocabulary: the normalized event, its typed
// field values and the well-known ECS field names. It imports nothing of ours.
//
// Contract:
//   - Field names are ECS names flattened with dots ("source.ip").
//   - @timestamp is held in Event.Time as Unix nanoseconds, UTC; it is never a
//     member of Fields. Every other field, event.created and event.original
//     included, is a member of Fields, at most once per name.
//   - Seq is the store's sequence number, assigned once when the event is
//     appended durably; it is the event's identity (see ID).
//   - An Event is not safe for concurrent mutation; after it is handed to a
//     sink it must not be changed by the sender.
package event

import (
	"strconv"
	"time"
)

// Well-known field names.
const (
	FieldTimestamp   = "@timestamp"
	FieldID          = "event.id"
	FieldCreated     = "event.created"
	FieldOriginal    = "event.original"
	FieldKind        = "event.kind"
	FieldCategory    = "event.category"
	FieldType        = "event.type"
	FieldAction      = "event.action"
	FieldOutcome     = "event.outcome"
	FieldDataset     = "event.dataset"
	FieldModule      = "event.module"
	FieldCount       = "event.count"
	FieldSkewMillis  = "event.ingested_skew_ms"
	FieldMessage     = "message"
	FieldErrorMsg    = "error.message"
	FieldErrorType   = "error.type"
	FieldHostName    = "host.name"
	FieldSourceIP    = "source.ip"
	FieldUserName    = "user.name"
	FieldInputType   = "input.type"
	FieldLogSource   = "log.source.address"
	FieldRelatedIP   = "related.ip"
	FieldRelatedUser = "related.user"
)

// KindPipelineError is the event.kind of a record that could not be decoded.
// Such events keep the raw bytes in event.original and the reason in
// error.message, so nothing sent to Shoseki is silently lost.
const KindPipelineError = "pipeline_error"

// Field is one named value.
type Field struct {
	Name  string
	Value Value
}

// Event is one normalized event.
type Event struct {
	Seq    uint64 // store sequence number; 0 until appended
	Time   int64  // @timestamp, Unix nanoseconds UTC
	Fields []Field
}

// Timestamp returns @timestamp as a UTC time.
func (e *Event) Timestamp() time.Time { return time.Unix(0, e.Time).UTC() }

// ID returns the event's identity: its store sequence number in hex, or ""
// before it is stored.
func (e *Event) ID() string {
	if e.Seq == 0 {
		return ""
	}
	return strconv.FormatUint(e.Seq, 16)
}

// Get returns the value of the named field. "@timestamp" is answered from
// Time and "event.id" from Seq.
func (e *Event) Get(name string) (Value, bool) {
	for i := range e.Fields {
		if e.Fields[i].Name == name {
			return e.Fields[i].Value, true
		}
	}
	switch name {
	case FieldTimestamp:
		return TimeNanos(e.Time), true
	case FieldID:
		if e.Seq != 0 {
			return String(e.ID()), true
		}
	}
	return Value{}, false
}

// GetString returns the text of the named field, or "".
func (e *Event) GetString(name string) string {
	v, ok := e.Get(name)
	if !ok {
		return ""
	}
	if v.typ == TypeString {
		return v.s
	}
	return v.Text()
}

// Set sets the named field, replacing an existing value. Setting "@timestamp"
// to a time value sets Time. A null value deletes the field.
func (e *Event) Set(name string, v Value) {
	if name == FieldTimestamp {
		if t, ok := v.Time(); ok {
			e.Time = t.UnixNano()
		}
		return
	}
	if v.typ == TypeNull {
		e.Delete(name)
		return
	}
	for i := range e.Fields {
		if e.Fields[i].Name == name {
			e.Fields[i].Value = v
			return
		}
	}
	e.Fields = append(e.Fields, Field{Name: name, Value: v})
}

// SetString sets a string field; an empty string leaves the event unchanged.
func (e *Event) SetString(name, s string) {
	if s != "" {
		e.Set(name, String(s))
	}
}

// Delete removes the named field if present.
func (e *Event) Delete(name string) {
	for i := range e.Fields {
		if e.Fields[i].Name == name {
			e.Fields = append(e.Fields[:i], e.Fields[i+1:]...)
			return
		}
	}
}

// Has reports whether the named field is set.
func (e *Event) Has(name string) bool {
	_, ok := e.Get(name)
	return ok
}

// Count returns how many received events this event stands for: event.count
// when aggregation folded several identical events into it, else 1.
func (e *Event) Count() int64 {
	if v, ok := e.Get(FieldCount); ok {
		if n, ok := v.Int(); ok && n > 0 {
			return n
		}
	}
	return 1
}

// Reset clears e for reuse, keeping the Fields backing array.
func (e *Event) Reset() {
	e.Seq, e.Time = 0, 0
	clear(e.Fields)
	e.Fields = e.Fields[:0]
}

// Clone returns a deep-enough copy: Fields is copied; values are immutable.
func (e *Event) Clone() *Event {
	c := *e
	c.Fields = append([]Field(nil), e.Fields...)
	return &c
}

// NewPipelineError builds the event that keeps an undecodable record: the raw
// bytes in event.original, the reason in error.message, received at created.
func NewPipelineError(raw []byte, reason string, created time.Time) *Event {
	created = created.UTC()
	e := &Event{Time: created.UnixNano()}
	e.Fields = append(e.Fields,
		Field{FieldKind, String(KindPipelineError)},
		Field{FieldCreated, Time(created)},
		Field{FieldOriginal, String(string(raw))},
		Field{FieldErrorMsg, String(reason)},
	)
	return e
}
