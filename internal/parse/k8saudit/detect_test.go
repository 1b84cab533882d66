package k8saudit_test

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/parse/k8saudit"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestDetectOthers checks that Detect gives 0 to the records of every
// other format (parsetest.Samples and the other decoders' test inputs).
func TestDetectOthers(t *testing.T) {
	parsetest.DetectsNothingElse(t, map[string]func([]byte) int{k8saudit.Name: k8saudit.Detect})
}

// TestFormatsDetect checks that formats.Detect picks k8saudit for its typical
// records and for the golden lines that decode.
func TestFormatsDetect(t *testing.T) {
	parsetest.DetectPicks(t, formats.Detect, k8saudit.Name, parsetest.Samples()[k8saudit.Name])
	parsetest.DetectPicks(t, formats.Detect, k8saudit.Name, parsetest.GoldenLines(t, k8saudit.Decode, nil, "testdata/golden/*.log"))
}
