// Package aggregate folds identical events into one: events of a dataset
// whose chosen fields are equal, arriving within a window of event time,
// are kept as the first of them with event.count (how many were folded),
// event.start and event.end (first and last @timestamp). A flood of 20,000
// identical firewall denies thus costs a handful of rows, and nothing is
// lost: every count (stats count(), detection) adds event.count, and the
// first event's original is kept.
//
// Fold is a pure function over a batch. The store applies it when it turns
// its head into a part, after the events are durable in its WAL, so folding
// never weakens the acknowledgement guarantee: a crash before the fold
// replays the unfolded events, which count the same.
package aggregate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/shoseki/shoseki/internal/event"
)

// Rule says which events fold together.
type Rule struct {
	// Dataset is the event.dataset the rule applies to ("*": any).
	Dataset string `yaml:"dataset"`
	// Fields whose values must be equal for events to fold (besides the
	// dataset). An event lacking one of them is never folded.
	Fields []string `yaml:"fields"`
	// Window bounds the event-time span of one folded row.
	Window time.Duration `yaml:"window"`
}

// DefaultRules fold network denies and allows by the 5-tuple and action,
// and repeated identical syslog messages per host and program.
func DefaultRules() []Rule {
	tuple := []string{"host.name", "event.action", "event.outcome", "source.ip", "destination.ip", "destination.port", "network.transport"}
	return []Rule{
		{Dataset: "iptables.log", Fields: tuple, Window: 5 * time.Second},
		{Dataset: "aws.vpcflow", Fields: append(slices.Clone(tuple), "source.port"), Window: 5 * time.Second},
	}
}

// Validate checks a rule set.
func Validate(rules []Rule) error {
	for i, r := range rules {
		switch {
		case r.Dataset == "":
			return fmt.Errorf("aggregate[%d]: dataset is required (\"*\" for any)", i)
		case len(r.Fields) == 0:
			return fmt.Errorf("aggregate[%d]: fields must name at least one field", i)
		case r.Window <= 0 || r.Window > time.Hour:
			return fmt.Errorf("aggregate[%d]: window must be between 0 and 1h", i)
		}
	}
	return nil
}

// Folder folds batches by its rules. It is safe for concurrent use.
type Folder struct {
	rules []Rule
}

// New returns a Folder; nil rules fold nothing.
func New(rules []Rule) *Folder { return &Folder{rules: rules} }

type member struct {
	idx  int    // position in the batch
	key  uint64 // fingerprint
	rule int
	t    int64
}

// Folds reports whether some rule may fold events of the dataset.
func (f *Folder) Folds(dataset string) bool {
	if f == nil {
		return false
	}
	for _, r := range f.rules {
		if r.Dataset == "*" || strings.EqualFold(r.Dataset, dataset) {
			return true
		}
	}
	return false
}

// Fold returns the batch with identical events folded, in the original
// order of the rows kept. Events it does not fold are returned as they are;
// a folded row is a copy of the first event of its group with the count
// fields set. The events given are never modified; the slice is reused.
func (f *Folder) Fold(events []*event.Event) []*event.Event {
	if f == nil || len(f.rules) == 0 || len(events) < 2 {
		return events
	}
	var members []member
	var buf []byte
	for i, ev := range events {
		ri, key, ok := f.fingerprint(ev, &buf)
		if ok {
			members = append(members, member{idx: i, key: key, rule: ri, t: ev.Time})
		}
	}
	if len(members) < 2 {
		return events
	}
	slices.SortFunc(members, func(a, b member) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		if a.t != b.t {
			if a.t < b.t {
				return -1
			}
			return 1
		}
		return a.idx - b.idx
	})
	drop := make([]bool, len(events))
	for i := 0; i < len(members); {
		head := members[i]
		window := int64(f.rules[head.rule].Window)
		j := i + 1
		for j < len(members) && members[j].key == head.key && members[j].t-head.t <= window && sameValues(f.rules[head.rule], events[head.idx], events[members[j].idx]) {
			j++
		}
		if j-i > 1 {
			// The batch's events may be read concurrently (the store's
			// head): change a copy.
			first := events[head.idx].Clone()
			events[head.idx] = first
			var total int64
			for _, m := range members[i:j] {
				total += events[m.idx].Count()
				if m.idx != head.idx {
					drop[m.idx] = true
				}
			}
			last := events[members[j-1].idx]
			start := first.Time
			if v, ok := first.Get("event.start"); ok {
				if t, ok := v.Time(); ok {
					start = t.UnixNano()
				}
			}
			end := last.Time
			if v, ok := last.Get("event.end"); ok {
				if t, ok := v.Time(); ok && t.UnixNano() > end {
					end = t.UnixNano()
				}
			}
			first.Set(event.FieldCount, event.Int(total))
			first.Set("event.start", event.TimeNanos(start))
			first.Set("event.end", event.TimeNanos(end))
		}
		i = j
	}
	out := events[:0]
	for i, ev := range events {
		if !drop[i] {
			out = append(out, ev)
		}
	}
	clear(events[len(out):])
	return out
}

// fingerprint returns the rule an event falls under and the hash of its
// dataset and rule fields; ok is false when no rule applies.
func (f *Folder) fingerprint(ev *event.Event, buf *[]byte) (int, uint64, bool) {
	kind := ev.GetString(event.FieldKind)
	if kind == event.KindPipelineError || kind == "signal" || kind == "alert" {
		return 0, 0, false
	}
	ds := ev.GetString(event.FieldDataset)
	for ri, r := range f.rules {
		if r.Dataset != "*" && !strings.EqualFold(r.Dataset, ds) {
			continue
		}
		b := append((*buf)[:0], ds...)
		for _, name := range r.Fields {
			v, ok := ev.Get(name)
			if !ok {
				return 0, 0, false
			}
			b = append(b, 0)
			b = append(b, byte(v.Type()))
			b = v.AppendText(b)
		}
		*buf = b
		return ri, xxhash.Sum64(b), true
	}
	return 0, 0, false
}

// sameValues guards against hash collisions.
func sameValues(r Rule, a, b *event.Event) bool {
	if a.GetString(event.FieldDataset) != b.GetString(event.FieldDataset) {
		return false
	}
	for _, name := range r.Fields {
		va, _ := a.Get(name)
		vb, _ := b.Get(name)
		if !event.Equal(va, vb) {
			return false
		}
	}
	return true
}
