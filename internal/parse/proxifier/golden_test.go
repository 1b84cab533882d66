package proxifier

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
			decode := decoderFor(filepath.Base(in))
			var out bytes.Buffer
			var ev event.Event
			for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
				ev.Reset()
				if err := decode([]byte(line), testMeta, &ev); err != nil {
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

// sharedData returns the path of ../shared/data/<rel> from the repository
// root (the directory holding go.mod), skipping the test when it is absent.
func sharedData(tb testing.TB, rel string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("repository root (go.mod) not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("test data %s absent (%v): the shared corpus is not next to the repository", rel, err)
	}
	return p
}

// goldenLines returns the lines of the golden inputs that decode without
// error, for benchmarks and fuzz seeds.
func goldenLines(tb testing.TB, decode func([]byte, *parse.Meta, *event.Event) error, glob string) [][]byte {
	tb.Helper()
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", glob))
	var out [][]byte
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			tb.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			var ev event.Event
			if decode([]byte(l), testMeta, &ev) == nil {
				out = append(out, []byte(l))
			}
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no decodable golden lines for %s", glob)
	}
	return out
}
func decoderFor(string) func([]byte, *parse.Meta, *event.Event) error { return Decode }
