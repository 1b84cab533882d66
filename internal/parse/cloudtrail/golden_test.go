package cloudtrail

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files under testdata/golden")

var testMeta = &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}

// TestGolden decodes testdata/golden/*.ndjson line by line with Decode and
// testdata/golden/*.json whole with DecodeAll, and compares the events
// (event.AppendJSON, one a line; "error: ..." for a failed line) with the
// .golden file beside each. Run with -rewrite to regenerate, then review
// the diff.
func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.ndjson"))
	wholes, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if len(inputs)+len(wholes) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, in := range append(inputs, wholes...) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if strings.HasSuffix(in, ".json") {
				err := DecodeAll(data, testMeta, func(ev *event.Event) error {
					out.Write(ev.AppendJSON(nil))
					out.WriteByte('\n')
					return nil
				})
				if err != nil {
					out.WriteString("error: " + err.Error() + "\n")
				}
			} else {
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
			}
			golden := strings.TrimSuffix(in, filepath.Ext(in)) + ".golden"
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
