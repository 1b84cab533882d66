package syslog

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

// FuzzSyslog checks that Decode never panics, keeps the record exactly,
// sets each field once, reports errors as positioned SyntaxErrors that
// leave no fields behind, and is deterministic. Seeds: the golden inputs
// and typical auth.log lines (plus testdata/fuzz/FuzzSyslog).
func FuzzSyslog(f *testing.F) {
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
	for _, l := range typicalAuthLog {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > 64<<10 {
			return
		}
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
		if v, ok := ev.Get(event.FieldSourceIP); ok && v.Type() != event.TypeIP {
			t.Fatalf("source.ip has type %v", v.Type())
		}
		if utf8.Valid(rec) && !utf8.ValidString(ev.GetString(event.FieldMessage)) {
			t.Fatalf("valid UTF-8 record gave an invalid message")
		}
		var again event.Event
		if err := Decode(rec, testMeta, &again); err != nil || string(again.AppendJSON(nil)) != string(ev.AppendJSON(nil)) {
			t.Fatalf("second decode differs (err %v)", err)
		}
	})
}
