package winxml

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

// TestParserReuse checks that parsers kept from document to document (and
// their arenas, and Record.Data) leave nothing behind: each golden event
// decodes the same after any other, and after one too large to be kept.
func TestParserReuse(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "events.log"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	var big strings.Builder
	big.WriteString(`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>1</EventID><TimeCreated SystemTime="2026-01-02T03:04:05Z"/></System><EventData>`)
	for i := range 2 * maxKeptNodes {
		big.WriteString(`<Data Name="F` + strconv.Itoa(i) + `">v</Data>`)
	}
	big.WriteString(`</EventData></Event>`)
	decode := func(s string) string {
		var ev event.Event
		if err := Decode([]byte(s), testMeta, &ev); err != nil {
			return "error: " + err.Error()
		}
		return string(ev.AppendJSON(nil))
	}
	want := make([]string, len(lines))
	for i, l := range lines {
		want[i] = decode(l)
	}
	for i := range lines {
		for _, before := range []string{lines[(i+1)%len(lines)], big.String(), "<Event><System></Event>"} {
			decode(before)
			if got := decode(lines[i]); got != want[i] {
				t.Errorf("line %d decodes differently after %.40q:\n got %s\nwant %s", i+1, before, got, want[i])
			}
		}
	}
	if got := decode(big.String()); !strings.Contains(got, `"winlog.event_data.F2047":"v"`) {
		t.Errorf("large event lost data: %.200s", got)
	}
}
