package vcenter

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// addGoldenSeeds adds every line of the golden inputs as a seed.
func addGoldenSeeds(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.log"))
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			f.Add([]byte(line))
		}
	}
}

// checkDecode checks the decoder contract on one record: no panic, the
// record kept exactly, each field set once and never null, typed IPs,
// positioned SyntaxErrors that leave no fields behind, determinism.
func checkDecode(t *testing.T, decode func([]byte, *parse.Meta, *event.Event) error, rec []byte) {
	var ev event.Event
	err := decode(rec, testMeta, &ev)
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
	for _, name := range []string{"source.ip", "destination.ip", "observer.ip"} {
		if v, ok := ev.Get(name); ok && v.Type() != event.TypeIP {
			t.Fatalf("%s has type %v", name, v.Type())
		}
	}
	var again event.Event
	if err := decode(rec, testMeta, &again); err != nil || string(again.AppendJSON(nil)) != string(ev.AppendJSON(nil)) {
		t.Fatalf("second decode differs (err %v)", err)
	}
}

// FuzzVCenter checks the decoder contract of Decode. Seeds: the golden
// inputs (plus testdata/fuzz/FuzzVCenter).
func FuzzVCenter(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > 64<<10 {
			return
		}
		checkDecode(t, Decode, rec)
	})
}
