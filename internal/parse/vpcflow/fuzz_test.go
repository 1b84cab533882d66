package vpcflow

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzVPCFlow runs Decode on arbitrary lines and DecodeAll on arbitrary
// files. Seeds: the golden inputs (plus testdata/fuzz/FuzzVPCFlow).
func FuzzVPCFlow(f *testing.F) {
	parsetest.AddGoldenFiles(f, "testdata/golden/*.log")
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, Decode, testMeta, rec)
		Detect(rec)
		parsetest.CheckDecodeAll(t, DecodeAll, testMeta, rec)
	})
}
