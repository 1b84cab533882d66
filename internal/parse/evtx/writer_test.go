package evtx

import (
	"encoding/binary"
	"hash/crc32"
	"unicode/utf16"
)

// A small EVTX writer for tests and fuzz seeds: it lays out chunks, records
// and BinXML (templates, substitutions, inline names) the way Windows does,
// so the reader can be tested on files whose every byte we chose.

// xe is an element; its kids are xe, string (text), sub, charRef,
// entityRef, cdata, pi or binXML (an inline BinXML fragment).
type xe struct {
	name  string
	attrs []xa
	kids  []any
}

type xa struct {
	name string
	val  []any
}

type sub struct {
	id  uint16
	typ uint8
	opt bool
}

type (
	charRef   uint16
	entityRef string
	cdata     string
	pi        struct{ target, data string }
)

// val is one substitution value.
type val struct {
	typ uint8
	b   []byte
	fn  func(at int) []byte // when set, builds b for chunk offset at
}

func u16le(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func u32le(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64le(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func utf16le(s string, nul bool) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	if nul {
		b = append(b, 0, 0)
	}
	return b
}

// chunkWriter builds one chunk.
type chunkWriter struct {
	buf   []byte // the whole chunk, grows to 64 KiB
	names map[string]int
	first uint64
	last  uint64
	tmpls map[string]int // template definition offsets by key
}

func newChunk() *chunkWriter {
	c := &chunkWriter{buf: make([]byte, chunkHeaderSize), names: map[string]int{}, tmpls: map[string]int{}}
	copy(c.buf, chunkMagic)
	return c
}

func (c *chunkWriter) off() int { return len(c.buf) }

func (c *chunkWriter) put(b ...byte) { c.buf = append(c.buf, b...) }

// name writes a name reference, defining the name in place on first use.
func (c *chunkWriter) name(s string) {
	if off, ok := c.names[s]; ok {
		c.put(u32le(uint32(off))...)
		return
	}
	off := c.off() + 4
	c.names[s] = off
	c.put(u32le(uint32(off))...)
	c.put(0, 0, 0, 0, 0, 0) // next offset, hash
	c.put(u16le(uint16(len(utf16.Encode([]rune(s)))))...)
	c.put(utf16le(s, true)...)
}

func (c *chunkWriter) content(k any, noDep bool) {
	switch v := k.(type) {
	case xe:
		c.elem(v, noDep)
	case string:
		c.put(tokValue, typeString)
		c.put(u16le(uint16(len(utf16.Encode([]rune(v)))))...)
		c.put(utf16le(v, false)...)
	case sub:
		t := byte(tokSubst)
		if v.opt {
			t = tokOptSubst
		}
		c.put(t)
		c.put(u16le(v.id)...)
		c.put(v.typ)
	case charRef:
		c.put(tokCharRef)
		c.put(u16le(uint16(v))...)
	case entityRef:
		c.put(tokEntityRef)
		c.name(string(v))
	case cdata:
		c.put(tokCDATA)
		c.put(u16le(uint16(len(utf16.Encode([]rune(string(v))))))...)
		c.put(utf16le(string(v), false)...)
	case pi:
		c.put(tokPITarget)
		c.name(v.target)
		c.put(tokPIData)
		c.put(u16le(uint16(len(utf16.Encode([]rune(v.data)))))...)
		c.put(utf16le(v.data, false)...)
	default:
		panic("writer: unknown content")
	}
}

func (c *chunkWriter) elem(e xe, noDep bool) {
	tok := byte(tokOpenStart)
	if len(e.attrs) > 0 {
		tok |= tokFlagMore
	}
	c.put(tok)
	if !noDep {
		c.put(0xff, 0xff)
	}
	sizeAt := c.off()
	c.put(0, 0, 0, 0)
	c.name(e.name)
	if len(e.attrs) > 0 {
		listAt := c.off()
		c.put(0, 0, 0, 0)
		for i, a := range e.attrs {
			t := byte(tokAttribute)
			if i < len(e.attrs)-1 {
				t |= tokFlagMore
			}
			c.put(t)
			c.name(a.name)
			for _, v := range a.val {
				c.content(v, noDep)
			}
		}
		binary.LittleEndian.PutUint32(c.buf[listAt:], uint32(c.off()-listAt-4))
	}
	if len(e.kids) == 0 {
		c.put(tokCloseEmpty)
	} else {
		c.put(tokCloseStart)
		for _, k := range e.kids {
			c.content(k, noDep)
		}
		c.put(tokEndElement)
	}
	binary.LittleEndian.PutUint32(c.buf[sizeAt:], uint32(c.off()-sizeAt-4))
}

// record appends an event record whose BinXML is a template instance of
// body (defined inline on first use of key, referenced after) with vals.
// Values of type typeBinXML are written as given.
func (c *chunkWriter) record(id uint64, key string, body xe, vals []val) {
	start := c.off()
	c.put(recordMagic...)
	c.put(0, 0, 0, 0)
	c.put(u64le(id)...)
	c.put(u64le(132_000_000_000_000_000)...) // written time
	c.put(tokFragment, 1, 1, 0)
	c.put(tokTemplate, 1)
	c.put(u32le(0x1234)...)
	if def, ok := c.tmpls[key]; ok {
		c.put(u32le(uint32(def))...)
	} else {
		def := c.off() + 4
		c.tmpls[key] = def
		c.put(u32le(uint32(def))...)
		c.put(0, 0, 0, 0)
		c.put(make([]byte, 16)...) // GUID
		sizeAt := c.off()
		c.put(0, 0, 0, 0)
		c.put(tokFragment, 1, 1, 0)
		c.elem(body, false)
		c.put(tokEOF)
		binary.LittleEndian.PutUint32(c.buf[sizeAt:], uint32(c.off()-sizeAt-4))
	}
	c.put(u32le(uint32(len(vals)))...)
	at := c.off() + 4*len(vals)
	bs := make([][]byte, len(vals))
	for i, v := range vals {
		bs[i] = v.b
		if v.fn != nil {
			bs[i] = v.fn(at)
		}
		at += len(bs[i])
	}
	for i, v := range vals {
		c.put(u16le(uint16(len(bs[i])))...)
		c.put(v.typ, 0)
	}
	for _, b := range bs {
		c.put(b...)
	}
	c.put(tokEOF)
	for (c.off()-start+4)%8 != 0 {
		c.put(0)
	}
	size := uint32(c.off() - start + 4)
	c.put(u32le(size)...)
	binary.LittleEndian.PutUint32(c.buf[start+4:], size)
	if c.first == 0 {
		c.first = id
	}
	c.last = id
}

// binXMLValue returns a BinXML (0x21) value holding element e, without
// dependency ids as Windows writes them.
func binXMLValue(c *chunkWriter, e xe) val {
	return val{typ: typeBinXML, fn: func(at int) []byte {
		tmp := &chunkWriter{buf: make([]byte, at), names: c.names}
		tmp.elem(e, true)
		return tmp.buf[at:]
	}}
}

// finish pads the chunk to 64 KiB and fills its header and checksums.
func (c *chunkWriter) finish() []byte {
	free := c.off()
	b := make([]byte, chunkSize)
	copy(b, c.buf)
	le := binary.LittleEndian
	le.PutUint64(b[8:], c.first)
	le.PutUint64(b[16:], c.last)
	le.PutUint64(b[24:], c.first)
	le.PutUint64(b[32:], c.last)
	le.PutUint32(b[40:], 128)
	le.PutUint32(b[48:], uint32(free))
	le.PutUint32(b[52:], crc32.ChecksumIEEE(b[chunkHeaderSize:free]))
	le.PutUint32(b[124:], crc32.Update(crc32.ChecksumIEEE(b[:120]), crc32.IEEETable, b[128:chunkHeaderSize]))
	return b
}

// buildFile returns an EVTX file of the given chunks.
func buildFile(chunks ...[]byte) []byte {
	h := make([]byte, fileHeaderSize)
	copy(h, fileMagic)
	le := binary.LittleEndian
	le.PutUint64(h[16:], uint64(max(len(chunks)-1, 0)))
	le.PutUint32(h[32:], 128)
	le.PutUint16(h[36:], 1)
	le.PutUint16(h[38:], 3)
	le.PutUint16(h[40:], fileHeaderSize)
	le.PutUint16(h[42:], uint16(len(chunks)))
	le.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	for _, c := range chunks {
		h = append(h, c...)
	}
	return h
}

// sysmonLike is a template shaped like a real one: System with typed
// substitutions, EventData with named Data items.
var sysmonLike = xe{name: "Event", attrs: []xa{{"xmlns", []any{"http://schemas.microsoft.com/win/2004/08/events/event"}}}, kids: []any{
	xe{name: "System", kids: []any{
		xe{name: "Provider", attrs: []xa{{"Name", []any{"Test-Provider"}}, {"Guid", []any{sub{id: 0, typ: typeGUID, opt: true}}}}},
		xe{name: "EventID", attrs: []xa{{"Qualifiers", []any{sub{id: 1, typ: typeUint16, opt: true}}}}, kids: []any{sub{id: 2, typ: typeUint16}}},
		xe{name: "Level", kids: []any{sub{id: 3, typ: typeUint8}}},
		xe{name: "Keywords", kids: []any{sub{id: 4, typ: typeHex64}}},
		xe{name: "TimeCreated", attrs: []xa{{"SystemTime", []any{sub{id: 5, typ: typeFiletime, opt: true}}}}},
		xe{name: "EventRecordID", kids: []any{sub{id: 6, typ: typeUint64}}},
		xe{name: "Correlation", attrs: []xa{{"ActivityID", []any{sub{id: 7, typ: typeGUID, opt: true}}}}},
		xe{name: "Execution", attrs: []xa{{"ProcessID", []any{sub{id: 8, typ: typeUint32}}}, {"ThreadID", []any{sub{id: 9, typ: typeUint32}}}}},
		xe{name: "Channel", kids: []any{"Test/Operational"}},
		xe{name: "Computer", kids: []any{sub{id: 10, typ: typeString}}},
		xe{name: "Security", attrs: []xa{{"UserID", []any{sub{id: 11, typ: typeSID, opt: true}}}}},
	}},
	xe{name: "EventData", kids: []any{
		xe{name: "Data", attrs: []xa{{"Name", []any{"Image"}}}, kids: []any{sub{id: 12, typ: typeString, opt: true}}},
		xe{name: "Data", attrs: []xa{{"Name", []any{"Count"}}}, kids: []any{sub{id: 13, typ: typeInt32, opt: true}}},
		xe{name: "Data", attrs: []xa{{"Name", []any{"Mask"}}}, kids: []any{sub{id: 14, typ: typeHex32, opt: true}}},
		xe{name: "Data", attrs: []xa{{"Name", []any{"Empty"}}}, kids: []any{sub{id: 15, typ: typeString, opt: true}}},
		xe{name: "Data", attrs: []xa{{"Name", []any{"Mixed"}}}, kids: []any{"a", charRef(38), entityRef("lt"), cdata("c")}},
	}},
}}

func sysmonVals(id uint64, image string) []val {
	guid := []byte{0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43, 0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9}
	sid := append([]byte{1, 1, 0, 0, 0, 0, 0, 5}, u32le(18)...)
	return []val{
		{typeGUID, guid, nil},
		{typeNull, nil, nil},
		{typeUint16, u16le(1), nil},
		{typeUint8, []byte{4}, nil},
		{typeHex64, u64le(0x8000000000000000), nil},
		{typeFiletime, u64le(133457856101653240), nil},
		{typeUint64, u64le(id), nil},
		{typeNull, nil, nil},
		{typeUint32, u32le(3544), nil},
		{typeUint32, u32le(4272), nil},
		{typeString, utf16le("host1", true), nil},
		{typeSID, sid, nil},
		{typeString, utf16le(image, true), nil},
		{typeInt32, u32le(0xfffffffe), nil},
		{typeHex32, u32le(0x1fffff), nil},
		{typeString, nil, nil},
	}
}

// sampleFile is a valid two-chunk file: three records sharing a template
// in chunk 0 (the first defines it inline) and one in chunk 1.
func sampleFile() []byte {
	c0 := newChunk()
	c0.record(1, "s", sysmonLike, sysmonVals(1, `C:\a.exe`))
	c0.record(2, "s", sysmonLike, sysmonVals(2, `C:\b.exe  `))
	c0.record(3, "s", sysmonLike, sysmonVals(3, "c"))
	c1 := newChunk()
	c1.record(4, "s", sysmonLike, sysmonVals(4, "d"))
	return buildFile(c0.finish(), c1.finish())
}
