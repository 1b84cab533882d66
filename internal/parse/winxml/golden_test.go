package winxml

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

// TestGolden decodes testdata/golden/*.log line by line with Decode and
// testdata/golden/*.xml whole with DecodeAll, and compares the events
// (event.AppendJSON, one a line; "error: ..." for a failed line) with the
// .golden file beside each. Run with -rewrite to regenerate, then review
// the diff.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		ext := filepath.Ext(in)
		if ext != ".log" && ext != ".xml" {
			continue
		}
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if ext == ".log" {
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
			} else {
				err := DecodeAll(data, testMeta, func(ev *event.Event) error {
					out.Write(ev.AppendJSON(nil))
					out.WriteByte('\n')
					return nil
				})
				if err != nil {
					out.WriteString("error: " + err.Error() + "\n")
				}
			}
			compareGolden(t, strings.TrimSuffix(in, ext)+".golden", out.Bytes())
		})
	}
}

// compareGolden compares got with the golden file line by line, or
// rewrites it under -rewrite.
func compareGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *rewrite {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
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
}
