package vcenter

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// BenchmarkDecode decodes the golden vpxd and hostd lines (events and plain
// lines).
func BenchmarkDecode(b *testing.B) {
	parsetest.BenchmarkLines(b, Decode, testMeta, parsetest.GoldenLines(b, Decode, testMeta, "testdata/golden/vcenter.log"))
}
