package cloudtrail

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// FuzzCloudTrail checks that Decode and DecodeAll never panic, that Decode
// keeps the record exactly, sets each field once, leaves no fields behind
// on error and is deterministic, and that DecodeAll emits only events with
// an event.original. Seeds: the golden inputs (plus
// testdata/fuzz/FuzzCloudTrail).
func FuzzCloudTrail(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.*json"))
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, line := range strings.Split(string(data), "\n") {
			f.Add([]byte(line))
		}
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > 64<<10 {
			return
		}
		var ev event.Event
		err := Decode(rec, testMeta, &ev)
		if err != nil {
			if !errors.Is(err, parse.ErrEmpty) && len(ev.Fields) != 0 {
				t.Fatalf("failed decode left %d fields", len(ev.Fields))
			}
		} else {
			if got := ev.GetString(event.FieldOriginal); got != string(rec) {
				t.Fatalf("event.original %q differs from the record", got)
			}
			seen := map[string]bool{}
			for _, fl := range ev.Fields {
				if seen[fl.Name] {
					t.Fatalf("field %q set twice", fl.Name)
				}
				seen[fl.Name] = true
				if fl.Value.IsNull() {
					t.Fatalf("field %q is null", fl.Name)
				}
			}
			if v, ok := ev.Get(event.FieldSourceIP); ok && v.Type() != event.TypeIP {
				t.Fatalf("source.ip has type %v", v.Type())
			}
			var again event.Event
			if err := Decode(rec, testMeta, &again); err != nil || string(again.AppendJSON(nil)) != string(ev.AppendJSON(nil)) {
				t.Fatalf("second decode differs (err %v)", err)
			}
		}
		_ = DecodeAll(rec, testMeta, func(ev *event.Event) error {
			if !ev.Has(event.FieldOriginal) {
				t.Fatalf("DecodeAll emitted an event without event.original")
			}
			return nil
		})
	})
}
