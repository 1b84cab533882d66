package local

import (
	"net/netip"
	"strconv"
	"strings"

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
	return e != nil && x.has(e, hashToken(token))
}

// has probes e's bloom filter and, for a column whose rows stored by
// reference are indexed in column 0's filter (numCovered), that one too.
func (x *blockIndex) has(e *colEntry, h uint64) bool {
	if x.p.bloomHas(e, h, &x.bytes) {
		return true
	}
	if e.num&numCovered == 0 {
		return false
	}
	o := x.b.col(0)
	return o == nil || x.p.bloomHas(o, h, &x.bytes)
}

// coveredValue reports whether a covered column (numCovered) may hold
// lower in a row indexed only through column 0: every token of it must be
// there (a value without tokens cannot be ruled out).
func (x *blockIndex) coveredValue(e *colEntry, lower string) bool {
	if e.num&numCovered == 0 {
		return false
	}
	o := x.b.col(0)
	if o == nil {
		return true
	}
	ok := true
	filter.EachToken(lower, func(tok string) {
		ok = ok && x.p.bloomHas(o, hashToken(tok), &x.bytes)
	})
	return ok
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
	if x.p.bloomHas(e, hashValue(lower), &x.bytes) || x.coveredValue(e, lower) {
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

// bigramPlan is the part of a filter that digit bigrams can prune: word
// terms on text fields whose words include adjacent numbers (addresses,
// versions, dates). filter.MayMatch asks the index about single tokens
// only; a block passes only if both it and the plan allow a match.
type bigramPlan struct {
	op     int // planAnd, planOr, planTerm
	kids   []*bigramPlan
	fields []string
	pairs  [][2]string
}

const (
	planAnd = iota
	planOr
	planTerm
)

// newBigramPlan returns nil when the filter has nothing to check.
func newBigramPlan(n filter.Node) *bigramPlan {
	switch t := n.(type) {
	case *filter.And, *filter.Or:
		var nodes []filter.Node
		op := planAnd
		if a, ok := t.(*filter.And); ok {
			nodes = a.Nodes
		} else {
			nodes, op = t.(*filter.Or).Nodes, planOr
		}
		p := &bigramPlan{op: op}
		for _, c := range nodes {
			k := newBigramPlan(c)
			if k == nil && op == planOr {
				return nil // an unprunable alternative
			}
			if k != nil {
				p.kids = append(p.kids, k)
			}
		}
		if len(p.kids) == 0 {
			return nil
		}
		return p
	case *filter.Term:
		if t.Op != filter.OpEq && t.Op != filter.OpPhrase {
			return nil
		}
		fields := filter.BareFields
		if t.Field != "" {
			if !filter.IsTextField(t.Field) {
				return nil
			}
			fields = []string{t.Field}
		}
		words := filter.Tokens(strings.ToLower(t.Value), nil)
		p := &bigramPlan{op: planTerm, fields: fields}
		for i := 0; i+1 < len(words); i++ {
			if isDigits(words[i]) && isDigits(words[i+1]) {
				p.pairs = append(p.pairs, [2]string{words[i], words[i+1]})
			}
		}
		if len(p.pairs) == 0 {
			return nil
		}
		return p
	}
	return nil
}

// mayMatch reports whether the block may satisfy the plan.
func (p *bigramPlan) mayMatch(x *blockIndex) bool {
	if p == nil {
		return true
	}
	switch p.op {
	case planAnd:
		for _, k := range p.kids {
			if !k.mayMatch(x) {
				return false
			}
		}
		return true
	case planOr:
		for _, k := range p.kids {
			if k.mayMatch(x) {
				return true
			}
		}
		return false
	}
	for _, f := range p.fields {
		e := x.entry(f)
		if e == nil {
			continue
		}
		if x.allPairs(e, p.pairs) {
			return true
		}
		if e.num&numCovered != 0 {
			if o := x.b.col(0); o == nil || x.allPairs(o, p.pairs) {
				return true
			}
		}
	}
	return false
}

func (x *blockIndex) allPairs(e *colEntry, pairs [][2]string) bool {
	for _, pr := range pairs {
		if !x.p.bloomHas(e, hashBigram(pr[0], pr[1]), &x.bytes) {
			return false
		}
	}
	return true
}
