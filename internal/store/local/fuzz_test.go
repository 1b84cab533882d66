package local

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

// walSeeds returns valid WAL records built from generated events.
func walSeeds(tb testing.TB) [][]byte {
	g := newEventGen(21)
	var out [][]byte
	for _, n := range []int{1, 3, 20} {
		evs := g.batch(n)
		evs[0].Set("arr", event.Array(event.Int(1), event.Array(event.String("\xff"))))
		payload, err := encodeWALBatch(evs)
		if err != nil {
			tb.Fatal(err)
		}
		body := binary.LittleEndian.AppendUint64(nil, 7)
		body = append(body, payload...)
		rec := binary.LittleEndian.AppendUint32(nil, uint32(len(body)))
		rec = binary.LittleEndian.AppendUint32(rec, crc32.Checksum(body, crcTable))
		out = append(out, append(rec, body...))
	}
	return out
}

// FuzzWALRecord feeds arbitrary bytes to the WAL record decoder (with and
// without a valid checksum): it must return an error or events that
// re-encode to the same events, never panic or allocate without bound.
func FuzzWALRecord(f *testing.F) {
	for _, s := range walSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}
		checkWAL := func(b []byte) {
			_, first, events, err := decodeWALRecord(b)
			if err != nil {
				return
			}
			again, err := decodeEvents(appendEvents(nil, events))
			if err != nil {
				t.Fatalf("re-encoded events do not decode: %v", err)
			}
			for i := range events {
				if d := diffEvent(events[i], again[i], false); d != "" {
					t.Fatalf("round trip of event %d (first seq %d): %s", i, first, d)
				}
			}
		}
		checkWAL(b)
		// With the checksum fixed up, so that the body decoder is reached.
		if len(b) >= walRecHeaderLen {
			c := append([]byte(nil), b...)
			binary.LittleEndian.PutUint32(c, uint32(len(c)-walRecHeaderLen))
			binary.LittleEndian.PutUint32(c[4:], crc32.Checksum(c[walRecHeaderLen:], crcTable))
			checkWAL(c)
		}
	})
}

// columnSeeds returns encoded column blocks with their row counts.
func columnSeeds() [][]byte {
	var out [][]byte
	for _, c := range codecValues() {
		if c.name == "huge string" {
			continue
		}
		vals := []event.Value{c.v, {}, event.Int(3), c.v, event.String("x")}
		times := make([]int64, len(vals))
		var enc columnEncoder
		out = append(out, append([]byte{byte(len(vals))}, enc.encode(nil, vals, times)...))
	}
	var enc columnEncoder
	vals := make([]event.Value, 300)
	for i := range vals {
		vals[i] = event.String(fmt.Sprint("v", i%40))
	}
	out = append(out, append([]byte{255}, enc.encode(nil, vals[:255], make([]int64, 255))...))
	// Substrings and suffixes of the fuzz target's reference column.
	ref := fuzzRefColumn(255)
	for i := range vals[:255] {
		r := ref[i].Str()
		vals[i] = event.String(r[3 : 3+4+i%8])
	}
	enc.ref, enc.refCol = ref, fuzzRefCol
	out = append(out, append([]byte{255}, enc.encode(nil, vals[:255], make([]int64, 255))...))
	for i := range vals[:255] {
		r := ref[i].Str()
		vals[i] = event.String(r[len(r)-5:])
	}
	enc.refSuffix = true
	out = append(out, append([]byte{255}, enc.encode(nil, vals[:255], make([]int64, 255))...))
	return out
}

// fuzzRefCol is the column id FuzzColumnBlock resolves, to the values of
// fuzzRefColumn.
const fuzzRefCol = 5

func fuzzRefColumn(rows int) []event.Value {
	ref := make([]event.Value, rows)
	for i := range ref {
		ref[i] = event.String(fmt.Sprintf("ref%08x-%d-tail", uint32(i)*2654435761, i))
	}
	return ref
}

// FuzzColumnBlock feeds arbitrary bytes to the column block decoder (the
// first byte is the row count): errors, not panics; what decodes must
// re-encode to the same values.
func FuzzColumnBlock(f *testing.F) {
	for _, s := range columnSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 1 || len(b) > 1<<20 {
			return
		}
		rows := int(b[0])
		times := make([]int64, rows)
		for i := range times {
			times[i] = int64(i) * 1e9
		}
		var sel []int
		for r := 0; r < rows; r += 1 + rows/3 {
			sel = append(sel, r)
		}
		refVals := fuzzRefColumn(rows)
		ref := func(col uint32) ([]event.Value, error) {
			if col != fuzzRefCol {
				return nil, fmt.Errorf("no column %d", col)
			}
			return refVals, nil
		}
		picked := make([]event.Value, len(sel))
		selErr := decodeColumnRows(b[1:], times, sel, picked, ref)
		vals, err := decodeColumnRef(b[1:], times, nil, ref)
		if err != nil {
			return
		}
		if len(sel) > 0 && selErr != nil {
			t.Fatalf("rows %v do not decode from a column that does: %v", sel, selErr)
		}
		for k, r := range sel {
			if !event.Equal(vals[r], picked[k]) {
				t.Fatalf("row %d: selected %q, whole %q", r, picked[k].Text(), vals[r].Text())
			}
		}
		var enc columnEncoder
		enc.ref, enc.refCol = refVals, fuzzRefCol
		again, err := decodeColumnRef(enc.encode(nil, vals, times), times, nil, ref)
		if err != nil {
			t.Fatalf("re-encoded column does not decode: %v", err)
		}
		for i := range vals {
			if !event.Equal(vals[i], again[i]) {
				t.Fatalf("row %d: %q became %q", i, vals[i].Text(), again[i].Text())
			}
		}
	})
}

// FuzzPartIndex feeds arbitrary bytes to the part index decoder.
func FuzzPartIndex(f *testing.F) {
	dir := f.TempDir()
	s, err := Open(Options{Dir: dir, NoSync: true, BlockRows: 40})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Append(ctx, newEventGen(22).batch(100)); err != nil {
		f.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		f.Fatal(err)
	}
	for _, p := range s.parts {
		data, err := os.ReadFile(filepath.Join(p.dir, indexFile))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, p.meta.ValuesBytes, p.meta.BloomBytes)
	}
	s.Close()
	f.Fuzz(func(t *testing.T, b []byte, valuesSize, bloomSize int64) {
		if len(b) > 1<<20 {
			return
		}
		decodeIndex(b, valuesSize, bloomSize)
		// With the checksum fixed up.
		if len(b) >= len(indexMagic)+8 {
			c := append([]byte(nil), b...)
			copy(c, indexMagic)
			binary.LittleEndian.PutUint32(c[len(indexMagic):], uint32(len(c)-len(indexMagic)-8))
			binary.LittleEndian.PutUint32(c[len(indexMagic)+4:], crc32.Checksum(c[len(indexMagic)+8:], crcTable))
			decodeIndex(c, valuesSize, bloomSize)
		}
	})
}

// TestWriteFuzzSeeds writes the seed corpus under testdata/fuzz; run with
// SHOSEKI_WRITE_SEEDS=1 after changing an encoding.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("SHOSEKI_WRITE_SEEDS") == "" {
		t.Skip("set SHOSEKI_WRITE_SEEDS=1 to rewrite testdata/fuzz seeds")
	}
	write := func(name string, i int, args ...any) {
		dir := filepath.Join("testdata", "fuzz", name)
		os.MkdirAll(dir, 0o755)
		s := "go test fuzz v1\n"
		for _, a := range args {
			switch v := a.(type) {
			case []byte:
				s += fmt.Sprintf("[]byte(%q)\n", v)
			case int64:
				s += fmt.Sprintf("int64(%d)\n", v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range walSeeds(t) {
		write("FuzzWALRecord", i, s)
	}
	for i, s := range columnSeeds() {
		write("FuzzColumnBlock", i, s)
	}
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, NoSync: true, BlockRows: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	appendT(t, s, newEventGen(22).batch(100), nil)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i, p := range s.parts {
		data, _ := os.ReadFile(filepath.Join(p.dir, indexFile))
		write("FuzzPartIndex", i, data, p.meta.ValuesBytes, p.meta.BloomBytes)
	}
}
