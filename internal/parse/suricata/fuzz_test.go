package suricata

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzEVE checks the decoder contract of Decode (parsetest.CheckDecode).
// Seeds: the golden inputs (plus testdata/fuzz/FuzzEVE).
func FuzzEVE(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.json")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, Decode, testMeta, rec)
	})
}
