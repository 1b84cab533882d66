package cbs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// ecsIP are the ECS fields that must hold IP values.
var ecsIP = map[string]bool{"source.ip": true, "destination.ip": true, "related.ip": true, "host.ip": true,
	"client.ip": true, "server.ip": true}

// checkDecode checks what every decode must guarantee: no panic, the
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
		if ecsIP[fl.Name] {
			vs := []event.Value{fl.Value}
			if fl.Value.Type() == event.TypeArray {
				vs = fl.Value.Elems()
			}
			for _, v := range vs {
				if v.Type() != event.TypeIP {
					t.Fatalf("%s holds a %v", fl.Name, v.Type())
				}
			}
		}
	}
	if utf8.Valid(rec) && !utf8.ValidString(ev.GetString(event.FieldMessage)) {
		t.Fatalf("valid UTF-8 record gave an invalid message")
	}
	var again event.Event
	if err := decode(rec, testMeta, &again); err != nil || string(again.AppendJSON(nil)) != string(ev.AppendJSON(nil)) {
		t.Fatalf("second decode differs (err %v)", err)
	}
}

func addSeeds(f *testing.F) {
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

// FuzzCBS runs Decode on arbitrary lines. Seeds: the golden inputs (plus
// testdata/fuzz/FuzzCBS).
func FuzzCBS(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > 64<<10 {
			return
		}
		checkDecode(t, Decode, rec)
		Detect(rec)
	})
}
