// Package store defines what Shoseki asks of an event store, whatever the
// engine behind it: durable append and filtered, time-bounded search.
// Implementations: store/local (embedded, the default) and, later,
// store/clickhouse. Consumers (ingest, query, detection) declare the smaller
// interfaces they need; these types are the shared vocabulary.
package store

import (
	"context"
	"errors"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
)

// ErrStop, returned by a search callback, ends the search early; Search then
// returns a nil error.
var ErrStop = errors.New("stop search")

// ErrClosed is returned by calls on a closed store.
var ErrClosed = errors.New("store closed")

// Request is one search.
type Request struct {
	Filter filter.Node // nil matches everything
	From   int64       // inclusive lower bound of @timestamp, Unix ns
	To     int64       // exclusive upper bound of @timestamp, Unix ns
	// Fields, when not nil, lists the only fields the caller reads from the
	// delivered events (besides @timestamp and Seq); a columnar store may
	// decode just those. The filter's own fields are read regardless.
	Fields []string
	// NewestFirst asks the store to visit its data newest first as far as its
	// layout allows (partitions and parts by descending max time). Events
	// are not guaranteed to arrive in exact time order.
	NewestFirst bool
	// Floor, when set, is consulted between blocks: a block (or part) whose
	// newest @timestamp is below Floor() may be skipped. The query executor
	// raises it once its top-N by time is full.
	Floor func() int64
	// Parallel, when set, lets the store deliver matching events to
	// functions it obtains from Parallel instead of fn: each is called by
	// one goroutine at a time, several run concurrently, and events come in
	// no particular order (an aggregation keeps a partial result per
	// function and merges them). The store may still use fn for some or all
	// events. Stores ignore it when NewestFirst or Floor is set. An error
	// from any of them ends the search like one from fn.
	Parallel func() func(*event.Event) error
}

// Stats says how much work a search did.
type Stats struct {
	Parts         int64 `json:"parts"`
	BlocksScanned int64 `json:"blocks_scanned"`
	BlocksSkipped int64 `json:"blocks_skipped"`
	EventsScanned int64 `json:"events_scanned"`
	EventsMatched int64 `json:"events_matched"`
	BytesRead     int64 `json:"bytes_read"`
}

// Add adds o to s.
func (s *Stats) Add(o Stats) {
	s.Parts += o.Parts
	s.BlocksScanned += o.BlocksScanned
	s.BlocksSkipped += o.BlocksSkipped
	s.EventsScanned += o.EventsScanned
	s.EventsMatched += o.EventsMatched
	s.BytesRead += o.BytesRead
}

// Store is an event store.
//
// Append makes a batch durable before it returns nil: after a nil return the
// events survive a crash (kill -9) and are visible to Search. It assigns each
// event its Seq (unique, increasing in append order). The store takes
// ownership of the events; the caller must not change them afterwards.
// Append is safe for concurrent use; concurrent batches are committed
// together (group commit).
//
// Search calls fn for every stored event with From <= @timestamp < To that
// matches the filter. The event passed to fn is owned by the store and valid
// only until fn returns (Clone it to keep it). fn is called from one
// goroutine at a time. A non-nil error from fn other than ErrStop ends the
// search and is returned.
type Store interface {
	Append(ctx context.Context, events []*event.Event) error
	Search(ctx context.Context, req Request, fn func(*event.Event) error) (Stats, error)
	Close() error
}
