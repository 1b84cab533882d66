package winxml

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// BenchmarkDecode decodes the golden one-a-line events (Security 4624,
// Sysmon 1, UserData 1102, System 7045, unnamed Data; about 1.5 KB each).
func BenchmarkDecode(b *testing.B) {
	lines := parsetest.GoldenLines(b, Decode, testMeta, "testdata/golden/events.log")
	parsetest.BenchmarkLines(b, Decode, testMeta, lines)
}
