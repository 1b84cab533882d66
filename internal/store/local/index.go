package local

import (
	"net/netip"
	"strconv"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
)

// blockIndex answers filter.MayMatch for one block of a part from the part's
// index and bloom filters, without decoding the block.
//
// Two fields are not columns: @timestamp (the block's time range) and
// event.id, which reads an event's Seq in hex when the event has no
// event.id field of its own (judged by the block's sequence range).
type blockIndex struct {
	p     *part
	b     *blockHeader
	bytes int64 // bloom bytes read
}

var _ filter.BlockIndex = (*blockIndex)(nil)

func (x *blockIndex) entry(field string) *colEntry {
	id, ok := x.p.colID[field]
	if !ok {
		return nil
	}
	return x.b.col(id)
}

func (x *blockIndex) HasField(field string) bool {
	if field == event.FieldTimestamp || field == event.FieldID {
		return true
	}
	return x.entry(field) != nil
}

func (x *blockIndex) MayContainToken(field, token string) bool {
	if field == event.FieldTimestamp || field == event.FieldID {
		return true
	}
	e := x.entry(field)
	return e != nil && x.p.bloomHas(e, hashToken(token), &x.bytes)
}

func (x *blockIndex) MayContainValue(field, lower string) bool {
	switch field {
	case event.FieldTimestamp:
		return false // times are judged by NumRange
	case event.FieldID:
		if seq, err := strconv.ParseUint(lower, 16, 64); err == nil && seq >= x.b.minSeq && seq <= x.b.maxSeq {
			return true
		}
	}
	if filter.IsTextField(field) {
		return true // text fields index tokens only
	}
	e := x.entry(field)
	if e == nil {
		return false
	}
	if x.p.bloomHas(e, hashValue(lower), &x.bytes) {
		return true
	}
	// An address matches its canonical form ("::ffff:1.2.3.4" = "1.2.3.4").
	if a, err := netip.ParseAddr(lower); err == nil {
		if c := a.Unmap().String(); c != lower {
			return x.p.bloomHas(e, hashValue(c), &x.bytes)
		}
	}
	return false
}

func (x *blockIndex) NumRange(field string) (lo, hi float64, ok, pure bool) {
	if field == event.FieldTimestamp {
		return float64(x.b.minT), float64(x.b.maxT), true, true
	}
	e := x.entry(field)
	if e == nil {
		return 0, 0, false, field != event.FieldID
	}
	pure = e.num&numPure != 0 && field != event.FieldID
	return e.min, e.max, e.num&numHas != 0, pure
}

// partIndex answers filter.MayMatch for a whole part from its column list
// and part-wide numeric ranges: a part whose columns cannot match is skipped
// without looking at its blocks.
type partIndex struct{ p *part }

var _ filter.BlockIndex = partIndex{}

func (x partIndex) HasField(field string) bool {
	if field == event.FieldTimestamp || field == event.FieldID {
		return true
	}
	_, ok := x.p.colID[field]
	return ok
}

func (x partIndex) MayContainToken(field, token string) bool { return x.HasField(field) }

func (x partIndex) MayContainValue(field, lower string) bool {
	if field == event.FieldTimestamp {
		return false
	}
	return x.HasField(field)
}

func (x partIndex) NumRange(field string) (lo, hi float64, ok, pure bool) {
	if field == event.FieldTimestamp {
		return float64(x.p.meta.MinTime), float64(x.p.meta.MaxTime), true, true
	}
	id, found := x.p.colID[field]
	if !found {
		return 0, 0, false, field != event.FieldID
	}
	s := x.p.colNum[id]
	if s == nil {
		return 0, 0, false, false
	}
	return s.min, s.max, s.has, !s.impure && field != event.FieldID
}
