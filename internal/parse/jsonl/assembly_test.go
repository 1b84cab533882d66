package jsonl

import (
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

// TestDecodeStringOptions checks that DecodeString decodes what Decode does,
// without event.created and event.original under NoCommon, and that Fields
// is allocated with room for the caller's Extra fields.
func TestDecodeStringOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"common", Options{}},
		{"no common", Options{NoCommon: true}},
		{"extra", Options{Extra: 20, NoCommon: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want, got event.Event
			if err := Decode([]byte(cloudTrailLike), testMeta, &want); err != nil {
				t.Fatal(err)
			}
			if err := DecodeString(cloudTrailLike, testMeta, &got, tc.opts); err != nil {
				t.Fatal(err)
			}
			if tc.opts.NoCommon {
				want.Delete(event.FieldCreated)
				want.Delete(event.FieldOriginal)
			}
			if got.Time != want.Time || len(got.Fields) != len(want.Fields) {
				t.Fatalf("got time %d and %d fields, want %d and %d", got.Time, len(got.Fields), want.Time, len(want.Fields))
			}
			for i, f := range want.Fields {
				if g := got.Fields[i]; g.Name != f.Name || !event.Equal(g.Value, f.Value) {
					t.Errorf("field %d: got %s=%s, want %s=%s", i, g.Name, g.Value.Text(), f.Name, f.Value.Text())
				}
			}
			if room := cap(got.Fields) - len(got.Fields); room < tc.opts.Extra {
				t.Errorf("room for %d more fields, want %d", room, tc.opts.Extra)
			}
		})
	}
}

// TestDecodeFieldsRoom checks that Decode leaves room in Fields for the
// fields the ingest pipeline adds, and keeps fields the event already had.
func TestDecodeFieldsRoom(t *testing.T) {
	var ev event.Event
	ev.Fields = append(ev.Fields, event.Field{Name: "x", Value: event.Int(1)})
	if err := Decode([]byte(ecsDoc), testMeta, &ev); err != nil {
		t.Fatal(err)
	}
	if room := cap(ev.Fields) - len(ev.Fields); room < pipelineFields {
		t.Errorf("room for %d more fields, want %d", room, pipelineFields)
	}
	if ev.Fields[0].Name != "x" || !event.Equal(ev.Fields[0].Value, event.Int(1)) {
		t.Errorf("first field %s=%s, want the event's own x=1", ev.Fields[0].Name, ev.Fields[0].Value.Text())
	}
}

// TestArraysIndependent checks that the array values of an event, which
// share one backing array, do not overlap: each is capped at its length,
// so appending to one cannot write into the next.
func TestArraysIndependent(t *testing.T) {
	ev := decode(t, `{"a":[1,2],"r":[{"x":"p","y":"q"},{"x":"s"}],"b":["c"]}`)
	want := map[string]string{"a": "1, 2", "r.x": "p, s", "r.y": "q", "b": "c"}
	for name, text := range want {
		v, ok := ev.Get(name)
		if !ok || v.Type() != event.TypeArray {
			t.Fatalf("%s: %v, want an array", name, v)
		}
		if v.Text() != text {
			t.Errorf("%s = %q, want %q", name, v.Text(), text)
		}
		if el := v.Elems(); cap(el) != len(el) {
			t.Errorf("%s: elements have capacity %d for length %d", name, cap(el), len(el))
		}
	}
	// A second decode reuses the pooled accumulators: the first event's
	// arrays must not change.
	decode(t, `{"a":[7,8,9],"r":[{"x":"z"}],"b":["d","e"]}`)
	for name, text := range want {
		if v, _ := ev.Get(name); v.Text() != text {
			t.Errorf("after another decode, %s = %q, want %q", name, v.Text(), text)
		}
	}
}
