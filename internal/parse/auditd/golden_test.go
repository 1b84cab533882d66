package auditd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestGolden decodes every line of testdata/golden/*.log with Decode and
// compares the events (one a line, "error: ..." for a failed line) with the
// .golden file beside it. Run with -rewrite to regenerate, then review the
// diff.
func TestGolden(t *testing.T) {
	parsetest.Golden(t, Decode, testMeta, "testdata/golden/*.log")
}

// TestGoldenJoined decodes every testdata/golden/*.log whole with
// DecodeAll and compares the joined events (pipeline_error events
// included) with the .joined.golden file beside it.
func TestGoldenJoined(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "golden", "*.log"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".log") + ".joined.golden"
			parsetest.GoldenFile(t, golden, parsetest.RenderAll(DecodeAll, testMeta, data))
		})
	}
}
