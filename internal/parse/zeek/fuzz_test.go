package zeek

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// FuzzZeek checks the decoder contract of DecodeAll on whole inputs (no
// panic; every event keeps its line in event.original, sets each field once
// and never null; source.ip typed; determinism) and of Decode on the first
// line. Seeds: the golden inputs (plus testdata/fuzz/FuzzZeek).
func FuzzZeek(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.log"))
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		var out []string
		err := DecodeAll(data, testMeta, func(ev *event.Event) error {
			orig := ev.GetString(event.FieldOriginal)
			if !strings.Contains(string(data), orig) {
				t.Fatalf("event.original %q is not part of the input", orig)
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
			for _, name := range []string{"source.ip", "destination.ip"} {
				if v, ok := ev.Get(name); ok && v.Type() != event.TypeIP {
					t.Fatalf("%s has type %v", name, v.Type())
				}
			}
			out = append(out, string(ev.AppendJSON(nil)))
			return nil
		})
		var again []string
		err2 := DecodeAll(data, testMeta, func(ev *event.Event) error {
			again = append(again, string(ev.AppendJSON(nil)))
			return nil
		})
		if (err == nil) != (err2 == nil) || strings.Join(out, "\n") != strings.Join(again, "\n") {
			t.Fatalf("second decode differs")
		}
		line, _, _ := strings.Cut(string(data), "\n")
		var ev event.Event
		if err := Decode([]byte(line), testMeta, &ev); err != nil {
			var se *parse.SyntaxError
			if !errors.Is(err, parse.ErrEmpty) && !errors.As(err, &se) {
				t.Fatalf("Decode error %v is not a *parse.SyntaxError", err)
			}
			if len(ev.Fields) != 0 {
				t.Fatalf("failed decode left %d fields", len(ev.Fields))
			}
		} else if ev.GetString(event.FieldOriginal) != line {
			t.Fatalf("event.original differs from the line")
		}
	})
}
