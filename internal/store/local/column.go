package local

import (
	"encoding/binary"
	"math"
	"net/netip"

	"github.com/shoseki/shoseki/internal/event"
)

// Column block encoding (before compression). See docs/format/parts.md.
//
//	flags u8            bit 0: every row has a value
//	[presence bitmap]   ceil(rows/8) bytes when bit 0 is clear
//	type u8             the single value type, or 0xFF then one type byte
//	                    per present row
//	sections            for each value type present, in type order:
//	                    uvarint section length, then the section
//
// Sections: string and IP: u8 mode; mode 0 (dictionary): uvarint entries,
// the entries' uvarint lengths, their bytes, then one index per value (u8
// when there are at most 256 entries, else uvarint); mode 1 (raw): the
// values' uvarint lengths, then their bytes; mode 2 (IP only, every value
// in canonical form): per value u8 4 or 16, then the address bytes. Int:
// zigzag varint deltas from the previous value of the section (starting at
// 0). Time: zigzag varint of the value minus the row's @timestamp (such
// times, event.created say, sit close to it). Float: u64 little endian bits.
// Bool: one byte. Array: appendValue of each value.

const (
	colAllPresent = 1
	mixedTypes    = 0xFF
	strDict       = 0
	strRaw        = 1
	strIPBinary   = 2
	numTypes      = 8
)

// columnEncoder holds scratch space reused across blocks.
type columnEncoder struct {
	dict    map[string]uint32
	dictLst []string
	idx     []uint32
	sec     [numTypes][]byte
	tmp     []byte
}

// encode appends the encoding of vals (one per row; null = absent) to dst.
// It returns the distinct strings when it used a dictionary (for indexing).
// times are the rows' @timestamps.
func (c *columnEncoder) encode(dst []byte, vals []event.Value, times []int64) []byte {
	n := len(vals)
	present := 0
	var seen [numTypes]int
	for _, v := range vals {
		if !v.IsNull() {
			present++
			seen[v.Type()]++
		}
	}
	if present == n {
		dst = append(dst, colAllPresent)
	} else {
		dst = append(dst, 0)
		bm := make([]byte, (n+7)/8)
		for i, v := range vals {
			if !v.IsNull() {
				bm[i/8] |= 1 << (i % 8)
			}
		}
		dst = append(dst, bm...)
	}
	ntypes := 0
	var single event.Type
	for t, k := range seen {
		if k > 0 && t != int(event.TypeNull) {
			ntypes++
			single = event.Type(t)
		}
	}
	if ntypes <= 1 {
		dst = append(dst, byte(single))
	} else {
		dst = append(dst, mixedTypes)
		for _, v := range vals {
			if !v.IsNull() {
				dst = append(dst, byte(v.Type()))
			}
		}
	}
	for t := event.TypeString; t < numTypes; t++ {
		if seen[t] == 0 {
			continue
		}
		sec := c.section(vals, times, t, seen[t])
		dst = binary.AppendUvarint(dst, uint64(len(sec)))
		dst = append(dst, sec...)
	}
	return dst
}

// section encodes the values of type t (k of them).
func (c *columnEncoder) section(vals []event.Value, times []int64, t event.Type, k int) []byte {
	s := c.sec[t][:0]
	switch t {
	case event.TypeString, event.TypeIP:
		if c.dict == nil {
			c.dict = make(map[string]uint32)
		}
		clear(c.dict)
		c.dictLst = c.dictLst[:0]
		c.idx = c.idx[:0]
		useDict := true
		for _, v := range vals {
			if v.Type() != t {
				continue
			}
			_, str := v.Raw()
			id, ok := c.dict[str]
			if !ok {
				id = uint32(len(c.dictLst))
				c.dict[str] = id
				c.dictLst = append(c.dictLst, str)
				if len(c.dictLst) > 255 && len(c.dictLst)*2 > k {
					useDict = false
					break
				}
			}
			c.idx = append(c.idx, id)
		}
		if useDict {
			s = append(s, strDict)
			s = binary.AppendUvarint(s, uint64(len(c.dictLst)))
			for _, d := range c.dictLst {
				s = binary.AppendUvarint(s, uint64(len(d)))
			}
			for _, d := range c.dictLst {
				s = append(s, d...)
			}
			if len(c.dictLst) <= 256 {
				for _, id := range c.idx {
					s = append(s, byte(id))
				}
			} else {
				for _, id := range c.idx {
					s = binary.AppendUvarint(s, uint64(id))
				}
			}
		} else if t == event.TypeIP && allCanonicalIPs(vals) {
			s = append(s, strIPBinary)
			for _, v := range vals {
				if v.Type() == t {
					a, _ := netip.ParseAddr(v.Str())
					if a.Is4() {
						b := a.As4()
						s = append(s, 4)
						s = append(s, b[:]...)
					} else {
						b := a.As16()
						s = append(s, 16)
						s = append(s, b[:]...)
					}
				}
			}
		} else {
			s = append(s, strRaw)
			for _, v := range vals {
				if v.Type() == t {
					_, str := v.Raw()
					s = binary.AppendUvarint(s, uint64(len(str)))
				}
			}
			for _, v := range vals {
				if v.Type() == t {
					_, str := v.Raw()
					s = append(s, str...)
				}
			}
		}
	case event.TypeInt:
		var prev int64
		for _, v := range vals {
			if v.Type() == t {
				n, _ := v.Raw()
				s = binary.AppendVarint(s, int64(n)-prev)
				prev = int64(n)
			}
		}
	case event.TypeTime:
		for i, v := range vals {
			if v.Type() == t {
				n, _ := v.Raw()
				s = binary.AppendVarint(s, int64(n)-times[i])
			}
		}
	case event.TypeFloat:
		for _, v := range vals {
			if v.Type() == t {
				n, _ := v.Raw()
				s = binary.LittleEndian.AppendUint64(s, n)
			}
		}
	case event.TypeBool:
		for _, v := range vals {
			if v.Type() == t {
				n, _ := v.Raw()
				s = append(s, byte(n))
			}
		}
	case event.TypeArray:
		for _, v := range vals {
			if v.Type() == t {
				s = appendValue(s, v)
			}
		}
	}
	c.sec[t] = s
	return s
}

// allCanonicalIPs reports whether every IP value's text is the canonical
// form of an address, so that the binary form gives it back exactly.
func allCanonicalIPs(vals []event.Value) bool {
	for _, v := range vals {
		if v.Type() == event.TypeIP {
			a, err := netip.ParseAddr(v.Str())
			if err != nil || a.String() != v.Str() || a.Zone() != "" || a.Is4In6() {
				return false
			}
		}
	}
	return true
}

// decodeColumn decodes a column block of len(times) rows into dst (resized;
// absent rows are null). times are the rows' @timestamps. Strings share
// buf, which must not be reused.
func decodeColumn(buf []byte, times []int64, dst []event.Value) ([]event.Value, error) {
	rows := len(times)
	dst = resizeValues(dst, rows)
	d := decoder{b: buf}
	flags := d.byte()
	var bm []byte
	if flags&colAllPresent == 0 {
		bm = d.bytes(uint64((rows + 7) / 8))
	}
	if d.err != nil {
		return nil, d.err
	}
	isPresent := func(i int) bool { return bm == nil || bm[i/8]&(1<<(i%8)) != 0 }
	present := 0
	for i := 0; i < rows; i++ {
		if isPresent(i) {
			present++
		}
	}
	tb := d.byte()
	var types []byte
	var counts [numTypes]int
	if tb == mixedTypes {
		types = d.bytes(uint64(present))
		for _, t := range types {
			if t == 0 || t >= numTypes {
				return nil, formatErr("bad value type %d", t)
			}
			counts[t]++
		}
	} else {
		if tb >= numTypes || (tb == 0 && present > 0) {
			return nil, formatErr("bad value type %d", tb)
		}
		counts[tb] = present
	}
	if d.err != nil {
		return nil, d.err
	}
	var secs [numTypes]sectionReader
	for t := event.TypeString; t < numTypes; t++ {
		if counts[t] == 0 {
			continue
		}
		sec := d.bytes(d.uvarint())
		if d.err != nil {
			return nil, d.err
		}
		if err := secs[t].init(t, sec, counts[t]); err != nil {
			return nil, err
		}
	}
	if !d.done() {
		return nil, formatErr("%d trailing bytes in column", len(buf)-d.off)
	}
	k := 0
	for i := 0; i < rows; i++ {
		if !isPresent(i) {
			dst[i] = event.Value{}
			continue
		}
		t := event.Type(tb)
		if types != nil {
			t = event.Type(types[k])
		}
		k++
		v, err := secs[t].next(times[i])
		if err != nil {
			return nil, err
		}
		dst[i] = v
	}
	return dst, nil
}

func resizeValues(dst []event.Value, n int) []event.Value {
	if cap(dst) < n {
		return make([]event.Value, n)
	}
	return dst[:n]
}

// sectionReader yields the values of one type section in order.
type sectionReader struct {
	t      event.Type
	d      decoder
	dict   []string
	wide   bool // dictionary indexes are uvarints
	raw    bool
	ipBin  bool
	lens   decoder
	prev   int64
	remain int
}

func (r *sectionReader) init(t event.Type, sec []byte, count int) error {
	r.t, r.d, r.remain = t, decoder{b: sec}, count
	switch t {
	case event.TypeString, event.TypeIP:
		mode := r.d.byte()
		switch mode {
		case strDict:
			n := r.d.uvarint()
			if n > uint64(len(sec)) || (n == 0 && count > 0) {
				return formatErr("dictionary of %d entries", n)
			}
			lens := make([]uint64, n)
			var total uint64
			for i := range lens {
				lens[i] = r.d.uvarint()
				total += lens[i]
				if total > uint64(len(sec)) {
					return formatErr("dictionary longer than its section")
				}
			}
			data := r.d.bytes(total)
			if r.d.err != nil {
				return r.d.err
			}
			r.dict = make([]string, n)
			off := uint64(0)
			for i, l := range lens {
				r.dict[i] = bstr(data[off : off+l])
				off += l
			}
			r.wide = n > 256
		case strRaw:
			// Lengths first, then bytes: find where the bytes start.
			r.raw = true
			start := r.d.off
			var total uint64
			for range count {
				total += r.d.uvarint()
				if r.d.err != nil {
					return r.d.err
				}
			}
			if total != uint64(len(sec)-r.d.off) {
				return formatErr("raw strings: %d bytes announced, %d present", total, len(sec)-r.d.off)
			}
			r.lens = decoder{b: sec[start:r.d.off]}
		case strIPBinary:
			if t != event.TypeIP {
				return formatErr("binary addresses in a %s section", t)
			}
			r.ipBin = true
		default:
			return formatErr("bad string mode %d", mode)
		}
		return r.d.err
	case event.TypeFloat:
		if len(sec) != 8*count {
			return formatErr("float section of %d bytes for %d values", len(sec), count)
		}
	case event.TypeBool:
		if len(sec) != count {
			return formatErr("bool section of %d bytes for %d values", len(sec), count)
		}
	}
	return nil
}

func (r *sectionReader) next(rowTime int64) (event.Value, error) {
	if r.remain <= 0 {
		return event.Value{}, formatErr("section exhausted")
	}
	r.remain--
	var v event.Value
	switch r.t {
	case event.TypeString, event.TypeIP:
		if r.ipBin {
			switch l := r.d.byte(); l {
			case 4:
				if b := r.d.bytes(4); r.d.err == nil {
					v = event.IP(netip.AddrFrom4([4]byte(b)))
				}
			case 16:
				if b := r.d.bytes(16); r.d.err == nil {
					a := netip.AddrFrom16([16]byte(b))
					if a.Is4In6() {
						return v, formatErr("IPv4-mapped address in binary IPv6 form")
					}
					v = event.IP(a)
				}
			default:
				if r.d.err == nil {
					return v, formatErr("address of %d bytes", l)
				}
			}
		} else if r.raw {
			v = event.FromRaw(r.t, 0, bstr(r.d.bytes(r.lens.uvarint())))
			if r.lens.err != nil {
				return v, r.lens.err
			}
		} else {
			var id uint64
			if r.wide {
				id = r.d.uvarint()
			} else {
				id = uint64(r.d.byte())
			}
			if r.d.err == nil && id >= uint64(len(r.dict)) {
				return v, formatErr("dictionary index %d of %d", id, len(r.dict))
			}
			if r.d.err == nil {
				v = event.FromRaw(r.t, 0, r.dict[id])
			}
		}
	case event.TypeInt:
		r.prev += r.d.varint()
		v = event.FromRaw(r.t, uint64(r.prev), "")
	case event.TypeTime:
		v = event.FromRaw(r.t, uint64(rowTime+r.d.varint()), "")
	case event.TypeFloat:
		v = event.FromRaw(r.t, r.d.u64(), "")
	case event.TypeBool:
		b := r.d.byte()
		if b > 1 {
			return v, formatErr("bad bool %d", b)
		}
		v = event.FromRaw(r.t, uint64(b), "")
	case event.TypeArray:
		v = r.d.value(1)
		if r.d.err == nil && v.Type() != event.TypeArray {
			return v, formatErr("array section holds a %s", v.Type())
		}
	}
	if r.d.err != nil {
		return event.Value{}, r.d.err
	}
	if r.remain == 0 && !r.d.done() {
		return event.Value{}, formatErr("trailing bytes in %s section", r.t)
	}
	return v, nil
}

// numRange accumulates a column block's numeric min and max.
type numRange struct {
	min, max float64
	has      bool
	impure   bool
}

func (r *numRange) add(v event.Value) {
	switch v.Type() {
	case event.TypeArray:
		for _, e := range v.Elems() {
			r.add(e)
		}
		return
	case event.TypeInt, event.TypeFloat, event.TypeBool, event.TypeTime:
		f, _ := v.Float()
		if math.IsNaN(f) {
			r.impure = true
			return
		}
		if !r.has {
			r.min, r.max, r.has = f, f, true
			return
		}
		r.min = math.Min(r.min, f)
		r.max = math.Max(r.max, f)
	default:
		r.impure = true
	}
}
