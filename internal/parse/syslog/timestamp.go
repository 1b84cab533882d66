package syslog

import "time"

// monthOf returns the month of a three-letter English abbreviation in any
// case ("Jan", "JAN", "jan"), or 0.
func monthOf(s string) int {
	if len(s) < 3 {
		return 0
	}
	a, b, c := s[0]|0x20, s[1]|0x20, s[2]|0x20
	switch a {
	case 'j':
		if b == 'a' && c == 'n' {
			return 1
		}
		if b == 'u' && c == 'n' {
			return 6
		}
		if b == 'u' && c == 'l' {
			return 7
		}
	case 'f':
		if b == 'e' && c == 'b' {
			return 2
		}
	case 'm':
		if b == 'a' && c == 'r' {
			return 3
		}
		if b == 'a' && c == 'y' {
			return 5
		}
	case 'a':
		if b == 'p' && c == 'r' {
			return 4
		}
		if b == 'u' && c == 'g' {
			return 8
		}
	case 's':
		if b == 'e' && c == 'p' {
			return 9
		}
	case 'o':
		if b == 'c' && c == 't' {
			return 10
		}
	case 'n':
		if b == 'o' && c == 'v' {
			return 11
		}
	case 'd':
		if b == 'e' && c == 'c' {
			return 12
		}
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// num2 parses two digits at s[i:].
func num2(s string, i int) (int, bool) {
	if i+2 > len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) {
		return 0, false
	}
	return int(s[i]-'0')*10 + int(s[i+1]-'0'), true
}

// stamp3164 is an RFC 3164 timestamp as written, before a year and zone are
// chosen.
type stamp3164 struct {
	month, day, hour, min, sec, nsec int
	year                             int // 0 unless written ("Mmm dd yyyy hh:mm:ss")
}

// parseStamp3164 parses "Mmm dd hh:mm:ss" at the start of s (day padded
// with a space or a zero, or a single digit), optionally with a fraction of
// a second (".123456") or a year before the time ("Mmm dd yyyy hh:mm:ss",
// as Cisco devices write). It returns the length consumed.
func parseStamp3164(s string) (stamp3164, int, bool) {
	var st stamp3164
	if len(s) < 14 || s[3] != ' ' {
		return st, 0, false
	}
	if st.month = monthOf(s); st.month == 0 {
		return st, 0, false
	}
	i := 4
	switch {
	case s[i] == ' ' && isDigit(s[i+1]):
		st.day = int(s[i+1] - '0')
		i += 2
	case isDigit(s[i]) && isDigit(s[i+1]):
		st.day = int(s[i]-'0')*10 + int(s[i+1]-'0')
		i += 2
	case isDigit(s[i]) && s[i+1] == ' ':
		st.day = int(s[i] - '0')
		i++
	default:
		return st, 0, false
	}
	if st.day < 1 || st.day > 31 || i >= len(s) || s[i] != ' ' {
		return st, 0, false
	}
	i++
	// optional year
	if i+5 <= len(s) && isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) && s[i+4] == ' ' {
		st.year = int(s[i]-'0')*1000 + int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
		i += 5
	}
	var ok1, ok2, ok3 bool
	st.hour, ok1 = num2(s, i)
	st.min, ok2 = num2(s, i+3)
	st.sec, ok3 = num2(s, i+6)
	if !ok1 || !ok2 || !ok3 || s[i+2] != ':' || s[i+5] != ':' || st.hour > 23 || st.min > 59 || st.sec > 60 {
		return st, 0, false
	}
	i += 8
	if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		i++
		scale := 100000000
		for i < len(s) && isDigit(s[i]) {
			st.nsec += int(s[i]-'0') * scale
			scale /= 10
			i++
		}
	}
	if i < len(s) && s[i] != ' ' {
		return st, 0, false
	}
	return st, i, true
}

// maxAhead is how far past the receive time a year-less timestamp may land
// (a sender's clock running ahead). Anything later belongs to an earlier
// year: logs come from the past, so a "Dec 10" line read on Nov 21 is last
// December's, not next month's (rsyslog and syslog-ng reason the same way).
const maxAhead = 24 * time.Hour

// resolve returns the time of st in loc. A year-less stamp gets the latest
// year (of recv's year and its neighbours) that does not put it more than
// maxAhead after recv: a Dec 31 line received on Jan 1 is last year's, a
// Jan 1 line received on Dec 31 from a clock a minute fast is next year's.
func (st stamp3164) resolve(loc *time.Location, recv time.Time) (time.Time, bool) {
	if st.year != 0 {
		return st.at(st.year, loc)
	}
	ry := recv.In(loc).Year()
	limit := recv.Add(maxAhead)
	for _, y := range [4]int{ry + 1, ry, ry - 1, ry - 2} { // ry-2: Feb 29 seen from a year after a leap year's next
		if t, ok := st.at(y, loc); ok && !t.After(limit) {
			return t, true
		}
	}
	return time.Time{}, false
}

// at returns st in year y, or false when that date does not exist.
func (st stamp3164) at(y int, loc *time.Location) (time.Time, bool) {
	t := time.Date(y, time.Month(st.month), st.day, st.hour, st.min, st.sec, st.nsec, loc)
	if t.Day() != st.day {
		return time.Time{}, false // Feb 30, Apr 31, Feb 29 of a common year
	}
	return t, true
}
