package k8saudit

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzK8sAudit runs Decode on arbitrary lines. Seeds: the golden inputs
// (plus testdata/fuzz/FuzzK8sAudit).
func FuzzK8sAudit(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, Decode, testMeta, rec)
		Detect(rec)
	})
}
