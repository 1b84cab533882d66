package local

import (
	"strings"
	"sync"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// memTable holds appended events not yet in a part, in sequence order, in
// compact form: each committed batch is kept as its S2-compressed WAL
// payload (a pointer-free byte slice, which the garbage collector does not
// scan) with its Seq and time range. Searches and flushes decode a record
// when they need its events. The commit loop appends under the store's
// mutex; searches read a prefix of recs without locks (the prefix never
// changes once published).
type memTable struct {
	recs    []headRec
	n       int // events
	minT    int64
	maxT    int64
	maxSeq  uint64
	bytes   int64 // compressed bytes held, for back-pressure
	firstAt time.Time
}

// headRec is one committed batch of the head.
type headRec struct {
	firstSeq   uint64
	n          int
	minT, maxT int64
	payload    []byte // encodeWALBatch's output: raw length, then S2 block
}

func newMemTable() *memTable { return &memTable{} }

// add appends a committed batch: its compressed payload (kept, not copied)
// and its events, whose Seqs are set; the events are not retained.
func (m *memTable) add(payload []byte, events []*event.Event) {
	r := headRec{firstSeq: events[0].Seq, n: len(events), minT: events[0].Time, maxT: events[0].Time, payload: payload}
	for _, e := range events {
		r.minT, r.maxT = min(r.minT, e.Time), max(r.maxT, e.Time)
	}
	if m.n == 0 {
		m.firstAt = time.Now()
		m.minT, m.maxT = r.minT, r.maxT
	}
	m.minT, m.maxT = min(m.minT, r.minT), max(m.maxT, r.maxT)
	m.recs = append(m.recs, r)
	m.n += len(events)
	m.bytes += int64(len(payload))
	m.maxSeq = r.firstSeq + uint64(r.n) - 1
}

func (m *memTable) len() int { return m.n }

// decode returns the record's events with their Seqs. Their strings point
// into a freshly decompressed buffer, never reused.
func (r *headRec) decode() ([]*event.Event, error) {
	raw, err := walS2.decompress(r.payload)
	if err != nil {
		return nil, err
	}
	events, err := decodeEvents(raw)
	if err != nil {
		return nil, err
	}
	if len(events) != r.n {
		return nil, formatErr("head record holds %d events, %d expected", len(events), r.n)
	}
	for i, e := range events {
		e.Seq = r.firstSeq + uint64(i)
	}
	return events, nil
}

// flushRow is one event of a flush, located in its record's decompressed
// payload: a flush sorts these small rows, then decodes the events one
// block at a time in sorted order, rather than holding every event of the
// flush decoded at once.
type flushRow struct {
	day    int64
	stream string // event.dataset as GetString gives it; points into the payload
	t      int64
	seq    uint64
	rec    int32  // index of the payload
	off    uint32 // offset of the event's field count in the payload
	size   uint32 // bytes of the event from off
	names  uint32 // field names the payload defined before the event
}

func cmpFlushRows(a, b *flushRow) int {
	if a.day != b.day {
		return cmpInt(a.day, b.day)
	}
	if c := strings.Compare(a.stream, b.stream); c != 0 {
		return c
	}
	if a.t != b.t {
		return cmpInt(a.t, b.t)
	}
	return cmpInt(a.seq, b.seq)
}

// flushBufs recycles the memory of decompressed head records between
// flushes (a flush of 256Ki events decompresses about 200 MB).
var flushBufs sync.Pool

// release hands fp's memory back for another flush. Nothing may use the
// events decoded from it afterwards.
func (fp *flushPayload) release() {
	if fp.raw != nil {
		b := fp.raw[:0]
		flushBufs.Put(&b)
		fp.raw, fp.names = nil, nil
	}
}

// flushPayload is a decompressed head record with the field names it
// defines, in order of definition.
type flushPayload struct {
	raw   []byte
	names []string
}

// scan decompresses r and appends a flushRow per event to rows,
// without building the events.
func (r *headRec) scan(rec int32, rows []flushRow) (flushPayload, []flushRow, error) {
	var fp flushPayload
	var buf []byte
	if b, ok := flushBufs.Get().(*[]byte); ok {
		buf = *b
	}
	raw, err := walS2.decompressTo(buf, r.payload)
	if err != nil {
		return fp, rows, err
	}
	fp.raw = raw
	d := decoder{b: raw}
	n := d.uvarint()
	if n != uint64(r.n) {
		return fp, rows, formatErr("head record holds %d events, %d expected", n, r.n)
	}
	var t int64
	for i := range n {
		t += d.varint()
		row := flushRow{day: dayOf(t), t: t, seq: r.firstSeq + i, rec: rec, off: uint32(d.off), names: uint32(len(fp.names))}
		nf := d.uvarint()
		if nf > uint64(len(raw)-d.off)/2 {
			return fp, rows, formatErr("field count %d too large", nf)
		}
		found := false
		for range nf {
			id := d.uvarint()
			var name string
			switch {
			case id < uint64(len(fp.names)):
				name = fp.names[id]
			case id == uint64(len(fp.names)):
				l := d.uvarint()
				if l > maxNameLen {
					return fp, rows, formatErr("field name of %d bytes", l)
				}
				name = bstr(d.bytes(l))
				fp.names = append(fp.names, name)
			default:
				return fp, rows, formatErr("bad name reference %d", id)
			}
			if found || name != streamField {
				d.skipValue(0) // read by the part writer (or decodeAt)
				if d.err != nil {
					return fp, rows, d.err
				}
				continue
			}
			v := d.value(0)
			if d.err != nil {
				return fp, rows, d.err
			}
			// As Event.GetString: the first value, as text.
			found = true
			row.stream = v.Text()
			if v.Type() == event.TypeString {
				row.stream = v.Str()
			}
		}
		row.size = uint32(d.off) - row.off
		rows = append(rows, row)
	}
	if d.err != nil {
		return fp, rows, d.err
	}
	if !d.done() {
		return fp, rows, formatErr("%d trailing bytes", len(raw)-d.off)
	}
	return fp, rows, nil
}

// take returns n elements of *chunk's memory (a slice with no spare
// capacity), starting a new chunk of at least size when it is short. Chunks
// are never reused: what was taken stays valid.
func take[T any](chunk *[]T, n, size int) []T {
	if cap(*chunk)-len(*chunk) < n {
		*chunk = make([]T, 0, max(n, size))
	}
	l := len(*chunk)
	*chunk = (*chunk)[:l+n]
	return (*chunk)[l : l+n : l+n]
}

// decodeAt decodes the event of row (scanned from fp) into e, whose
// Fields are replaced, taken from fields' memory (see take). Its strings
// point into fp.raw.
func (fp *flushPayload) decodeAt(row *flushRow, e *event.Event, fields *[]event.Field, elems *[]event.Value) error {
	e.Seq, e.Time = row.seq, row.t
	e.Fields = nil
	return fp.eachField(row, elems, func(n, _ int, name string, v event.Value) {
		if e.Fields == nil {
			e.Fields = take(fields, n, 1<<16)[:0]
		}
		e.Fields = append(e.Fields, event.Field{Name: name, Value: v})
	})
}

// eachField decodes the fields of the event of row (scanned from fp) and
// calls fn with the field count n, each field's position, name and value.
// Strings point into fp.raw; arrays take their elements from elems' memory.
func (fp *flushPayload) eachField(row *flushRow, elems *[]event.Value, fn func(n, pos int, name string, v event.Value)) error {
	d := decoder{b: fp.raw, off: int(row.off), elems: elems}
	known := uint64(row.names)
	nf := d.uvarint()
	if known > uint64(len(fp.names)) || nf > uint64(len(fp.raw)-d.off)/2 {
		return formatErr("head event at offset %d: bad layout", row.off)
	}
	for pos := range int(nf) {
		id := d.uvarint()
		switch {
		case id < known:
		case id == known && known < uint64(len(fp.names)):
			d.bytes(d.uvarint()) // the definition, read by scan
			known++
		default:
			return formatErr("head event at offset %d: bad name reference %d", row.off, id)
		}
		v := d.value(0)
		if d.err != nil {
			return d.err
		}
		fn(int(nf), pos, fp.names[id], v)
	}
	return nil
}
