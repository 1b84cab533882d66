package query

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzEvents is a small data set the fuzzer runs every parsed query over.
var fuzzEvents = func() *SliceSearcher {
	data, err := os.ReadFile("testdata/pipes.golden")
	if err != nil {
		panic(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "{") {
			lines = append(lines, l)
		}
	}
	events, err := loadNDJSON(strings.Join(lines, "\n"))
	if err != nil {
		panic(err)
	}
	return NewSliceSearcher(events)
}()

// FuzzParse checks that Parse never panics, that its errors are
// *ParseErrors with a position inside the query, that a parsed query
// prints to a String that parses back to the same String, and that running
// any parsed query does not panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.golden")
	for _, file := range files {
		for _, q := range goldenQueries(f, file) {
			f.Add(q)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return
		}
		q, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T %v, want *ParseError", s, err, err)
			}
			if pe.Pos < 0 || pe.Pos > len(s) {
				t.Fatalf("Parse(%q) error position %d outside [0,%d]", s, pe.Pos, len(s))
			}
			_ = err.Error()
			return
		}
		s1 := q.String()
		q2, err := Parse(s1)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, s1, err)
		}
		if s2 := q2.String(); s2 != s1 {
			t.Fatalf("round trip of %q:\n%q\n%q", s, s1, s2)
		}
		res, err := Run(context.Background(), fuzzEvents, q, Options{Limit: 5, MaxGroups: 50})
		if err == nil {
			_ = formatResult(res, false)
		}
	})
}

// goldenQueries returns the query texts of a golden file.
func goldenQueries(tb testing.TB, path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "query") && !strings.HasPrefix(lines[i], "parse") {
			continue
		}
		var body []string
		for i++; i < len(lines) && lines[i] != "----"; i++ {
			body = append(body, lines[i])
		}
		out = append(out, strings.Join(body, "\n"))
	}
	return out
}

// TestGoldenRoundTrip checks the printing property of FuzzParse over every
// golden query, in the normal test run.
func TestGoldenRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.golden")
	for _, file := range files {
		for _, s := range goldenQueries(t, file) {
			q, err := Parse(s)
			if err != nil {
				continue
			}
			s1 := q.String()
			q2, err := Parse(s1)
			if err != nil {
				t.Errorf("%q prints as %q, which does not parse: %v", s, s1, err)
				continue
			}
			if s2 := q2.String(); s2 != s1 {
				t.Errorf("%q prints as %q, then %q", s, s1, s2)
			}
		}
	}
}
