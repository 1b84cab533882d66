package suricata

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// BenchmarkDecodeEVE decodes the golden EVE records (alert, dns, http,
// tls, flow, fileinfo, anomaly, stats, ssh; about 600 bytes each).
func BenchmarkDecodeEVE(b *testing.B) {
	parsetest.BenchmarkLines(b, Decode, testMeta, parsetest.GoldenLines(b, Decode, testMeta, "testdata/golden/eve.json"))
}
