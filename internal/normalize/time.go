package normalize

import "time"

// ParseTimestamp parses an RFC 3339 / ISO 8601 timestamp without allocating:
//
//	YYYY-MM-DD(T|t| )hh:mm[:ss[(.|,)fraction]][Z|z|±hh:mm|±hhmm|±hh]
//
// A timestamp without a zone is read in loc (UTC when loc is nil). Fractions
// beyond nanoseconds are truncated. A leap second (ss == 60) is folded into
// the next second, as time.Date does. The result is in UTC.
func ParseTimestamp(s string, loc *time.Location) (time.Time, bool) {
	if len(s) < 16 || s[4] != '-' || s[7] != '-' || s[13] != ':' {
		return time.Time{}, false
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return time.Time{}, false
	}
	year, ok1 := digits(s, 0, 4)
	month, ok2 := digits(s, 5, 2)
	day, ok3 := digits(s, 8, 2)
	hour, ok4 := digits(s, 11, 2)
	minute, ok5 := digits(s, 14, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return time.Time{}, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 {
		return time.Time{}, false
	}
	i := 16
	sec, nsec := 0, 0
	if i < len(s) && s[i] == ':' {
		var ok bool
		if sec, ok = digits(s, i+1, 2); !ok || sec > 60 {
			return time.Time{}, false
		}
		i += 3
		if i < len(s) && (s[i] == '.' || s[i] == ',') {
			i++
			start, scale := i, 100000000
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				nsec += int(s[i]-'0') * scale
				scale /= 10
				i++
			}
			if i == start {
				return time.Time{}, false
			}
		}
	}
	if i == len(s) {
		if loc == nil {
			loc = time.UTC
		}
		return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc).UTC(), true
	}
	offset := 0
	switch s[i] {
	case 'Z', 'z':
		i++
	case '+', '-':
		sign := 1
		if s[i] == '-' {
			sign = -1
		}
		i++
		oh, ok := digits(s, i, 2)
		if !ok || oh > 23 {
			return time.Time{}, false
		}
		i += 2
		om := 0
		if i < len(s) {
			if s[i] == ':' {
				i++
			}
			if om, ok = digits(s, i, 2); !ok || om > 59 {
				return time.Time{}, false
			}
			i += 2
		}
		offset = sign * (oh*3600 + om*60)
	default:
		return time.Time{}, false
	}
	if i != len(s) {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}

// digits parses n decimal digits of s at i.
func digits(s string, i, n int) (int, bool) {
	if i < 0 || i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// daysIn returns the number of days of a month (1..12) of a year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
