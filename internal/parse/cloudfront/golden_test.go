package cloudfront

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

var testMeta = &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}

// TestGolden decodes every line of testdata/golden/*.log and compares the
// events (event.AppendJSON, one a line; "error: ..." for a failed line)
// with the .golden file beside it. Run with -rewrite to regenerate, then
// review the diff.
func TestGolden(t *testing.T) {
	parsetest.Golden(t, Decode, testMeta, "testdata/golden/*.log")
}

// TestDecodeAllCustomFields decodes testdata/golden/custom.json (a file with
// its own #Fields selection) whole and compares with custom.golden.
func TestDecodeAllCustomFields(t *testing.T) {
	parsetest.GoldenAll(t, DecodeAll, testMeta, "testdata/golden/custom.json")
}

// TestDecodeAllDefault checks that DecodeAll of the golden log gives the
// same events as Decode line by line (whose header is the default).
func TestDecodeAllDefault(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "cloudfront.log"))
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	DecodeAll(data, testMeta, func(ev *event.Event) error {
		if ev.GetString(event.FieldKind) != event.KindPipelineError {
			all = append(all, string(ev.AppendJSON(nil)))
		}
		return nil
	})
	var one []string
	for _, l := range strings.Split(string(data), "\n") {
		var ev event.Event
		if Decode([]byte(l), testMeta, &ev) == nil {
			one = append(one, string(ev.AppendJSON(nil)))
		}
	}
	if len(all) != 4 || strings.Join(all, "\n") != strings.Join(one, "\n") {
		t.Errorf("DecodeAll gave %d events, Decode %d, or they differ", len(all), len(one))
	}
}
