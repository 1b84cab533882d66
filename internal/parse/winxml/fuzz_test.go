package winxml

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzWinXML checks the decoder contract of Decode (parsetest.CheckDecode:
// no panic; the record kept exactly; each field set once, never null;
// positioned SyntaxErrors that leave no fields; determinism) and of
// DecodeAll (parsetest.CheckDecodeAll). Seeds: the golden inputs, whole
// and line by line (plus testdata/fuzz/FuzzWinXML).
func FuzzWinXML(f *testing.F) {
	for _, pattern := range []string{"testdata/golden/*.log", "testdata/golden/*.xml"} {
		parsetest.AddGoldenFiles(f, pattern)
		parsetest.AddGoldenSeeds(f, pattern)
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecodeAll(t, DecodeAll, testMeta, rec)
		parsetest.CheckDecode(t, Decode, testMeta, rec)
	})
}
