package winxml

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// FuzzWinXML checks the decoder contract of Decode (no panic; the record
// kept exactly; each field set once, never null; positioned SyntaxErrors
// that leave no fields; determinism) and that DecodeAll does not panic.
// Seeds: the golden inputs (plus testdata/fuzz/FuzzWinXML).
func FuzzWinXML(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden") {
			continue
		}
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, l := range strings.Split(string(data), "\n") {
			f.Add([]byte(l))
		}
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > 64<<10 {
			return
		}
		DecodeAll(rec, testMeta, func(*event.Event) error { return nil })
		var ev event.Event
		err := Decode(rec, testMeta, &ev)
		if err != nil {
			if errors.Is(err, parse.ErrEmpty) {
				return
			}
			var se *parse.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *parse.SyntaxError", err)
			}
			if se.Offset < 0 || se.Offset > len(rec) {
				t.Fatalf("error offset %d outside the record of %d bytes", se.Offset, len(rec))
			}
			if len(ev.Fields) != 0 {
				t.Fatalf("failed decode left %d fields", len(ev.Fields))
			}
			return
		}
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
		var again event.Event
		if err := Decode(rec, testMeta, &again); err != nil || string(again.AppendJSON(nil)) != string(ev.AppendJSON(nil)) {
			t.Fatalf("second decode differs (err %v)", err)
		}
	})
}
