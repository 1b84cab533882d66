package local

import (
	"encoding/binary"
	"math"
	"net/netip"
	"strings"

	"github.com/shoseki/shoseki/internal/event"
)

// Column block encoding (before compression). See docs/format/parts.md.
//
//	flags u8            bit 0: every row has a value; bit 1: time values
//	                    are deltas from the previous time value of the
//	                    column instead of from the row's @timestamp
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
// in canonical form): per value u8 4 or 16, then the address bytes; mode 3
// (string, every row present): suffixes of another column's values of the
// same rows (suffixSection); mode 4 (string, every row present):
// substrings of another column's values of the same rows, as offset and
// length (substrSection). Int:
// zigzag varint deltas from the previous value of the section (starting at
// 0). Time: zigzag varint of the value minus the row's @timestamp (such
// times, event.created say, sit close to it), or with flag bit 1 minus the
// previous time value of the column (a backlog received at once). Float: u64 little endian bits.
// Bool: one byte. Array: appendValue of each value.

const (
	colAllPresent = 1
	colTimeDelta  = 2 // time values are deltas from the previous time value
	// colSingletons: every present value is an array of one string or
	// address (ECS related.ip, related.user); the sections encode those
	// elements as a column of their own, so they get dictionaries, binary
	// addresses and references to event.original like any string column.
	colSingletons = 4
	colFlags      = colAllPresent | colTimeDelta | colSingletons
	mixedTypes    = 0xFF
	strDict       = 0
	strRaw        = 1
	strIPBinary   = 2
	strSuffix     = 3
	strSubstr     = 4
	numTypes      = 8
)

// columnEncoder holds scratch space reused across blocks.
type columnEncoder struct {
	dict    map[string]uint32
	dictLst []string
	idx     []uint32
	sec     [numTypes][]byte
	tmp     []byte

	// After encode: the number of values present, how many of them are
	// strings or addresses, and those strings without repeats (the
	// dictionary when one was used, else the values minus adjacent
	// repeats), for the index.
	present, strings int
	distinct         []string
	timeDelta        bool

	// ref, when set before encode, is the block's values of column refCol
	// (event.original for message): a string column whose values are
	// mostly suffixes of ref's is stored as suffix lengths (strSuffix).
	ref    []event.Value
	refCol uint32
	suffix bool
	// refSuffix allows suffix sections (message); any other string
	// column, every row present and mostly unique, may be stored as
	// substrings of ref (strSubstr): ids that the original holds verbatim.
	refSuffix bool
	substrOK  bool
	elems     []event.Value // the elements of singleton arrays
	// at holds, per row, where substrings found the value in ref (-1: not
	// found), for substrSection; or whether suffixes found it a suffix.
	at []int32
	// covered counts the rows of a suffix or substring section whose
	// value sits in ref between token boundaries: its tokens are tokens of
	// ref, which the block's index holds. Those rows are left out of
	// distinct (and so out of the column's own bloom filter).
	covered int
}

// substrSample is how many values substringsOf tries before deciding.
const substrSample = 32

// substrings reports whether vals (every row a string) are mostly found
// verbatim in the same rows' strings of ref, recording where in c.at. It
// samples the first values first, so that columns of other content are
// turned down cheaply.
func (c *columnEncoder) substrings(vals, ref []event.Value) bool {
	if len(ref) != len(vals) {
		return false
	}
	c.at = c.at[:0]
	hits, prev := 0, 0
	for i, v := range vals {
		r := ref[i]
		if r.Type() != event.TypeString {
			return false
		}
		at := -1
		if str := v.Str(); len(str) > 0 {
			at = indexNear(r.Str(), str, prev)
		}
		c.at = append(c.at, int32(at))
		if at >= 0 {
			prev = at
			if len(v.Str()) >= 4 {
				hits++
			}
		}
		if i+1 == substrSample && hits < substrSample*9/10 {
			return false
		}
	}
	return hits >= len(vals)*9/10
}

// indexNear is strings.Index(s, sub), except that it looks from a little
// before hint first: rows of a stream hold a field at about the same
// offset, and any occurrence will do.
func indexNear(s, sub string, hint int) int {
	from := max(hint-64, 0)
	if from >= len(s) {
		return strings.Index(s, sub)
	}
	if i := strings.Index(s[from:], sub); i >= 0 {
		return from + i
	}
	return strings.Index(s[:min(from+len(sub)-1, len(s))], sub)
}

// atTokenBounds reports whether s[i:j] starts and ends at token
// boundaries of s (an ASCII byte that is not a word byte, or the end of
// s): then its tokens, and pairs of adjacent tokens, are also those of s,
// by ASCII and by Unicode tokenization alike.
func atTokenBounds(s string, i, j int) bool {
	return (i == 0 || byteClass[s[i-1]]&(clsWord|clsHigh) == 0) && (j == len(s) || byteClass[s[j]]&(clsWord|clsHigh) == 0)
}

// singletons reports whether every present value is an array of exactly
// one string or address (and some value is present).
func singletons(vals []event.Value) bool {
	found := false
	for _, v := range vals {
		switch v.Type() {
		case event.TypeNull:
			continue
		case event.TypeArray:
			if es := v.Elems(); len(es) == 1 && (es[0].Type() == event.TypeString || es[0].Type() == event.TypeIP) {
				found = true
				continue
			}
		}
		return false
	}
	return found
}

// sameString is a == b, looking at the last and the middle byte first:
// neighbouring log lines of one source share long prefixes (a syslog
// header, a JSON record's first keys), so a plain comparison of two
// different lines reads through the prefix before it finds them different.
func sameString(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if n := len(a); n > 0 && (a[n-1] != b[n-1] || a[n/2] != b[n/2]) {
		return false
	}
	return a == b
}

// suffixes reports whether vals (every row a string) are mostly suffixes
// of the same rows' strings in ref, recording which in c.at (1 or 0).
func (c *columnEncoder) suffixes(vals, ref []event.Value) bool {
	if len(ref) != len(vals) {
		return false
	}
	c.at = c.at[:0]
	hits := 0
	for i, v := range vals {
		r := ref[i]
		if r.Type() != event.TypeString {
			return false
		}
		hit := len(v.Str()) > 0 && strings.HasSuffix(r.Str(), v.Str())
		if hit {
			hits++
		}
		c.at = append(c.at, int32(b2i(hit)))
	}
	return hits >= len(vals)*9/10
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// timesByDelta reports whether a column's time values take fewer bytes as
// deltas from one another than from their rows' @timestamps (true of
// event.created when the rows come from a backlog received at once).
func timesByDelta(vals []event.Value, times []int64) bool {
	var rel, delta int
	var prev int64
	for i, v := range vals {
		if v.Type() == event.TypeTime {
			n, _ := v.Raw()
			rel += varintLen(int64(n) - times[i])
			delta += varintLen(int64(n) - prev)
			prev = int64(n)
		}
	}
	return delta < rel
}

func varintLen(x int64) int {
	u := uint64(x<<1) ^ uint64(x>>63)
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

// encode appends the encoding of vals (one per row; null = absent) to dst.
// It returns the distinct strings when it used a dictionary (for indexing).
// times are the rows' @timestamps.
func (c *columnEncoder) encode(dst []byte, vals []event.Value, times []int64) []byte {
	n := len(vals)
	present := 0
	var flags byte
	if singletons(vals) {
		c.elems = resizeValues(c.elems, n)
		for i, v := range vals {
			c.elems[i] = event.Value{}
			if !v.IsNull() {
				c.elems[i] = v.Elems()[0]
			}
		}
		vals, flags = c.elems, colSingletons
	}
	var seen [numTypes]int
	for _, v := range vals {
		seen[v.Type()]++
	}
	present = n - seen[event.TypeNull]
	c.present, c.strings = present, seen[event.TypeString]+seen[event.TypeIP]
	c.distinct = c.distinct[:0]
	c.covered = 0
	c.timeDelta = seen[event.TypeTime] > 0 && timesByDelta(vals, times)
	if c.timeDelta {
		flags |= colTimeDelta
	}
	if present == n {
		dst = append(dst, flags|colAllPresent)
	} else {
		dst = append(dst, flags)
		bm := make([]byte, (n+7)/8)
		for i, v := range vals {
			if !v.IsNull() {
				bm[i/8] |= 1 << (i % 8)
			}
		}
		dst = append(dst, bm...)
	}
	allStrings := c.ref != nil && present == n && seen[event.TypeString] == n
	c.suffix = allStrings && c.refSuffix && c.suffixes(vals, c.ref)
	c.substrOK = allStrings && !c.refSuffix
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
		if t == event.TypeString && c.suffix {
			return c.suffixSection(vals)
		}
		if c.dict == nil {
			c.dict = make(map[string]uint32)
		}
		clear(c.dict)
		c.dictLst = c.dictLst[:0]
		c.idx = c.idx[:0]
		useDict := true
		prev, prevID := "", uint32(0)
		for _, v := range vals {
			if v.Type() != t {
				continue
			}
			str := v.Str()
			if len(c.idx) > 0 && sameString(str, prev) {
				c.idx = append(c.idx, prevID)
				continue
			}
			id, ok := c.dict[str]
			if !ok {
				id = uint32(len(c.dictLst))
				c.dict[str] = id
				c.dictLst = append(c.dictLst, str)
				// Give up on a dictionary as soon as most values seen
				// are distinct: mostly unique columns (messages, ids)
				// are stored raw, without hashing them all.
				if len(c.dictLst) > 255 && len(c.dictLst)*2 > len(c.idx) {
					useDict = false
					break
				}
			}
			c.idx = append(c.idx, id)
			prev, prevID = str, id
		}
		if useDict {
			c.distinct = append(c.distinct, c.dictLst...)
		} else {
			first, prev := true, ""
			for _, v := range vals {
				if v.Type() == t {
					if str := v.Str(); first || !sameString(str, prev) {
						c.distinct = append(c.distinct, str)
						first, prev = false, str
					}
				}
			}
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
		} else if bin, ok := c.binaryIPs(vals, t); ok {
			s = append(s, strIPBinary)
			s = append(s, bin...)
		} else if t == event.TypeString && c.substrOK && c.substrings(vals, c.ref) {
			return c.substrSection(vals)
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
		var prev int64
		for i, v := range vals {
			if v.Type() == t {
				n, _ := v.Raw()
				if c.timeDelta {
					s = binary.AppendVarint(s, int64(n)-prev)
					prev = int64(n)
				} else {
					s = binary.AppendVarint(s, int64(n)-times[i])
				}
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

// suffixSection encodes a string column (every row present) against
// c.ref: u8 strSuffix, uvarint ref column, per value uvarint k (0: the
// value is a literal, else it is the last k-1 bytes of the row's ref
// value), then the literals' uvarint lengths and their bytes. c.at says
// which values suffixes found to be suffixes.
func (c *columnEncoder) suffixSection(vals []event.Value) []byte {
	return c.refSection(vals, strSuffix, func(i int, str, ref string) int {
		if c.at[i] == 1 {
			return len(ref) - len(str)
		}
		return -1
	})
}

// substrSection encodes a string column (every row present) against
// c.ref: u8 strSubstr, uvarint ref column, per value uvarint k (0: the
// value is a literal, else it is the row's ref value from byte k-1) and,
// when k > 0, uvarint length; then the literals' uvarint lengths and their
// bytes. c.at holds the offsets that substrings found.
func (c *columnEncoder) substrSection(vals []event.Value) []byte {
	return c.refSection(vals, strSubstr, func(i int, _, _ string) int { return int(c.at[i]) })
}

// refSection writes a suffix or substring section: offset gives where row
// i's value sits in its ref value, or -1 for a literal. Rows stored by
// reference between token boundaries are counted in c.covered and left
// out of c.distinct.
func (c *columnEncoder) refSection(vals []event.Value, mode byte, offset func(i int, str, ref string) int) []byte {
	s := c.sec[event.TypeString][:0]
	s = append(s, mode)
	s = binary.AppendUvarint(s, uint64(c.refCol))
	c.idx = c.idx[:0]
	c.distinct = c.distinct[:0]
	first, prev := true, ""
	for i, v := range vals {
		str, ref := v.Str(), c.ref[i].Str()
		if at := offset(i, str, ref); at < 0 {
			s = append(s, 0)
			c.idx = append(c.idx, uint32(i))
		} else {
			if mode == strSuffix {
				s = binary.AppendUvarint(s, uint64(len(str))+1)
			} else {
				s = binary.AppendUvarint(s, uint64(at)+1)
				s = binary.AppendUvarint(s, uint64(len(str)))
			}
			if atTokenBounds(ref, at, at+len(str)) {
				c.covered++
				continue
			}
		}
		if first || !sameString(str, prev) {
			c.distinct = append(c.distinct, str)
			first, prev = false, str
		}
	}
	for _, i := range c.idx {
		s = binary.AppendUvarint(s, uint64(len(vals[i].Str())))
	}
	for _, i := range c.idx {
		s = append(s, vals[i].Str()...)
	}
	c.sec[event.TypeString] = s
	return s
}

// binaryIPs returns the strIPBinary form of the IP values of vals (after
// the mode byte), or false when some address's text is not its canonical
// form, which the binary form could not give back exactly.
func (c *columnEncoder) binaryIPs(vals []event.Value, t event.Type) ([]byte, bool) {
	if t != event.TypeIP {
		return nil, false
	}
	b := c.tmp[:0]
	for _, v := range vals {
		if v.Type() != t {
			continue
		}
		if a4, ok := canonicalIPv4(v.Str()); ok {
			b = append(b, 4)
			b = append(b, a4[:]...)
			continue
		}
		a, err := netip.ParseAddr(v.Str())
		if err != nil || a.Is4() || a.Zone() != "" || a.Is4In6() || a.String() != v.Str() {
			return nil, false
		}
		a16 := a.As16()
		b = append(b, 16)
		b = append(b, a16[:]...)
	}
	c.tmp = b
	return b, true
}

// canonicalIPv4 parses s when it is an IPv4 address in canonical dotted
// decimal (no leading zeros), without allocating.
func canonicalIPv4(s string) (a [4]byte, ok bool) {
	i := 0
	for k := range 4 {
		if k > 0 {
			if i >= len(s) || s[i] != '.' {
				return a, false
			}
			i++
		}
		start, n := i, 0
		for i < len(s) && i-start < 3 && '0' <= s[i] && s[i] <= '9' {
			n = n*10 + int(s[i]-'0')
			i++
		}
		if i == start || n > 255 || (s[start] == '0' && i-start > 1) {
			return a, false
		}
		a[k] = byte(n)
	}
	return a, i == len(s)
}

// decodeColumn decodes a column block of len(times) rows into dst (resized;
// absent rows are null). times are the rows' @timestamps. Strings share
// buf, which must not be reused.
func decodeColumn(buf []byte, times []int64, dst []event.Value) ([]event.Value, error) {
	return decodeColumnRef(buf, times, dst, nil)
}

// refResolver returns the values of another column of the same block (for
// strSuffix sections); it must not itself resolve references.
type refResolver func(col uint32) ([]event.Value, error)

// decodeColumnRef is decodeColumn for a column that may refer to another
// column of its block (ref may be nil: such a column is then an error).
func decodeColumnRef(buf []byte, times []int64, dst []event.Value, ref refResolver) ([]event.Value, error) {
	rows := len(times)
	dst = resizeValues(dst, rows)
	d := decoder{b: buf}
	flags := d.byte()
	if flags&^colFlags != 0 {
		return nil, formatErr("bad column flags %#x", flags)
	}
	if flags&colSingletons != 0 {
		defer wrapSingletons(dst)
	}
	var bm []byte
	if flags&colAllPresent == 0 {
		bm = d.bytes(uint64((rows + 7) / 8))
	}
	if d.err != nil {
		return nil, d.err
	}
	present := rows
	if bm != nil {
		present = 0
		for i := 0; i < rows; i++ {
			if bm[i/8]&(1<<(i%8)) != 0 {
				present++
			}
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
	// The common case: one type, every row present: decode in place.
	if bm == nil && types == nil {
		if present > 0 {
			sec := d.bytes(d.uvarint())
			if d.err != nil {
				return nil, d.err
			}
			if len(sec) > 0 && (sec[0] == strSuffix || sec[0] == strSubstr) && event.Type(tb) == event.TypeString {
				if err := decodeRefSection(sec, dst, ref); err != nil {
					return nil, err
				}
			} else if err := decodeSection(event.Type(tb), sec, dst); err != nil {
				return nil, err
			}
			if event.Type(tb) == event.TypeTime {
				var prev uint64
				for i := range dst {
					n, _ := dst[i].Raw()
					if flags&colTimeDelta != 0 {
						prev += n
						n = prev
					} else {
						n += uint64(times[i])
					}
					dst[i] = event.FromRaw(event.TypeTime, n, "")
				}
			}
		}
		if !d.done() {
			return nil, formatErr("%d trailing bytes in column", len(buf)-d.off)
		}
		return dst, nil
	}
	var secs [numTypes][]event.Value
	for t := event.TypeString; t < numTypes; t++ {
		if counts[t] == 0 {
			continue
		}
		sec := d.bytes(d.uvarint())
		if d.err != nil {
			return nil, d.err
		}
		secs[t] = make([]event.Value, counts[t])
		if err := decodeSection(t, sec, secs[t]); err != nil {
			return nil, err
		}
		if t == event.TypeTime && flags&colTimeDelta != 0 {
			var prev uint64
			for i, v := range secs[t] {
				n, _ := v.Raw()
				prev += n
				secs[t][i] = event.FromRaw(t, prev, "")
			}
		}
	}
	if !d.done() {
		return nil, formatErr("%d trailing bytes in column", len(buf)-d.off)
	}
	var next [numTypes]int
	k := 0
	for i := 0; i < rows; i++ {
		if bm != nil && bm[i/8]&(1<<(i%8)) == 0 {
			dst[i] = event.Value{}
			continue
		}
		t := event.Type(tb)
		if types != nil {
			t = event.Type(types[k])
		}
		k++
		v := secs[t][next[t]]
		next[t]++
		if t == event.TypeTime && flags&colTimeDelta == 0 {
			n, _ := v.Raw()
			v = event.FromRaw(event.TypeTime, n+uint64(times[i]), "")
		}
		dst[i] = v
	}
	return dst, nil
}

// wrapSingletons turns the decoded elements of a colSingletons column
// back into one-element arrays, sharing one backing slice.
func wrapSingletons(vals []event.Value) {
	elems := make([]event.Value, 0, len(vals))
	for i, v := range vals {
		if !v.IsNull() {
			elems = append(elems, v)
			vals[i] = event.Array(elems[len(elems)-1 : len(elems) : len(elems)]...)
		}
	}
}

func resizeValues(dst []event.Value, n int) []event.Value {
	if cap(dst) < n {
		return make([]event.Value, n)
	}
	return dst[:n]
}

// decodeRefSection decodes a strSuffix or strSubstr section (see
// suffixSection and substrSection) of len(out) rows, every one present.
func decodeRefSection(sec []byte, out []event.Value, ref refResolver) error {
	substr := sec[0] == strSubstr
	d := decoder{b: sec[1:]}
	col := d.uvarint()
	if d.err != nil {
		return d.err
	}
	if ref == nil || col > math.MaxUint32 {
		return formatErr("section refers to column %d, which cannot be resolved here", col)
	}
	rv, err := ref(uint32(col))
	if err != nil {
		return err
	}
	if len(rv) != len(out) {
		return formatErr("section of %d rows refers to a column of %d", len(out), len(rv))
	}
	ks := make([]uint64, len(out))
	var ls []uint64
	if substr {
		ls = make([]uint64, len(out))
	}
	literals := 0
	for i := range ks {
		ks[i] = d.uvarint()
		if ks[i] == 0 {
			literals++
		} else if substr {
			ls[i] = d.uvarint()
		}
		if d.err != nil {
			return d.err
		}
	}
	lens := make([]uint64, 0, literals)
	var total uint64
	for range literals {
		l := d.uvarint()
		lens = append(lens, l)
		total += l
		if total > uint64(len(sec)) {
			return formatErr("reference section literals longer than the section")
		}
	}
	data := d.bytes(total)
	if d.err != nil {
		return d.err
	}
	if !d.done() {
		return formatErr("trailing bytes in reference section")
	}
	off := uint64(0)
	li := 0
	for i, k := range ks {
		if k == 0 {
			out[i] = event.String(bstr(data[off : off+lens[li]]))
			off += lens[li]
			li++
			continue
		}
		r := rv[i]
		if r.Type() != event.TypeString {
			return formatErr("reference to a %s value", r.Type())
		}
		s := r.Str()
		if substr {
			if k-1 > uint64(len(s)) || ls[i] > uint64(len(s))-(k-1) {
				return formatErr("substring [%d, +%d) of a value of %d bytes", k-1, ls[i], len(s))
			}
			out[i] = event.String(s[k-1 : k-1+ls[i]])
			continue
		}
		if k-1 > uint64(len(s)) {
			return formatErr("suffix of %d bytes of a value of %d bytes", k-1, len(s))
		}
		out[i] = event.String(s[uint64(len(s))-(k-1):])
	}
	return nil
}

// decodeSection decodes the len(out) values of one type section. Time
// values come out relative to their rows' @timestamps.
func decodeSection(t event.Type, sec []byte, out []event.Value) error {
	count := len(out)
	d := decoder{b: sec}
	switch t {
	case event.TypeString, event.TypeIP:
		switch mode := d.byte(); mode {
		case strDict:
			n := d.uvarint()
			if n > uint64(len(sec)) || n == 0 {
				return formatErr("dictionary of %d entries", n)
			}
			lens := make([]uint64, n)
			var total uint64
			for i := range lens {
				lens[i] = d.uvarint()
				total += lens[i]
				if total > uint64(len(sec)) {
					return formatErr("dictionary longer than its section")
				}
			}
			data := d.bytes(total)
			if d.err != nil {
				return d.err
			}
			dict := make([]event.Value, n)
			off := uint64(0)
			for i, l := range lens {
				dict[i] = event.FromRaw(t, 0, bstr(data[off:off+l]))
				off += l
			}
			if n <= 256 {
				idx := d.bytes(uint64(count))
				if d.err != nil {
					return d.err
				}
				for i, id := range idx {
					if uint64(id) >= n {
						return formatErr("dictionary index %d of %d", id, n)
					}
					out[i] = dict[id]
				}
			} else {
				for i := range out {
					id := d.uvarint()
					if d.err == nil && id >= n {
						return formatErr("dictionary index %d of %d", id, n)
					}
					if d.err != nil {
						return d.err
					}
					out[i] = dict[id]
				}
			}
		case strRaw:
			lens := decoder{b: sec[d.off:]}
			var total uint64
			for range count {
				total += lens.uvarint()
				if lens.err != nil {
					return lens.err
				}
			}
			data := sec[d.off+lens.off:]
			if total != uint64(len(data)) {
				return formatErr("raw strings: %d bytes announced, %d present", total, len(data))
			}
			lens.off = 0
			off := uint64(0)
			for i := range out {
				l := lens.uvarint()
				out[i] = event.FromRaw(t, 0, bstr(data[off:off+l]))
				off += l
			}
			return nil
		case strSuffix, strSubstr:
			return formatErr("reference section where it is not allowed")
		case strIPBinary:
			if t != event.TypeIP {
				return formatErr("binary addresses in a %s section", t)
			}
			// The text of all addresses goes to one buffer: one allocation.
			text := make([]byte, 0, count*16)
			ends := make([]int, count)
			for i := range out {
				switch l := d.byte(); l {
				case 4:
					b := d.bytes(4)
					if d.err != nil {
						return d.err
					}
					text = netip.AddrFrom4([4]byte(b)).AppendTo(text)
				case 16:
					b := d.bytes(16)
					if d.err != nil {
						return d.err
					}
					a := netip.AddrFrom16([16]byte(b))
					if a.Is4In6() {
						return formatErr("IPv4-mapped address in binary IPv6 form")
					}
					text = a.AppendTo(text)
				default:
					if d.err != nil {
						return d.err
					}
					return formatErr("address of %d bytes", l)
				}
				ends[i] = len(text)
			}
			start := 0
			for i := range out {
				out[i] = event.FromRaw(event.TypeIP, 0, bstr(text[start:ends[i]]))
				start = ends[i]
			}
		default:
			return formatErr("bad string mode %d", mode)
		}
	case event.TypeInt:
		var prev int64
		for i := range out {
			prev += d.varint()
			out[i] = event.FromRaw(t, uint64(prev), "")
		}
	case event.TypeTime:
		for i := range out {
			out[i] = event.FromRaw(t, uint64(d.varint()), "")
		}
	case event.TypeFloat:
		if len(sec) != 8*count {
			return formatErr("float section of %d bytes for %d values", len(sec), count)
		}
		for i := range out {
			out[i] = event.FromRaw(t, d.u64(), "")
		}
	case event.TypeBool:
		if len(sec) != count {
			return formatErr("bool section of %d bytes for %d values", len(sec), count)
		}
		for i, b := range sec {
			if b > 1 {
				return formatErr("bad bool %d", b)
			}
			out[i] = event.FromRaw(t, uint64(b), "")
		}
		return nil
	case event.TypeArray:
		for i := range out {
			v := d.value(1)
			if d.err == nil && v.Type() != event.TypeArray {
				return formatErr("array section holds a %s", v.Type())
			}
			out[i] = v
		}
	default:
		return formatErr("bad section type %d", t)
	}
	if d.err != nil {
		return d.err
	}
	if !d.done() {
		return formatErr("trailing bytes in %s section", t)
	}
	return nil
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

// decodeColumnRows decodes only the given rows (ascending) of a column
// block into out (one per row): a search with few matches in a block
// needs its other columns at those rows only. Single-type columns are read
// in place without building the other rows' values (strings, addresses
// and arrays are where that saves most); mixed-type and suffix columns are
// decoded whole, then picked.
func decodeColumnRows(buf []byte, times []int64, rows []int, out []event.Value, ref refResolver) error {
	if ok := selectRows(buf, times, rows, out); ok {
		return nil
	}
	full, err := decodeColumnRef(buf, times, nil, ref)
	if err != nil {
		return err
	}
	for k, r := range rows {
		out[k] = full[r]
	}
	return nil
}

// selectRows is decodeColumnRows' fast path; false means "decode whole"
// (mixed types, suffix sections, or bytes that the full decoder must
// judge).
func selectRows(buf []byte, times []int64, rows []int, out []event.Value) bool {
	n := len(times)
	d := decoder{b: buf}
	flags := d.byte()
	if flags&^(colAllPresent|colTimeDelta) != 0 || len(rows) == 0 || rows[len(rows)-1] >= n {
		return false
	}
	// ranks[k]: the index among present values of rows[k], -1 when absent.
	ranks := make([]int, len(rows))
	present := n
	if flags&colAllPresent == 0 {
		bm := d.bytes(uint64((n + 7) / 8))
		if d.err != nil {
			return false
		}
		present = 0
		k := 0
		for i := 0; i < n && k < len(rows); i++ {
			has := bm[i/8]&(1<<(i%8)) != 0
			if rows[k] == i {
				ranks[k] = -1
				if has {
					ranks[k] = present
				}
				k++
			}
			if has {
				present++
			}
		}
		for i := rows[len(rows)-1] + 1; i < n; i++ {
			if bm[i/8]&(1<<(i%8)) != 0 {
				present++
			}
		}
	} else {
		copy(ranks, rows)
	}
	t := event.Type(d.byte())
	if t == 0 || t >= numTypes || d.err != nil {
		return false
	}
	sec := d.bytes(d.uvarint())
	if d.err != nil || !d.done() || len(sec) == 0 {
		return false
	}
	// The present selected rows, and where their values go.
	want := make([]int, 0, len(rows))
	dst := make([]int, 0, len(rows))
	for k, r := range ranks {
		out[k] = event.Value{}
		if r >= 0 {
			want = append(want, r)
			dst = append(dst, k)
		}
	}
	if len(want) == 0 {
		return true
	}
	vals := make([]event.Value, len(want))
	if !selectSection(t, sec, present, want, vals, flags&colTimeDelta != 0) {
		return false
	}
	for i, k := range dst {
		v := vals[i]
		if t == event.TypeTime && flags&colTimeDelta == 0 {
			u, _ := v.Raw()
			v = event.FromRaw(t, u+uint64(times[rows[k]]), "")
		}
		out[k] = v
	}
	return true
}

// selectSection decodes values want (ascending indexes among the n of the
// section) of a section of type t into out. Time values come out relative
// to their rows, or absolute with timeDelta.
func selectSection(t event.Type, sec []byte, n int, want []int, out []event.Value, timeDelta bool) bool {
	if want[len(want)-1] >= n {
		return false
	}
	d := decoder{b: sec}
	switch t {
	case event.TypeInt, event.TypeTime:
		// Ints are deltas; times are deltas or row-relative: either way a
		// running sum or the value itself, read in one pass.
		var sum int64
		k := 0
		for i := 0; i < n && k < len(want); i++ {
			x := d.varint()
			if d.err != nil {
				return false
			}
			sum += x
			if want[k] == i {
				v := x
				if t == event.TypeInt || timeDelta {
					v = sum
				}
				out[k] = event.FromRaw(t, uint64(v), "")
				k++
			}
		}
		return k == len(want)
	case event.TypeFloat:
		if len(sec) != 8*n {
			return false
		}
		for k, i := range want {
			out[k] = event.FromRaw(t, binary.LittleEndian.Uint64(sec[8*i:]), "")
		}
		return true
	case event.TypeBool:
		if len(sec) != n {
			return false
		}
		for k, i := range want {
			if sec[i] > 1 {
				return false
			}
			out[k] = event.FromRaw(t, uint64(sec[i]), "")
		}
		return true
	case event.TypeArray:
		k := 0
		for i := 0; i < n && k < len(want); i++ {
			if want[k] != i {
				d.skipValue(1)
				continue
			}
			v := d.value(1)
			if d.err != nil || v.Type() != event.TypeArray {
				return false
			}
			out[k] = v
			k++
		}
		return d.err == nil && k == len(want)
	case event.TypeString, event.TypeIP:
	default:
		return false
	}
	d = decoder{b: sec[1:]}
	switch sec[0] {
	case strRaw:
		starts := make([]uint64, len(want))
		lens := make([]uint64, len(want))
		var off uint64
		k := 0
		for i := 0; i < n; i++ {
			l := d.uvarint()
			if d.err != nil {
				return false
			}
			if k < len(want) && want[k] == i {
				starts[k], lens[k] = off, l
				k++
			}
			off += l
		}
		data := d.b[d.off:]
		if off != uint64(len(data)) {
			return false
		}
		for k := range want {
			out[k] = event.FromRaw(t, 0, bstr(data[starts[k]:starts[k]+lens[k]]))
		}
		return true
	case strDict:
		m := d.uvarint()
		if d.err != nil || m == 0 || m > uint64(len(sec)) {
			return false
		}
		ends := make([]uint64, m)
		var total uint64
		for i := range ends {
			total += d.uvarint()
			if d.err != nil || total > uint64(len(sec)) {
				return false
			}
			ends[i] = total
		}
		data := d.bytes(total)
		if d.err != nil {
			return false
		}
		entry := func(id uint64) event.Value {
			start := uint64(0)
			if id > 0 {
				start = ends[id-1]
			}
			return event.FromRaw(t, 0, bstr(data[start:ends[id]]))
		}
		if m <= 256 {
			idx := d.bytes(uint64(n))
			if d.err != nil || !d.done() {
				return false
			}
			for k, i := range want {
				if uint64(idx[i]) >= m {
					return false
				}
				out[k] = entry(uint64(idx[i]))
			}
			return true
		}
		k := 0
		for i := 0; i < n; i++ {
			id := d.uvarint()
			if d.err != nil || id >= m {
				return false
			}
			if k < len(want) && want[k] == i {
				out[k] = entry(id)
				k++
			}
		}
		return d.done()
	case strIPBinary:
		if t != event.TypeIP {
			return false
		}
		k := 0
		var text []byte
		for i := 0; i < n; i++ {
			l := d.byte()
			if l != 4 && l != 16 {
				return false
			}
			b := d.bytes(uint64(l))
			if d.err != nil {
				return false
			}
			if k < len(want) && want[k] == i {
				start := len(text)
				if l == 4 {
					text = netip.AddrFrom4([4]byte(b)).AppendTo(text)
				} else {
					a := netip.AddrFrom16([16]byte(b))
					if a.Is4In6() {
						return false
					}
					text = a.AppendTo(text)
				}
				out[k] = event.FromRaw(t, 0, bstr(text[start:]))
				k++
			}
		}
		return d.done()
	}
	return false
}
