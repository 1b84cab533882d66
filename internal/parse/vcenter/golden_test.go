package vcenter

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files under testdata/golden")

// TestGolden decodes every line of testdata/golden/*.log and compares the
// events (event.AppendJSON, one a line; "error: ..." for a failed line)
// with the .golden file beside it. Run with -rewrite to regenerate, then
// review the diff.
func TestGolden(t *testing.T) {
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
			var out bytes.Buffer
			var ev event.Event
			for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
				ev.Reset()
				if err := Decode([]byte(line), testMeta, &ev); err != nil {
					out.WriteString("error: " + err.Error() + "\n")
					continue
				}
				out.Write(ev.AppendJSON(nil))
				out.WriteByte('\n')
			}
			golden := strings.TrimSuffix(in, ".log") + ".golden"
			if *rewrite {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -rewrite to create it)", err)
			}
			gotLines, wantLines := strings.Split(out.String(), "\n"), strings.Split(string(want), "\n")
			for i := range max(len(gotLines), len(wantLines)) {
				var g, w string
				if i < len(gotLines) {
					g = gotLines[i]
				}
				if i < len(wantLines) {
					w = wantLines[i]
				}
				if g != w {
					t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
				}
			}
		})
	}
}
