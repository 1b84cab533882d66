package proxifier

import (
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestLoghub decodes every line of the loghub Proxifier sample and compares
// time, program and content with the _structured.csv ground truth.
func TestLoghub(t *testing.T) {
	lines, rows := parsetest.Loghub(t, "loghub/Proxifier/Proxifier_2k.log") // rows: LineId,Time,Program,Content,EventId,EventTemplate
	meta := &parse.Meta{Received: time.Date(2016, 11, 15, 0, 0, 0, 0, time.UTC), Location: time.UTC}
	var ev event.Event
	for i, l := range lines {
		ev.Reset()
		if err := Decode([]byte(l), meta, &ev); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		want, err := time.Parse("2006 01.02 15:04:05", "2016 "+rows[i][1])
		if err != nil {
			t.Fatal(err)
		}
		if !ev.Timestamp().Equal(want) {
			t.Errorf("line %d: @timestamp %v, want %v", i+1, ev.Timestamp(), want)
		}
		if got, want := ev.GetString("process.name"), strings.TrimSuffix(rows[i][2], " *64"); got != want {
			t.Errorf("line %d: process.name %q, want %q", i+1, got, want)
		}
		if got, want := ev.GetString(event.FieldMessage), strings.TrimSpace(rows[i][3]); strings.TrimSpace(got) != want {
			t.Errorf("line %d: message %q, want %q", i+1, got, want)
		}
		if Detect([]byte(l)) == 0 {
			t.Errorf("line %d: Detect = 0", i+1)
		}
	}
}
