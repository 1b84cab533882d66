package auditd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// checkEvent checks what every decoded event must satisfy: each field set
// once and never null, source.ip typed.
func checkEvent(t *testing.T, ev *event.Event) {
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
}

// FuzzAuditd checks the decoder contract of Decode on the first line and
// of DecodeAll on the whole input: no panic, event.original kept (the line;
// for joined events, lines of the input), positioned SyntaxErrors that
// leave no fields, determinism. Seeds: the golden input (plus
// testdata/fuzz/FuzzAuditd).
func FuzzAuditd(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.log"))
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, l := range strings.Split(string(data), "\n") {
			f.Add([]byte(l))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		line, _, _ := strings.Cut(string(data), "\n")
		var ev event.Event
		if err := Decode([]byte(line), testMeta, &ev); err != nil {
			var se *parse.SyntaxError
			if !errors.Is(err, parse.ErrEmpty) && !errors.As(err, &se) {
				t.Fatalf("error %v is not a *parse.SyntaxError", err)
			}
			if se != nil && (se.Offset < 0 || se.Offset > len(line)) {
				t.Fatalf("offset %d outside the line", se.Offset)
			}
			if len(ev.Fields) != 0 {
				t.Fatalf("failed decode left %d fields", len(ev.Fields))
			}
		} else {
			if ev.GetString(event.FieldOriginal) != line {
				t.Fatalf("event.original differs from the line")
			}
			checkEvent(t, &ev)
		}
		var out, again []string
		DecodeAll(data, testMeta, func(ev *event.Event) error {
			for _, l := range strings.Split(ev.GetString(event.FieldOriginal), "\n") {
				if !strings.Contains(string(data), l) {
					t.Fatalf("event.original line %q is not in the input", l)
				}
			}
			checkEvent(t, ev)
			out = append(out, string(ev.AppendJSON(nil)))
			return nil
		})
		DecodeAll(data, testMeta, func(ev *event.Event) error {
			again = append(again, string(ev.AppendJSON(nil)))
			return nil
		})
		if strings.Join(out, "\n") != strings.Join(again, "\n") {
			t.Fatal("second DecodeAll differs")
		}
	})
}
