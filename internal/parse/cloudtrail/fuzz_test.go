package cloudtrail

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzCloudTrail checks the decoder contract of Decode on the input as one
// record (parsetest.CheckDecode) and of DecodeAll on it as a whole input
// (parsetest.CheckDecodeAll). Seeds: the golden inputs (plus
// testdata/fuzz/FuzzCloudTrail).
func FuzzCloudTrail(f *testing.F) {
	parsetest.AddGoldenFiles(f, "testdata/golden/*.*json")
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.*json")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, Decode, testMeta, rec)
		Detect(rec)
		parsetest.CheckDecodeAll(t, DecodeAll, testMeta, rec)
	})
}
