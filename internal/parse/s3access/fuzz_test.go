package s3access

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzS3Access runs Decode on arbitrary lines. Seeds: the golden inputs
// (plus testdata/fuzz/FuzzS3Access).
func FuzzS3Access(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, Decode, testMeta, rec)
		Detect(rec)
	})
}
