package vcenter

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzVCenter checks the decoder contract of Decode (parsetest.CheckDecode).
// Seeds: the golden inputs (plus testdata/fuzz/FuzzVCenter).
func FuzzVCenter(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, Decode, testMeta, rec)
	})
}
