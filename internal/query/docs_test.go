package query

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocExamples parses every example query of docs/query.md, so the
// reference cannot drift from the parser.
func TestDocExamples(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "query.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("docs/query.md not found: %v", err)
	}
	_, examples, ok := strings.Cut(string(data), "\n## Examples")
	if !ok {
		t.Fatal("docs/query.md has no Examples section")
	}
	blocks := strings.Split(examples, "```")
	n := 0
	for i := 1; i < len(blocks); i += 2 {
		q := strings.TrimPrefix(blocks[i], "\n")
		if _, err := Parse(q); err != nil {
			t.Errorf("example does not parse:\n%s\n%v", q, err)
		}
		n++
	}
	// The architecture example at the top of the page too.
	top := strings.Split(string(data), "```")[1]
	if _, err := Parse(top); err != nil {
		t.Errorf("first example does not parse: %v", err)
	}
	if n < 5 {
		t.Errorf("found only %d examples", n)
	}
}
