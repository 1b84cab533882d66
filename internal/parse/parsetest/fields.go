package parsetest

import (
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

// Absent is what Field gives for a field the event does not have, and what
// a want table of CheckFields holds for a field that must be missing.
const Absent = "<absent>"

// Field renders the value of the named field of ev as JSON
// (event.Value.AppendJSON: `"text"`, `42`, `["a","b"]` …), or Absent.
func Field(ev *event.Event, name string) string {
	v, ok := ev.Get(name)
	if !ok {
		return Absent
	}
	return string(v.AppendJSON(nil))
}

// CheckFields checks, in the order of their names, that each field named
// in want renders as its value there (Field; Absent for a field that must
// be missing), reporting every one that differs. Fields of ev not named
// in want are not checked.
func CheckFields(t testing.TB, ev *event.Event, want map[string]string) {
	t.Helper()
	for _, name := range sortedKeys(want) {
		if got := Field(ev, name); got != want[name] {
			t.Errorf("%s = %s, want %s", name, got, want[name])
		}
	}
}
