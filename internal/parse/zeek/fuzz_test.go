package zeek

import (
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzZeek checks the decoder contract of DecodeAll on whole inputs (no
// panic; every event keeps its line in event.original, sets each field once
// and never null; the ECS ip fields typed; determinism) and of Decode on
// the first line (parsetest.CheckDecode). Seeds: the golden inputs (plus
// testdata/fuzz/FuzzZeek).
func FuzzZeek(f *testing.F) {
	parsetest.AddGoldenFiles(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecodeAll(t, DecodeAll, testMeta, data)
		line, _, _ := strings.Cut(string(data), "\n")
		parsetest.CheckDecode(t, Decode, testMeta, []byte(line))
	})
}
