package local

import (
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// memTable holds appended events not yet in a part, in sequence order. The
// commit loop appends under the store's mutex; searches read a prefix of
// events without locks (the prefix never changes once published).
type memTable struct {
	events  []*event.Event
	minT    int64
	maxT    int64
	maxSeq  uint64
	bytes   int64 // rough size, for back-pressure
	firstAt time.Time
}

func newMemTable() *memTable { return &memTable{} }

func (m *memTable) add(events []*event.Event) {
	if len(m.events) == 0 {
		m.firstAt = time.Now()
		m.minT, m.maxT = events[0].Time, events[0].Time
	}
	for _, e := range events {
		m.minT, m.maxT = min(m.minT, e.Time), max(m.maxT, e.Time)
		m.bytes += 64
		for i := range e.Fields {
			f := &e.Fields[i]
			_, s := f.Value.Raw()
			m.bytes += int64(len(f.Name)/4 + len(s) + 32)
		}
	}
	m.events = append(m.events, events...)
	m.maxSeq = events[len(events)-1].Seq
}

func (m *memTable) len() int { return len(m.events) }
