package vpcflow

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// BenchmarkDecode decodes the decodable golden lines one by one.
func BenchmarkDecode(b *testing.B) {
	parsetest.BenchmarkLines(b, Decode, testMeta, parsetest.GoldenLines(b, Decode, testMeta, "testdata/golden/*.log"))
}
