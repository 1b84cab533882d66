package weblog

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// BenchmarkDecodeAccess decodes the golden access-log lines (common,
// combined, vhost).
func BenchmarkDecodeAccess(b *testing.B) {
	parsetest.BenchmarkLines(b, DecodeApache, testMeta, parsetest.GoldenLines(b, DecodeApache, testMeta, "testdata/golden/apache_access.log"))
}

// BenchmarkDecodeApacheError decodes the loghub Apache error-log sample.
func BenchmarkDecodeApacheError(b *testing.B) {
	parsetest.BenchmarkLines(b, DecodeApache, testMeta, parsetest.ReadLines(b, parsetest.SharedData(b, loghubApache)))
}

// BenchmarkDecodeNginx decodes the golden nginx lines (access and error).
func BenchmarkDecodeNginx(b *testing.B) {
	parsetest.BenchmarkLines(b, DecodeNginx, testMeta, parsetest.GoldenLines(b, DecodeNginx, testMeta, "testdata/golden/nginx.log"))
}
