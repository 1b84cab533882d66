package syslog

import (
	"bytes"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzSyslog checks the decoder contract of Decode (parsetest.CheckDecode)
// and that an event with room in Fields gets the same fields as a fresh one
// (whose Fields Decode sizes). Seeds: the golden inputs and typical auth.log lines (plus
// testdata/fuzz/FuzzSyslog).
func FuzzSyslog(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	for _, l := range typicalAuthLog {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, Decode, testMeta, rec)
		var fresh event.Event
		roomy := event.Event{Fields: make([]event.Field, 0, 64)}
		err1, err2 := Decode(rec, testMeta, &fresh), Decode(rec, testMeta, &roomy)
		if (err1 == nil) != (err2 == nil) || !bytes.Equal(fresh.AppendJSON(nil), roomy.AppendJSON(nil)) {
			t.Fatalf("fresh and roomy events differ (errors %v, %v)", err1, err2)
		}
	})
}
