package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/winevent"
)

type readResult struct {
	recs     []winevent.Record
	xml      []string
	corrupt  []error
	problems []Problem
	stats    Stats
}

func readBytes(t *testing.T, data []byte) readResult {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var res readResult
	for i := 0; ; i++ {
		if i > 100000 {
			t.Fatal("Next does not reach EOF")
		}
		var rec winevent.Record
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if IsCorrupt(err) {
			res.corrupt = append(res.corrupt, err)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		res.recs = append(res.recs, rec)
		res.xml = append(res.xml, string(r.AppendXML(nil)))
	}
	res.problems = r.Problems()
	res.stats = r.Stats()
	return res
}

func dataMap(rec *winevent.Record) map[string]event.Value {
	m := map[string]event.Value{}
	for _, f := range rec.Data {
		m[f.Name] = f.Value
	}
	return m
}

func TestSampleFile(t *testing.T) {
	res := readBytes(t, sampleFile())
	if len(res.corrupt) > 0 || len(res.problems) > 0 {
		t.Fatalf("clean file: corrupt %v, problems %v", res.corrupt, res.problems)
	}
	if len(res.recs) != 4 {
		t.Fatalf("got %d records, want 4", len(res.recs))
	}
	rec := res.recs[0]
	want := winevent.Record{
		Provider:     "Test-Provider",
		ProviderGUID: "5770385F-C22A-43E0-BF4C-06F5698FFBD9",
		EventID:      1,
		Level:        4,
		Keywords:     "0x8000000000000000",
		TimeCreated:  time.Date(2023, 11, 30, 2, 40, 10, 165324000, time.UTC),
		RecordID:     1,
		ProcessID:    3544,
		ThreadID:     4272,
		Channel:      "Test/Operational",
		Computer:     "host1",
		UserID:       "S-1-5-18",
	}
	sys := rec
	sys.Data = nil
	if d := diffRecords(&sys, &want); d != "" {
		t.Errorf("System:\n%s", d)
	}
	if !rec.TimeCreated.Equal(want.TimeCreated) {
		t.Errorf("TimeCreated %v, want %v", rec.TimeCreated, want.TimeCreated)
	}
	d := dataMap(&rec)
	for name, w := range map[string]event.Value{
		"Image": event.String(`C:\a.exe`),
		"Count": event.Int(-2),
		"Mask":  event.String("0x1fffff"),
		"Empty": event.String(""),
		"Mixed": event.String("a&#38;&lt;c"),
	} {
		if g, ok := d[name]; !ok || !event.Equal(g, w) || g.Type() != w.Type() {
			t.Errorf("Data[%s] = %v (%s), want %v (%s)", name, g.Text(), g.Type(), w.Text(), w.Type())
		}
	}
	if g := dataMap(&res.recs[1])["Image"]; g.Str() != `C:\b.exe` {
		t.Errorf("trailing blanks of a string value not trimmed: %q", g.Str())
	}
	for i, r := range res.recs {
		if r.RecordID != uint64(i+1) {
			t.Errorf("record %d has id %d", i, r.RecordID)
		}
	}
	wantXML := `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>` +
		`<Provider Name="Test-Provider" Guid="5770385F-C22A-43E0-BF4C-06F5698FFBD9"/><EventID>1</EventID>` +
		`<Level>4</Level><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="2023-11-30T02:40:10.165324Z"/>` +
		`<EventRecordID>1</EventRecordID><Correlation/><Execution ProcessID="3544" ThreadID="4272"/>` +
		`<Channel>Test/Operational</Channel><Computer>host1</Computer><Security UserID="S-1-5-18"/></System>` +
		`<EventData><Data Name="Image">C:\a.exe</Data><Data Name="Count">-2</Data><Data Name="Mask">0x1fffff</Data>` +
		`<Data Name="Empty"/><Data Name="Mixed">a&#38;&lt;<![CDATA[c]]></Data></EventData></Event>`
	if res.xml[0] != wantXML {
		t.Errorf("XML:\n got %s\nwant %s", res.xml[0], wantXML)
	}
}

// TestValues renders every value type through a one-Data template.
func TestValues(t *testing.T) {
	guid := []byte{0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43, 0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9}
	systime := []byte{0xe9, 0x07, 2, 0, 1, 0, 3, 0, 4, 0, 5, 0, 6, 0, 0x7b, 0}
	tests := []struct {
		name string
		typ  uint8
		b    []byte
		want event.Value
	}{
		{"string", typeString, utf16le("héllo ☃ 😀", true), event.String("héllo ☃ 😀")},
		{"string stops at NUL", typeString, append(utf16le("ab", true), utf16le("cd", false)...), event.String("ab")},
		{"string trailing blanks", typeString, utf16le("x \t\r\n", false), event.String("x")},
		{"ansi", typeAnsi, []byte("abc\x00"), event.String("abc")},
		{"ansi latin1", typeAnsi, []byte{'a', 0xe9}, event.String("aé")},
		{"int8", typeInt8, []byte{0xff}, event.Int(-1)},
		{"uint8", typeUint8, []byte{0xff}, event.Int(255)},
		{"int16", typeInt16, u16le(0x8000), event.Int(-32768)},
		{"uint16", typeUint16, u16le(0xffff), event.Int(65535)},
		{"int32", typeInt32, u32le(0x80000000), event.Int(-2147483648)},
		{"uint32", typeUint32, u32le(0xffffffff), event.Int(4294967295)},
		{"int64", typeInt64, u64le(1 << 63), event.Int(-1 << 63)},
		{"uint64", typeUint64, u64le(2251799813691708), event.Int(2251799813691708)},
		{"uint64 beyond int64", typeUint64, u64le(1<<63 + 1), event.String("9223372036854775809")},
		{"real32", typeReal32, u32le(0x3fc00000), event.String("1.5")},
		{"real64", typeReal64, u64le(0x3fb999999999999a), event.String("0.1")},
		{"bool true", typeBool, u32le(1), event.String("true")},
		{"bool false", typeBool, u32le(0), event.String("false")},
		{"binary", typeBinary, []byte{0x00, 0xab, 0x10}, event.String("00AB10")},
		{"guid", typeGUID, guid, event.String("5770385F-C22A-43E0-BF4C-06F5698FFBD9")},
		{"size_t 32", typeSizeT, u32le(0x10), event.String("0x10")},
		{"size_t 64", typeSizeT, u64le(0xdeadbeef00), event.String("0xdeadbeef00")},
		{"filetime", typeFiletime, u64le(133457856101653249), event.String("2023-11-30T02:40:10.165324Z")},
		{"filetime zero", typeFiletime, u64le(0), event.String("1601-01-01T00:00:00.000000Z")},
		{"systime", typeSystime, systime, event.String("2025-02-03T04:05:06.123000Z")},
		{"sid", typeSID, append([]byte{1, 2, 0, 0, 0, 0, 0, 5}, append(u32le(32), u32le(544)...)...), event.String("S-1-5-32-544")},
		{"sid short", typeSID, []byte{1, 2, 0}, event.String("S-?")},
		{"hex32", typeHex32, u32le(0), event.String("0x0")},
		{"hex64", typeHex64, u64le(0x8020000000000000), event.String("0x8020000000000000")},
		{"short int32", typeInt32, []byte{1, 2}, event.String("0102")},
		{"uint16 array of one", typeUint16 | typeArray, u16le(7), event.String("7")},
		{"unknown type", 0x42, []byte{1}, event.String("01")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := xe{name: "Event", kids: []any{xe{name: "EventData", kids: []any{
				xe{name: "Data", attrs: []xa{{"Name", []any{"V"}}}, kids: []any{sub{id: 0, typ: tt.typ}}},
			}}}}
			c := newChunk()
			c.record(1, "t", body, []val{{tt.typ, tt.b, nil}})
			res := readBytes(t, buildFile(c.finish()))
			if len(res.recs) != 1 {
				t.Fatalf("got %d records (corrupt %v)", len(res.recs), res.corrupt)
			}
			g := dataMap(&res.recs[0])["V"]
			if !event.Equal(g, tt.want) || g.Type() != tt.want.Type() {
				t.Errorf("got %q (%s), want %q (%s)", g.Text(), g.Type(), tt.want.Text(), tt.want.Type())
			}
		})
	}
}

func TestStructures(t *testing.T) {
	tests := []struct {
		name    string
		body    xe
		vals    func(c *chunkWriter) []val
		want    map[string]string // Data items, rendered as text
		wantXML string
	}{
		{
			name: "unnamed Data become param1..n",
			body: xe{name: "Event", kids: []any{xe{name: "EventData", kids: []any{
				xe{name: "Data", kids: []any{sub{id: 0, typ: typeString}}},
				xe{name: "Data", kids: []any{sub{id: 1, typ: typeUint32}}},
				xe{name: "Binary", kids: []any{sub{id: 2, typ: typeBinary}}},
			}}}},
			vals: func(*chunkWriter) []val {
				return []val{{typeString, utf16le("a", false), nil}, {typeUint32, u32le(5), nil}, {typeBinary, []byte{1, 2}, nil}}
			},
			want:    map[string]string{"param1": "a", "param2": "5", "Binary": "0102"},
			wantXML: `<Event><EventData><Data>a</Data><Data>5</Data><Binary>0102</Binary></EventData></Event>`,
		},
		{
			name: "string array repeats its element",
			body: xe{name: "Event", kids: []any{xe{name: "EventData", kids: []any{
				xe{name: "Data", kids: []any{sub{id: 0, typ: typeString | typeArray}}},
			}}}},
			vals: func(*chunkWriter) []val {
				b := append(utf16le("x", true), utf16le("", true)...)
				b = append(b, utf16le("z", true)...)
				return []val{{typeString | typeArray, b, nil}}
			},
			want:    map[string]string{"param1": "x", "param2": "", "param3": "z"},
			wantXML: `<Event><EventData><Data>x</Data><Data/><Data>z</Data></EventData></Event>`,
		},
		{
			name: "int array in attribute repeats its element",
			body: xe{name: "Event", kids: []any{xe{name: "EventData", kids: []any{
				xe{name: "Item", attrs: []xa{{"n", []any{sub{id: 0, typ: typeInt32 | typeArray}}}}},
			}}}},
			vals: func(*chunkWriter) []val {
				return []val{{typeInt32 | typeArray, append(u32le(1), u32le(2)...), nil}}
			},
			wantXML: `<Event><EventData><Item n="1"/><Item n="2"/></EventData></Event>`,
		},
		{
			name: "BinXML value spliced into UserData",
			body: xe{name: "Event", kids: []any{xe{name: "UserData", kids: []any{sub{id: 0, typ: typeBinXML}}}}},
			vals: func(c *chunkWriter) []val {
				return []val{binXMLValue(c, xe{name: "LogFileCleared", kids: []any{
					xe{name: "SubjectUserName", kids: []any{"bob"}},
					xe{name: "A", kids: []any{xe{name: "Name", kids: []any{"1"}}}},
					xe{name: "B", kids: []any{xe{name: "Name", kids: []any{"2"}}}},
					xe{name: "Flag", attrs: []xa{{"on", []any{"yes"}}}},
					xe{name: "Nothing"},
				}})}
			},
			want:    map[string]string{"SubjectUserName": "bob", "A.Name": "1", "B.Name": "2", "Nothing": ""},
			wantXML: `<Event><UserData><LogFileCleared><SubjectUserName>bob</SubjectUserName><A><Name>1</Name></A><B><Name>2</Name></B><Flag on="yes"/><Nothing/></LogFileCleared></UserData></Event>`,
		},
		{
			name: "optional substitutions of null values",
			body: xe{name: "Event", kids: []any{xe{name: "EventData", kids: []any{
				xe{name: "Data", attrs: []xa{{"Name", []any{"A"}}}, kids: []any{sub{id: 0, typ: typeString, opt: true}}},
				xe{name: "Data", attrs: []xa{{"Name", []any{"B"}}}, kids: []any{sub{id: 7, typ: typeString, opt: true}}},
			}}}},
			vals: func(*chunkWriter) []val {
				return []val{{typeNull, nil, nil}}
			},
			want:    map[string]string{"A": "", "B": ""},
			wantXML: `<Event><EventData><Data Name="A"/><Data Name="B"/></EventData></Event>`,
		},
		{
			name: "escaping and processing instructions",
			body: xe{name: "Event", kids: []any{pi{"pt", "pd"}, xe{name: "EventData", kids: []any{
				xe{name: "Data", attrs: []xa{{"Name", []any{"Q"}}}, kids: []any{sub{id: 0, typ: typeString}}},
			}}}},
			vals: func(*chunkWriter) []val {
				return []val{{typeString, utf16le(`<a href="x">&'`, false), nil}}
			},
			want:    map[string]string{"Q": `<a href="x">&'`},
			wantXML: `<Event><?pt pd?><EventData><Data Name="Q">&lt;a href="x"&gt;&amp;'</Data></EventData></Event>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChunk()
			c.record(1, "t", tt.body, tt.vals(c))
			res := readBytes(t, buildFile(c.finish()))
			if len(res.recs) != 1 {
				t.Fatalf("got %d records, corrupt %v", len(res.recs), res.corrupt)
			}
			if tt.want != nil {
				got := map[string]string{}
				for _, f := range res.recs[0].Data {
					got[f.Name] = f.Value.Text()
				}
				if len(got) != len(tt.want) {
					t.Errorf("Data = %v, want %v", got, tt.want)
				}
				for k, w := range tt.want {
					if got[k] != w {
						t.Errorf("Data[%s] = %q, want %q (all: %v)", k, got[k], w, got)
					}
				}
			}
			if res.xml[0] != tt.wantXML {
				t.Errorf("XML:\n got %s\nwant %s", res.xml[0], tt.wantXML)
			}
		})
	}
}

// TestCorruption damages a valid file in the ways dirty and truncated
// files are damaged and checks what is reported and what is still read.
func TestCorruption(t *testing.T) {
	le := binary.LittleEndian
	first := fileHeaderSize
	second := fileHeaderSize + chunkSize
	rec2 := func(f []byte) int { // offset of the second record of chunk 0
		return first + chunkHeaderSize + int(le.Uint32(f[first+chunkHeaderSize+4:]))
	}
	tests := []struct {
		name        string
		damage      func(f []byte) []byte
		records     int
		corrupt     int
		problem     string // substring of some Problem
		checksumErr int
	}{
		{"clean", func(f []byte) []byte { return f }, 4, 0, "", 0},
		{"file header checksum", func(f []byte) []byte { f[100] ^= 1; return f }, 4, 0, "file header checksum", 1},
		{"chunk header checksum", func(f []byte) []byte { f[first+200] ^= 1; return f }, 4, 0, "chunk header checksum", 1},
		{"records checksum", func(f []byte) []byte { f[first+52] ^= 1; return f }, 4, 0, "event records checksum", 2},
		{"bad chunk signature", func(f []byte) []byte { f[second] = 'X'; return f }, 3, 1, "bad chunk signature", 0},
		{"truncated in the second chunk", func(f []byte) []byte { return f[:second+300] }, 3, 1, "truncated", 0},
		{"truncated in the first record", func(f []byte) []byte { return f[:first+chunkHeaderSize+100] }, 0, 1, "truncated", 0},
		{"header claims more chunks", func(f []byte) []byte { le.PutUint16(f[42:], 9); return f }, 4, 0, "header lists 9 chunks", 1},
		{"bad record signature", func(f []byte) []byte { f[rec2(f)] = 'X'; return f }, 3, 1, "bad record signature", 1},
		{"record size copy", func(f []byte) []byte {
			p := rec2(f)
			size := int(le.Uint32(f[p+4:]))
			f[p+size-1] ^= 0x40
			return f
		}, 3, 1, "framing", 1},
		{"huge record size", func(f []byte) []byte { le.PutUint32(f[rec2(f)+4:], 1<<30); return f }, 3, 1, "framing", 1},
		{"huge substitution count", func(f []byte) []byte {
			p := rec2(f)
			// record 2 references the template: token layout after the record header is
			// fragment(4) template token(1) unknown(1) id(4) offset(4) count(4).
			le.PutUint32(f[p+recordHeaderSize+14:], 1<<30)
			return f
		}, 3, 1, "substitution values do not fit", 1},
		{"template offset out of chunk", func(f []byte) []byte {
			le.PutUint32(f[rec2(f)+recordHeaderSize+10:], 0xfffffff0)
			return f
		}, 3, 1, "template offset", 1},
		{"free space offset out of range", func(f []byte) []byte { le.PutUint32(f[first+48:], 1<<20); return f }, 4, 0, "free-space offset", 1},
		{"zeroed second chunk", func(f []byte) []byte { clear(f[second:]); return f }, 3, 0, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readBytes(t, tt.damage(sampleFile()))
			if len(res.recs) != tt.records || len(res.corrupt) != tt.corrupt {
				t.Errorf("got %d records and %d corrupt, want %d and %d (problems %v)",
					len(res.recs), len(res.corrupt), tt.records, tt.corrupt, res.problems)
			}
			if tt.problem != "" {
				found := false
				for _, p := range res.problems {
					found = found || strings.Contains(p.Msg, tt.problem)
				}
				if !found {
					t.Errorf("no problem mentioning %q in %v", tt.problem, res.problems)
				}
			} else if len(res.problems) != 0 {
				t.Errorf("unexpected problems %v", res.problems)
			}
			if res.stats.ChecksumErrors != tt.checksumErr {
				t.Errorf("%d checksum errors, want %d", res.stats.ChecksumErrors, tt.checksumErr)
			}
			for _, err := range res.corrupt {
				var ce *CorruptError
				if !errors.As(err, &ce) || ce.Offset <= 0 {
					t.Errorf("corrupt error without offset: %v", err)
				}
			}
		})
	}
}

func TestNotEVTX(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte("x"), 5000)} {
		if _, err := NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
			t.Errorf("NewReader(%.10q) succeeded", data)
		}
	}
	if Detect(sampleFile()) != 100 || Detect([]byte("ElfChnk\x00")) != 0 {
		t.Error("Detect")
	}
	if err := Format().Decode(nil, nil, nil); !errors.Is(err, ErrWholeFile) {
		t.Errorf("Decode: %v", err)
	}
}

// TestExpansionBudget: a template that uses its BinXML value four times,
// whose value is an instance of the same template, 20 levels deep, would
// take 4^20 steps; the record is reported corrupt instead, promptly.
func TestExpansionBudget(t *testing.T) {
	c := newChunk()
	body := xe{name: "E", kids: []any{
		sub{id: 0, typ: typeBinXML}, sub{id: 0, typ: typeBinXML}, sub{id: 0, typ: typeBinXML}, sub{id: 0, typ: typeBinXML},
	}}
	nested := val{typ: typeBinXML, fn: func(int) []byte {
		def := u32le(uint32(c.tmpls["exp"]))
		var inner []byte
		for range 20 {
			b := []byte{tokTemplate, 1, 0, 0, 0, 0}
			b = append(b, def...)
			b = append(b, u32le(1)...)
			b = append(b, u16le(uint16(len(inner)))...)
			b = append(b, typeBinXML, 0)
			b = append(b, inner...)
			inner = append(b, tokEOF)
		}
		return inner
	}}
	c.record(1, "exp", body, []val{nested})
	c.record(2, "ok", sysmonLike, sysmonVals(2, "fine"))
	res := readBytes(t, buildFile(c.finish()))
	if len(res.corrupt) != 1 || len(res.recs) != 1 {
		t.Fatalf("got %d records and %d corrupt (%v), want 1 and 1", len(res.recs), len(res.corrupt), res.corrupt)
	}
	if !strings.Contains(res.corrupt[0].Error(), "steps") && !strings.Contains(res.corrupt[0].Error(), "nodes") {
		t.Errorf("unexpected error %v", res.corrupt[0])
	}
}
