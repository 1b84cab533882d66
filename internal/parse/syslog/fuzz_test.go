package syslog

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzSyslog checks the decoder contract of Decode (parsetest.CheckDecode).
// Seeds: the golden inputs and typical auth.log lines (plus
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
	})
}
