package local

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/klauspost/compress/zstd"

	"github.com/shoseki/shoseki/internal/event"
)

// Binary encoding of values and event batches, shared by the WAL (whole
// events) and by column blocks (array values). See docs/format/wal.md.

const (
	maxArrayDepth = 8       // nesting of arrays inside arrays
	maxNameLen    = 4 << 10 // longest field name accepted
)

// appendValue appends the self-describing encoding of v:
// type byte, then string/IP: uvarint len + bytes; int/time: zigzag varint;
// float: 8 bytes little endian; bool: 1 byte; array: uvarint n + n values;
// null: nothing.
func appendValue(dst []byte, v event.Value) []byte {
	dst = append(dst, byte(v.Type()))
	n, s := v.Raw()
	switch v.Type() {
	case event.TypeString, event.TypeIP:
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	case event.TypeInt, event.TypeTime:
		dst = binary.AppendVarint(dst, int64(n))
	case event.TypeFloat:
		dst = binary.LittleEndian.AppendUint64(dst, n)
	case event.TypeBool:
		dst = append(dst, byte(n))
	case event.TypeArray:
		els := v.Elems()
		dst = binary.AppendUvarint(dst, uint64(len(els)))
		for _, e := range els {
			dst = appendValue(dst, e)
		}
	}
	return dst
}

// decoder reads from an in-memory buffer that it owns: strings it returns
// share the buffer's memory (no copy), so the buffer must never be reused.
type decoder struct {
	b   []byte
	off int
	err error
	// elems, when set, is where arrays of up to 64 elements are allocated
	// from (never reused: the values returned keep them).
	elems *[]event.Value
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = formatErr("offset %d: "+format, append([]any{d.off}, args...)...)
	}
	d.off = len(d.b)
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad uvarint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("unexpected end")
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

func (d *decoder) u64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b)-d.off < 8 {
		d.fail("unexpected end")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b[d.off:])
	d.off += 8
	return v
}

func (d *decoder) u32() uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.b)-d.off < 4 {
		d.fail("unexpected end")
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b[d.off:])
	d.off += 4
	return v
}

// bytes returns the next n bytes, sharing the buffer.
func (d *decoder) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail("length %d beyond end", n)
		return nil
	}
	p := d.b[d.off : d.off+int(n) : d.off+int(n)]
	d.off += int(n)
	return p
}

// str returns a length-prefixed string sharing the buffer.
func (d *decoder) str() string {
	p := d.bytes(d.uvarint())
	return bstr(p)
}

func (d *decoder) done() bool { return d.off >= len(d.b) }

// bstr views p as a string without copying; p must never change afterwards.
func bstr(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	return unsafe.String(&p[0], len(p))
}

// skipValue moves past one value written by appendValue without building
// it; it checks what value would.
func (d *decoder) skipValue(depth int) {
	t := event.Type(d.byte())
	if d.err != nil {
		return
	}
	switch t {
	case event.TypeNull:
	case event.TypeString, event.TypeIP:
		d.bytes(d.uvarint())
	case event.TypeInt, event.TypeTime:
		d.varint()
	case event.TypeFloat:
		d.u64()
	case event.TypeBool:
		if b := d.byte(); b > 1 {
			d.fail("bad bool %d", b)
		}
	case event.TypeArray:
		if depth >= maxArrayDepth {
			d.fail("arrays nested deeper than %d", maxArrayDepth)
			return
		}
		n := d.uvarint()
		if n > uint64(len(d.b)-d.off) {
			d.fail("array length %d beyond end", n)
			return
		}
		for range n {
			d.skipValue(depth + 1)
		}
	default:
		d.fail("unknown value type %d", t)
	}
}

func (d *decoder) value(depth int) event.Value {
	t := event.Type(d.byte())
	if d.err != nil {
		return event.Value{}
	}
	switch t {
	case event.TypeNull:
		return event.Value{}
	case event.TypeString, event.TypeIP:
		return event.FromRaw(t, 0, d.str())
	case event.TypeInt, event.TypeTime:
		return event.FromRaw(t, uint64(d.varint()), "")
	case event.TypeFloat:
		return event.FromRaw(t, d.u64(), "")
	case event.TypeBool:
		b := d.byte()
		if b > 1 {
			d.fail("bad bool %d", b)
		}
		return event.FromRaw(t, uint64(b), "")
	case event.TypeArray:
		if depth >= maxArrayDepth {
			d.fail("arrays nested deeper than %d", maxArrayDepth)
			return event.Value{}
		}
		n := d.uvarint()
		// Every element takes at least one byte: a cheap bound against
		// huge allocations from corrupt counts.
		if n > uint64(len(d.b)-d.off) {
			d.fail("array length %d beyond end", n)
			return event.Value{}
		}
		var els []event.Value
		if d.elems != nil && n <= 64 {
			els = take(d.elems, int(n), 4096) // small arrays share larger allocations
		} else {
			els = make([]event.Value, n)
		}
		for i := range els {
			els[i] = d.value(depth + 1)
		}
		return event.Array(els...)
	}
	d.fail("unknown value type %d", t)
	return event.Value{}
}

// appendEvents appends the WAL payload encoding of events (without Seq):
// uvarint count, then per event: zigzag varint time delta from the previous
// event, uvarint field count, and per field a name reference and a value.
// A name reference is an index into the names seen so far in this payload;
// the index equal to their number introduces a new name (uvarint len + bytes).
func appendEvents(dst []byte, events []*event.Event) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(events)))
	names := make(map[string]uint64, 32)
	// The name last seen at each field position, with its id: events of a
	// batch mostly share a layout, so most lookups are a pointer compare.
	type slot struct {
		name string
		id   uint64
	}
	var slots [64]slot
	var prev int64
	for _, e := range events {
		dst = binary.AppendVarint(dst, e.Time-prev)
		prev = e.Time
		dst = binary.AppendUvarint(dst, uint64(len(e.Fields)))
		for i := range e.Fields {
			f := &e.Fields[i]
			if i < len(slots) && slots[i].name == f.Name && f.Name != "" {
				dst = binary.AppendUvarint(dst, slots[i].id)
			} else if id, ok := names[f.Name]; ok {
				dst = binary.AppendUvarint(dst, id)
				if i < len(slots) {
					slots[i] = slot{f.Name, id}
				}
			} else {
				id = uint64(len(names))
				names[f.Name] = id
				dst = binary.AppendUvarint(dst, id)
				dst = binary.AppendUvarint(dst, uint64(len(f.Name)))
				dst = append(dst, f.Name...)
				if i < len(slots) {
					slots[i] = slot{f.Name, id}
				}
			}
			if t := f.Value.Type(); t == event.TypeString || t == event.TypeIP {
				// The bulk of fields: written here rather than through
				// appendValue, which takes the 56-byte Value by copy.
				_, str := f.Value.Raw()
				dst = append(dst, byte(t))
				dst = binary.AppendUvarint(dst, uint64(len(str)))
				dst = append(dst, str...)
				continue
			}
			dst = appendValue(dst, f.Value)
		}
	}
	return dst
}

// decodeEvents decodes a payload written by appendEvents. p must not be
// reused by the caller: the events' strings share it.
func decodeEvents(p []byte) ([]*event.Event, error) {
	d := decoder{b: p}
	n := d.uvarint()
	// An event takes at least two bytes.
	if n > uint64(len(p))/2 {
		return nil, formatErr("event count %d too large for %d bytes", n, len(p))
	}
	events := make([]*event.Event, 0, n)
	store := make([]event.Event, n)
	var names []string
	var prev int64
	for i := range n {
		e := &store[i]
		e.Time = prev + d.varint()
		prev = e.Time
		nf := d.uvarint()
		if nf > uint64(len(p)-d.off)/2 {
			d.fail("field count %d too large", nf)
			break
		}
		e.Fields = make([]event.Field, 0, nf)
		for range nf {
			id := d.uvarint()
			var name string
			switch {
			case id < uint64(len(names)):
				name = names[id]
			case id == uint64(len(names)):
				l := d.uvarint()
				if l > maxNameLen {
					d.fail("field name of %d bytes", l)
				}
				name = bstr(d.bytes(l))
				names = append(names, name)
			default:
				d.fail("bad name reference %d", id)
			}
			v := d.value(0)
			if d.err != nil {
				break
			}
			e.Fields = append(e.Fields, event.Field{Name: name, Value: v})
		}
		if d.err != nil {
			break
		}
		events = append(events, e)
	}
	if d.err != nil {
		return nil, d.err
	}
	if !d.done() {
		return nil, formatErr("%d trailing bytes", len(p)-d.off)
	}
	return events, nil
}

// floatOf returns v as a number for min/max indexing: ints, floats, bools and
// times (Unix ns); ok is false for other types.
func floatOf(v event.Value) (float64, bool) {
	switch v.Type() {
	case event.TypeInt, event.TypeFloat, event.TypeBool, event.TypeTime:
		f, _ := v.Float()
		return f, !math.IsNaN(f)
	}
	return 0, false
}

// maxExpansion bounds how much a zstd frame may expand; with the declared
// length it keeps a few corrupt bytes from claiming a huge allocation. Log
// batches compress 5-50×; zstd's own limit for a frame is about 32000×.
const maxExpansion = 4096

// decompress decodes the zstd frame src, which must expand to exactly
// rawLen bytes (at most limit). The result is a fresh buffer.
func decompress(dec *zstd.Decoder, src []byte, rawLen, limit uint64) ([]byte, error) {
	if rawLen > limit || rawLen > uint64(len(src))*maxExpansion+1<<20 {
		return nil, formatErr("declared length %d for %d compressed bytes", rawLen, len(src))
	}
	var h zstd.Header
	if err := h.Decode(src); err != nil {
		return nil, formatErr("zstd header: %v", err)
	}
	if h.HasFCS && h.FrameContentSize != rawLen {
		return nil, formatErr("zstd frame of %d bytes, %d declared", h.FrameContentSize, rawLen)
	}
	out, err := dec.DecodeAll(src, make([]byte, 0, rawLen))
	if err != nil {
		return nil, formatErr("zstd: %v", err)
	}
	if uint64(len(out)) != rawLen {
		return nil, formatErr("zstd frame gave %d bytes, %d declared", len(out), rawLen)
	}
	return out, nil
}
