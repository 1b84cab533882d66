package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzJSON checks Decode against encoding/json: it never panics, accepts
// exactly the valid JSON objects (within MaxDepth and MaxFields), reports
// errors as positioned SyntaxErrors, sets each field once, and gives
// top-level string members their encoding/json value. Seeds: the golden
// inputs and the unit cases (plus testdata/fuzz/FuzzJSON).
func FuzzJSON(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.ndjson")
	for _, s := range []string{cloudTrailLike, ecsDoc, `{"a":[[{"b":[1,{"c":2}]}]],"a.b":[3]}`, `{"s":"\ud800\udc00\ud800"}`, `{"n":-0.0e+0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		var ev event.Event
		err := Decode(rec, testMeta, &ev)
		body := bytes.TrimPrefix(rec, []byte("\xef\xbb\xbf"))
		trimmed := bytes.TrimSpace(body)
		valid := json.Valid(body) && len(trimmed) > 0 && trimmed[0] == '{'
		if err != nil {
			if errors.Is(err, parse.ErrEmpty) {
				if len(trimmed) != 0 {
					t.Fatalf("ErrEmpty for a non-blank record")
				}
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
			limit := strings.Contains(se.Msg, "nesting deeper") || strings.Contains(se.Msg, "fields")
			if valid && !limit {
				t.Fatalf("valid JSON object rejected: %v", err)
			}
			return
		}
		if !valid {
			t.Fatalf("invalid JSON accepted")
		}
		seen := map[string]bool{}
		for _, fl := range ev.Fields {
			if seen[fl.Name] {
				t.Fatalf("field %q set twice", fl.Name)
			}
			seen[fl.Name] = true
			if fl.Value.IsNull() || fl.Name == event.FieldTimestamp {
				t.Fatalf("field %q kept (null or @timestamp)", fl.Name)
			}
		}
		// Top-level string members, when no other member can flatten to the
		// same name, keep encoding/json's value.
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		dotted := false
		for k := range m {
			dotted = dotted || strings.Contains(k, ".")
		}
		if dotted {
			return
		}
		for k, v := range m {
			s, ok := v.(string)
			if !ok || k == "ip" || k == event.FieldTimestamp || strings.ContainsRune(s, utf8.RuneError) || strings.ContainsRune(k, utf8.RuneError) {
				continue
			}
			if got, ok := ev.Get(k); !ok || got.Type() != event.TypeString || got.Str() != s {
				t.Fatalf("member %q = %v, encoding/json says %q", k, got, s)
			}
		}
	})
}
