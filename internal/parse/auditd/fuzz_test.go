package auditd

import (
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzAuditd checks the decoder contract of Decode on the first line of
// the input (parsetest.CheckDecode) and of DecodeAll on the whole input
// (parsetest.CheckDecodeAll: the lines of each joined event's
// event.original are lines of the input). Seeds: the golden input (plus
// testdata/fuzz/FuzzAuditd).
func FuzzAuditd(f *testing.F) {
	parsetest.AddGoldenFiles(f, "testdata/golden/*.log")
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > parsetest.MaxFuzzInput {
			return
		}
		line, _, _ := strings.Cut(string(data), "\n")
		parsetest.CheckDecode(t, Decode, testMeta, []byte(line))
		parsetest.CheckDecodeAll(t, DecodeAll, testMeta, data)
	})
}
