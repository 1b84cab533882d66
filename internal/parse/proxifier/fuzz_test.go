package proxifier

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzProxifier runs Decode on arbitrary lines. Seeds: the golden inputs
// (plus testdata/fuzz/FuzzProxifier).
func FuzzProxifier(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, Decode, testMeta, rec)
		Detect(rec)
	})
}
