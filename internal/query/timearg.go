package query

import (
	"fmt"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/filter"
)

// ParseTimeArg parses a time bound given to a search (--from/--to, the
// API's from/to): RFC 3339 (with or without fraction and zone; no zone is
// UTC), a date (2024-05-01, midnight UTC), "now", or a time relative to now:
// "now-15m", "-15m", "now-2h", "now-7d", "now-1w", "now+5m", with units
// ms, s, m, h, d (24 h) and w (7 d). The result is in UTC.
func ParseTimeArg(s string, now time.Time) (time.Time, error) {
	in := s
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if t, ok := filter.ParseTime(s); ok {
		return t, nil
	}
	rest, isNow := strings.CutPrefix(strings.ToLower(s), "now")
	if isNow && rest == "" {
		return now.UTC(), nil
	}
	if rest == "" || (rest[0] != '-' && rest[0] != '+') {
		return time.Time{}, fmt.Errorf("bad time %q: want RFC 3339, a date (2006-01-02), now, or now-15m style", in)
	}
	d, ok := parseUnitDuration(rest[1:])
	if !ok {
		if gd, err := time.ParseDuration(rest[1:]); err == nil && gd >= 0 {
			d, ok = gd, true
		}
	}
	if !ok {
		return time.Time{}, fmt.Errorf("bad relative time %q: want a number and a unit (ms, s, m, h, d, w), such as now-15m", in)
	}
	if rest[0] == '-' {
		d = -d
	}
	return now.Add(d).UTC(), nil
}
