package local

import (
	"slices"
	"time"
)

// applyRetention drops whole day partitions older than Retention and, while
// parts take more than MaxBytes, the oldest days (never the newest one).
// Parts in use by searches are deleted when their last search ends.
func (s *Store) applyRetention(now time.Time, retention time.Duration, maxBytes int64) error {
	if retention <= 0 && maxBytes <= 0 {
		return nil
	}
	s.mu.Lock()
	sizes := map[string]int64{}
	var total int64
	for _, p := range s.parts {
		sizes[p.meta.Day] += p.meta.size()
		total += p.meta.size()
	}
	days := make([]string, 0, len(sizes))
	for d := range sizes {
		days = append(days, d)
	}
	slices.Sort(days)
	drop := map[string]bool{}
	if retention > 0 {
		cutoff := now.Add(-retention)
		for _, d := range days {
			start, err := time.Parse("2006-01-02", d)
			if err != nil {
				continue // a day name outside years 0-9999; left alone
			}
			if !start.Add(24 * time.Hour).After(cutoff) {
				drop[d] = true
				total -= sizes[d]
			}
		}
	}
	if maxBytes > 0 {
		for _, d := range days[:max(len(days)-1, 0)] {
			if total <= maxBytes {
				break
			}
			if !drop[d] {
				drop[d] = true
				total -= sizes[d]
			}
		}
	}
	if len(drop) == 0 {
		s.mu.Unlock()
		return nil
	}
	keep := s.parts[:0:0]
	var dropped []*part
	for _, p := range s.parts {
		if drop[p.meta.Day] {
			p.obsolete.Store(true)
			dropped = append(dropped, p)
			continue
		}
		keep = append(keep, p)
	}
	s.parts = keep
	s.mu.Unlock()
	for _, p := range dropped {
		p.unref()
	}
	for d := range drop {
		s.log.Info("store: retention dropped day partition", "day", d)
		s.m.retentionDrops.Inc()
	}
	s.updateGauges()
	return nil
}
