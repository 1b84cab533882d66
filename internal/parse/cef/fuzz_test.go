package cef

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzCEF checks the decoder contract of Decode (parsetest.CheckDecode).
// Seeds: the golden inputs (plus testdata/fuzz/FuzzCEF).
func FuzzCEF(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, Decode, testMeta, rec)
	})
}

// FuzzLEEF checks the decoder contract of DecodeLEEF. Seeds: the golden
// inputs (plus testdata/fuzz/FuzzLEEF).
func FuzzLEEF(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, DecodeLEEF, testMeta, rec)
	})
}
