package ingest

import (
	"sync"
	"sync/atomic"

	"github.com/shoseki/shoseki/internal/event"
)

// Hub hands stored events to live subscribers (tail, detection). Publish
// never blocks the ingest path: a subscriber that cannot keep up loses
// events, and each loss is counted on its Sub so it can tell its reader.
type Hub struct {
	mu   sync.RWMutex
	subs map[*Sub]struct{}
}

// Sub is one subscription.
type Sub struct {
	C       chan *event.Event // stored events; read-only, do not modify them
	match   func(*event.Event) bool
	dropped atomic.Int64
}

// Dropped returns and resets the count of events lost since the last call.
func (s *Sub) Dropped() int64 { return s.dropped.Swap(0) }

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[*Sub]struct{}{}} }

// Subscribe registers a subscriber receiving the events for which match
// returns true (all when match is nil), buffering up to buf of them.
func (h *Hub) Subscribe(buf int, match func(*event.Event) bool) *Sub {
	s := &Sub{C: make(chan *event.Event, buf), match: match}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Unsubscribe removes s; its channel is not closed (the reader stops by
// its own context).
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// Publish offers events to every subscriber.
func (h *Hub) Publish(events []*event.Event) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs {
		for _, ev := range events {
			if s.match != nil && !s.match(ev) {
				continue
			}
			select {
			case s.C <- ev:
			default:
				s.dropped.Add(1)
			}
		}
	}
}
