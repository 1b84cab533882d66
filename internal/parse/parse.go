// Package parse defines what a log format is to Shoseki: a named decoder
// from raw record bytes to a normalized event, with a detector used for
// auto-detection. Decoders live in parse/<format>; the table of formats is
// in parse/formats, written out explicitly (no init side effects).
//
// Contract for every decoder:
//   - Decode is a pure function of (record, meta): no I/O, no globals, safe
//     for concurrent use on different events.
//   - It never panics on any input and never allocates in proportion to a
//     length field it has not checked against the bytes actually present.
//   - On success it has filled ev (which the caller reset): Time (@timestamp,
//     UTC), event.created from meta.Received, event.original holding the
//     record bytes exactly, and every ECS field it can.
//   - On failure it returns an error saying what is wrong and where; the
//     caller then keeps the record as a pipeline_error event.
package parse

import (
	"errors"
	"fmt"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// Meta describes where and when a record was received.
type Meta struct {
	Received time.Time      // receive time, becomes event.created
	Input    string         // the input that received it: "syslog-udp", "syslog-tcp", "http", "file"
	Peer     string         // the sender's address (host:port) when known
	Location *time.Location // zone for timestamps that carry none; nil means time.Local
	// HostZones overrides Location for records whose header names one of
	// these hosts (a source whose clock runs in another zone).
	HostZones map[string]*time.Location
}

// HostLoc returns the zone configured for host, or nil.
func (m *Meta) HostLoc(host string) *time.Location {
	if m == nil || len(m.HostZones) == 0 {
		return nil
	}
	return m.HostZones[host]
}

// Loc returns the zone for zone-less timestamps.
func (m *Meta) Loc() *time.Location {
	if m == nil || m.Location == nil {
		return time.Local
	}
	return m.Location
}

// Format is one log format.
type Format struct {
	Name        string
	Description string
	// Detect scores how likely a record is of this format, 0 (no) to 100
	// (certain). It must be cheap: it runs on samples during auto-detection.
	Detect func(record []byte) int
	// Decode decodes one record (a line or a datagram, without its line
	// terminator) into ev.
	Decode func(record []byte, meta *Meta, ev *event.Event) error
	// DecodeAll, when set, marks a whole-input format: one whose records
	// are not lines (an EVTX file, a CloudTrail S3 object
	// {"Records":[…]}). It decodes a whole file or request body and calls
	// emit with each event (a fresh one each time; emit owns it). Records it
	// cannot decode are emitted as pipeline_error events, not returned as
	// errors; an error means the input as a whole is unreadable. Detect is
	// then given the first bytes of the input (up to 4 KiB).
	DecodeAll func(data []byte, meta *Meta, emit func(*event.Event) error) error
}

// WholeInput reports whether f decodes whole inputs rather than lines.
func (f *Format) WholeInput() bool { return f.DecodeAll != nil }

// ErrEmpty is returned for a record with nothing in it (blank line); callers
// skip such records rather than keeping them as errors.
var ErrEmpty = errors.New("empty record")

// SyntaxError is a decoding error at a byte offset of the record.
type SyntaxError struct {
	Format string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s: %s at byte %d", e.Format, e.Msg, e.Offset)
}

// SetCommon sets what every decoder sets the same way: event.created from
// meta and event.original from the record bytes.
func SetCommon(ev *event.Event, record []byte, meta *Meta) {
	if meta != nil && !meta.Received.IsZero() {
		ev.Set(event.FieldCreated, event.Time(meta.Received))
	}
	ev.Set(event.FieldOriginal, event.String(string(record)))
}
