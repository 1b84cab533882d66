package weblog_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/weblog"
)

// squidCommonLog is a line of the Squid golden input in the common log
// format, which Squid shares with Apache.
const squidCommonLog = `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`

// TestDetectOthers checks that DetectApache and DetectNginx give 0 to the
// records of every other format (each other's included).
func TestDetectOthers(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{weblog.Apache: weblog.DetectApache, weblog.Nginx: weblog.DetectNginx},
		squidCommonLog)
}

// TestFormatsDetect checks that formats.Detect picks apache and nginx for
// their typical records, and apache for the golden Apache lines that
// decode. (The nginx golden input holds access lines in the combined
// format, which is Apache's: those are detected as apache.)
func TestFormatsDetect(t *testing.T) {
	parsetest.DetectPicks(t, formats.Detect, weblog.Apache, parsetest.Samples()[weblog.Apache])
	parsetest.DetectPicks(t, formats.Detect, weblog.Apache, parsetest.GoldenLines(t, weblog.DecodeApache, nil, "testdata/golden/apache*.log"))
	parsetest.DetectPicks(t, formats.Detect, weblog.Nginx, parsetest.Samples()[weblog.Nginx])
}
