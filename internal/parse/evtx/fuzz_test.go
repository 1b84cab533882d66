package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoseki/shoseki/internal/parse/winevent"
)

var writeSeeds = flag.Bool("write-seeds", false, "rewrite testdata/fuzz/FuzzReader from the constructed seed files")

// fuzzSeeds are small files built with the test writer: the sample file and
// each structure test, cut down to the header and the used part of their
// first chunk (the reader reads truncated chunks).
func fuzzSeeds() [][]byte {
	cut := func(f []byte) []byte {
		free := int(binary.LittleEndian.Uint32(f[fileHeaderSize+48:]))
		return f[:fileHeaderSize+free]
	}
	seeds := [][]byte{cut(sampleFile())}
	for _, body := range []xe{sysmonLike} {
		c := newChunk()
		c.record(7, "a", body, sysmonVals(7, "x"))
		c.record(8, "a", body, sysmonVals(8, "y"))
		seeds = append(seeds, cut(buildFile(c.finish())))
	}
	c := newChunk()
	c.record(1, "u", xe{name: "Event", kids: []any{xe{name: "UserData", kids: []any{sub{id: 0, typ: typeBinXML}}}}},
		[]val{binXMLValue(c, xe{name: "R", attrs: []xa{{"a", []any{"v"}}}, kids: []any{xe{name: "L", kids: []any{"1", charRef(65)}}}})})
	c.record(2, "arr", xe{name: "Event", kids: []any{xe{name: "EventData", kids: []any{
		xe{name: "Data", kids: []any{sub{id: 0, typ: typeString | typeArray}}},
		xe{name: "Data", attrs: []xa{{"n", []any{sub{id: 1, typ: typeUint16 | typeArray}}}}},
	}}}}, []val{{typeString | typeArray, append(utf16le("p", true), utf16le("q", true)...), nil}, {typeUint16 | typeArray, append(u16le(1), u16le(2)...), nil}})
	seeds = append(seeds, cut(buildFile(c.finish())))
	return seeds
}

// FuzzReader reads arbitrary files. The first input byte selects whether
// the rest is a whole file or one chunk behind a valid file header (so the
// fuzzer spends its mutations inside the chunk). The reader must not panic,
// must end, and must keep its limits.
func FuzzReader(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(append([]byte{0}, s[fileHeaderSize:]...))
		f.Add(append([]byte{1}, s...))
	}
	header := buildFile()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 2*chunkSize {
			return
		}
		var file []byte
		if data[0]&1 == 0 {
			file = append(append([]byte(nil), header...), data[1:]...)
		} else {
			file = data[1:]
		}
		r, err := NewReader(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			return
		}
		var rec winevent.Record
		var xml []byte
		for i := 0; ; i++ {
			if i > len(file) {
				t.Fatalf("Next did not reach EOF after %d calls", i)
			}
			err := r.Next(&rec)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil && !IsCorrupt(err) {
				t.Fatalf("non-corruption error on in-memory input: %v", err)
			}
			if err == nil {
				xml = r.AppendXML(xml[:0])
			}
			if len(r.res.nodes) > maxNodes {
				t.Fatalf("%d nodes, limit %d", len(r.res.nodes), maxNodes)
			}
		}
	})
}

// TestWriteFuzzSeeds writes the seeds as corpus files when -write-seeds is
// given, so they are committed under testdata/fuzz/FuzzReader.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzReader")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range fuzzSeeds() {
		for mode, in := range [][]byte{append([]byte{0}, s[fileHeaderSize:]...), append([]byte{1}, s...)} {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", in)
			name := filepath.Join(dir, fmt.Sprintf("seed-%d-%d", i, mode))
			if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
