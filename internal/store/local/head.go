package local

import (
	"encoding/binary"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// memTable holds appended events not yet in a part, in sequence order, in
// compact form: each committed batch is kept as its zstd-compressed WAL
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
	payload    []byte // encodeWALBatch's output: raw length, then zstd frame
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
	if len(r.payload) < 4 {
		return nil, formatErr("head record of %d bytes", len(r.payload))
	}
	raw, err := decompress(walDecoder, r.payload[4:], uint64(binary.LittleEndian.Uint32(r.payload)), maxWALPayload)
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

// decodeAll returns the events of every record of m, in Seq order.
func (m *memTable) decodeAll() ([]*event.Event, error) {
	events := make([]*event.Event, 0, m.n)
	for i := range m.recs {
		evs, err := m.recs[i].decode()
		if err != nil {
			return nil, err
		}
		events = append(events, evs...)
	}
	return events, nil
}
