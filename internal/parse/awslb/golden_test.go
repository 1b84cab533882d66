package awslb

import (
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

var testMeta = &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}

// TestGolden decodes every line of testdata/golden/alb*.log (with
// DecodeALB) and elb*.log (with DecodeELB) and compares the events with the
// .golden file beside each. Run with -rewrite to regenerate, then review
// the diff.
func TestGolden(t *testing.T) {
	parsetest.Golden(t, DecodeALB, testMeta, "testdata/golden/alb*.log")
	parsetest.Golden(t, DecodeELB, testMeta, "testdata/golden/elb*.log")
}
