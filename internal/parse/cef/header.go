package cef

import (
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/syslog"
)

// syslogHeader decodes the syslog header before a CEF/LEEF marker into ev
// with the syslog format's decoder, keeping what describes the sender
// (@timestamp, host.name, log.syslog.*, process.*) and dropping what the
// CEF/LEEF decoder sets itself (event.*, message). It reports whether the
// header carried a timestamp. A header the syslog decoder rejects is
// ignored: the CEF/LEEF payload is what matters.
func syslogHeader(hdr []byte, meta *parse.Meta, ev *event.Event) bool {
	base := len(ev.Fields)
	ev.Time = 0
	if err := syslog.Decode(hdr, meta, ev); err != nil {
		return false
	}
	keep := ev.Fields[:base]
	hasTime := true
	for _, f := range ev.Fields[base:] {
		switch f.Name {
		case event.FieldMessage:
			// A header with no timestamp leaves its text as message and
			// stamps the receive time.
			hasTime = false
		case event.FieldOriginal, event.FieldCreated, event.FieldKind, event.FieldModule, event.FieldDataset:
		default:
			keep = append(keep, f)
		}
	}
	clear(ev.Fields[len(keep):])
	ev.Fields = keep
	if !hasTime {
		ev.Time = 0
	}
	return hasTime && ev.Time != 0
}

// timeLayouts are the date forms of CEF's rt/start/end (the CEF
// specification lists "MMM dd yyyy HH:mm:ss[.SSS][ zzz]" and "MMM dd
// HH:mm:ss[.SSS][ zzz]") and LEEF's common devTimeFormat values.
var timeLayouts = []string{
	"Jan _2 2006 15:04:05.000",
	"Jan _2 2006 15:04:05",
	"Jan _2 2006 15:04:05.000 MST",
	"Jan _2 2006 15:04:05 MST",
	"Jan _2 2006 15:04:05.000 -0700",
	"Jan _2 2006 15:04:05 -0700",
	"Jan _2 2006 15:04:05.000 -07:00",
	"Jan _2 2006 15:04:05 -07:00",
	"Jan _2 15:04:05.000",
	"Jan _2 15:04:05",
	"Jan _2 15:04:05.000 MST",
	"Jan _2 15:04:05 MST",
	"2006-01-02 15:04:05.000",
	"2006-01-02 15:04:05",
}

// parseTime reads a CEF/LEEF time: epoch milliseconds (or seconds when ten
// digits or fewer), RFC 3339, or one of timeLayouts. Times without a zone
// are read in meta.Loc(); a time without a year gets the year that puts it
// closest to meta.Received. Zone abbreviations other than UTC and GMT are
// not trusted (Go cannot resolve them) and read as meta.Loc() too.
func parseTime(s string, meta *parse.Meta) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	if allDigitsStrict(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		if len(s) <= 10 {
			return time.Unix(n, 0).UTC(), true
		}
		return time.UnixMilli(n).UTC(), true
	}
	loc := meta.Loc()
	if t, ok := normalize.ParseTimestamp(s, loc); ok {
		return t, true
	}
	for _, layout := range timeLayouts {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		if name, off := t.Zone(); off == 0 && name != "UTC" && name != "GMT" && name != "" && strings.HasSuffix(layout, "MST") {
			// An unknown abbreviation: Go gives it offset 0; read the
			// wall clock in loc instead.
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
		}
		if t.Year() == 0 {
			t = withClosestYear(t, meta)
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}

// withClosestYear gives t (parsed without a year) the year among the
// receive year and its neighbours that puts it closest to the receive time.
func withClosestYear(t time.Time, meta *parse.Meta) time.Time {
	recv := time.Now()
	if meta != nil && !meta.Received.IsZero() {
		recv = meta.Received
	}
	best := t
	var bestDiff time.Duration = -1
	for _, y := range []int{recv.Year() - 1, recv.Year(), recv.Year() + 1} {
		c := time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
		diff := c.Sub(recv)
		if diff < 0 {
			diff = -diff
		}
		if bestDiff < 0 || diff < bestDiff {
			best, bestDiff = c, diff
		}
	}
	return best
}

func allDigitsStrict(s string) bool {
	for _, c := range []byte(s) {
		if !isDigit(c) {
			return false
		}
	}
	return s != ""
}
