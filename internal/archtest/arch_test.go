// Package archtest holds tests of the architecture itself: every package
// documents its contract, and layers import only what they may.
package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/shoseki/shoseki/"

type pkg struct {
	dir     string // relative to the repo root
	doc     bool
	imports map[string]bool
}

func loadPackages(t *testing.T) map[string]*pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]*pkg{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if name == "testdata" || (strings.HasPrefix(name, ".") && path != root) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		p := pkgs[rel]
		if p == nil {
			p = &pkg{dir: rel, imports: map[string]bool{}}
			pkgs[rel] = p
		}
		if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
			p.doc = true
		}
		for _, imp := range f.Imports {
			s, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(s, module) {
				p.imports[strings.TrimPrefix(s, module)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for dir, p := range loadPackages(t) {
		if !p.doc {
			t.Errorf("package %s has no package comment stating its contract", dir)
		}
	}
}

// TestLayers forbids imports that would turn the pipeline around.
func TestLayers(t *testing.T) {
	rules := []struct {
		from      string // package path prefix
		forbidden []string
		why       string
	}{
		{"internal/event", []string{"internal/"}, "the vocabulary package imports nothing of ours"},
		{"internal/filter", []string{"internal/store", "internal/query", "internal/api", "internal/ingest", "internal/parse"}, "the filter contract sits below stores and queries"},
		{"internal/store", []string{"internal/query", "internal/api", "internal/ingest", "internal/server", "internal/parse", "internal/detect"}, "the store never knows who reads or writes it"},
		{"internal/parse", []string{"internal/store", "internal/query", "internal/api", "internal/ingest", "internal/server", "internal/input"}, "decoders are pure functions of bytes"},
		{"internal/query", []string{"internal/store/local", "internal/api", "internal/ingest", "internal/server"}, "the query executor sees stores only through an interface"},
		{"internal/ingest", []string{"internal/store/local", "internal/api", "internal/server", "internal/query"}, "the ingest path writes through an Appender interface"},
		{"internal/input", []string{"internal/store", "internal/api", "internal/server", "internal/query"}, "inputs only frame bytes"},
		{"internal/detect", []string{"internal/store/local", "internal/api", "internal/server"}, "detection consumes events, not the store's type"},
	}
	pkgs := loadPackages(t)
	for dir, p := range pkgs {
		for _, r := range rules {
			if dir != r.from && !strings.HasPrefix(dir, r.from+"/") {
				continue
			}
			for imp := range p.imports {
				for _, f := range r.forbidden {
					if (imp == f || strings.HasPrefix(imp, f)) && !strings.HasPrefix(imp, r.from) {
						t.Errorf("%s imports %s: %s", dir, imp, r.why)
					}
				}
			}
		}
	}
	if len(pkgs) < 5 {
		t.Fatalf("found only %d packages: the walk is wrong", len(pkgs))
	}
}
