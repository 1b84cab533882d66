package formats

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsListEveryFormat keeps docs/formats.md true: every registered
// format is documented there.
func TestDocsListEveryFormat(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "formats.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range All() {
		if !strings.Contains(string(data), "`"+f.Name+"`") {
			t.Errorf("docs/formats.md does not document format %s", f.Name)
		}
	}
}
