package awslb

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzAWSLB runs both decoders on arbitrary lines (parsetest.CheckDecode).
// Seeds: the golden inputs (plus testdata/fuzz/FuzzAWSLB).
func FuzzAWSLB(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, DecodeALB, testMeta, rec)
		parsetest.CheckDecode(t, DecodeELB, testMeta, rec)
		DetectALB(rec)
		DetectELB(rec)
	})
}
