package syslog

import (
	"path/filepath"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestDecodeFieldsRoom checks how Decode assembles the event, fresh (Fields
// sized by Decode) or with room: fields the event already had are kept,
// Fields has room for the fields the ingest pipeline adds, both ways give
// the same fields, and a failed decode leaves the event as it was.
func TestDecodeFieldsRoom(t *testing.T) {
	for _, line := range typicalAuthLog {
		ev := new(event.Event)
		ev.Fields = append(ev.Fields, event.Field{Name: "x", Value: event.Int(1)})
		if err := Decode(line, testMeta, ev); err != nil {
			t.Fatal(err)
		}
		roomy := &event.Event{Fields: make([]event.Field, 1, 64)}
		roomy.Fields[0] = event.Field{Name: "x", Value: event.Int(1)}
		if err := Decode(line, testMeta, roomy); err != nil {
			t.Fatal(err)
		}
		if len(roomy.Fields) != len(ev.Fields) || roomy.Time != ev.Time {
			t.Fatalf("%s: %d fields into an event with room, %d into a fresh one", line, len(roomy.Fields), len(ev.Fields))
		}
		for i, f := range ev.Fields {
			if g := roomy.Fields[i]; g.Name != f.Name || !event.Equal(g.Value, f.Value) {
				t.Errorf("%s: field %d: %s=%s with room, %s=%s fresh", line, i, g.Name, g.Value.Text(), f.Name, f.Value.Text())
			}
		}
		if room := cap(ev.Fields) - len(ev.Fields); room < pipelineFields {
			t.Errorf("%s: room for %d more fields, want %d", line, room, pipelineFields)
		}
		if ev.Fields[0].Name != "x" || !event.Equal(ev.Fields[0].Value, event.Int(1)) {
			t.Errorf("%s: first field %s=%s, want the event's own x=1", line, ev.Fields[0].Name, ev.Fields[0].Value.Text())
		}
		if !ev.Has(event.FieldOriginal) || !ev.Has(event.FieldHostName) {
			t.Errorf("%s: event.original or host.name missing", line)
		}
	}
	for _, c := range []int{1, 64} {
		ev := &event.Event{Fields: make([]event.Field, 1, c)}
		ev.Fields[0] = event.Field{Name: "x", Value: event.Int(1)}
		if err := Decode([]byte("<13>1 2026-11-21T10:00:00Z host app - - [bad"), testMeta, ev); err == nil {
			t.Fatal("no error for malformed structured data")
		}
		if len(ev.Fields) != 1 || ev.Time != 0 {
			t.Errorf("capacity %d: failed decode changed the event: %d fields, time %d", c, len(ev.Fields), ev.Time)
		}
	}
}

// TestDecodeSizesFieldsOnce checks the field estimate on the golden inputs:
// decoding into a fresh event allocates no more than into an event with
// plenty of room plus the one allocation of Fields (an estimate too low
// would grow Fields again).
func TestDecodeSizesFieldsOnce(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.log")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, file := range files {
		for i, line := range parsetest.ReadLines(t, file) {
			if err := Decode(line, testMeta, new(event.Event)); err != nil {
				continue
			}
			fresh := testing.AllocsPerRun(5, func() {
				Decode(line, testMeta, &event.Event{})
			})
			roomy := testing.AllocsPerRun(5, func() {
				Decode(line, testMeta, &event.Event{Fields: make([]event.Field, 0, 256)})
			})
			if fresh > roomy {
				t.Errorf("%s:%d: %v allocations into a fresh event, %v into one with room (with its Fields): Fields grew past the estimate", file, i+1, fresh, roomy)
			}
		}
	}
}
