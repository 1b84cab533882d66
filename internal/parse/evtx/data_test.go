package evtx

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/parse/winevent"
)

// findFiles returns the files under root whose name ends in ext, sorted.
func findFiles(t testing.TB, root, ext string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ext) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// readAll reads every record of an EVTX file; corrupt records are counted,
// not fatal. It fails the test on any other error.
func readAll(t testing.TB, path string) ([]winevent.Record, *Reader) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(f, st.Size())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var recs []winevent.Record
	for {
		var rec winevent.Record
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if IsCorrupt(err) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		recs = append(recs, rec)
	}
	return recs, r
}
