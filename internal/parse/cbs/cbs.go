// Package cbs decodes the Windows Component-Based Servicing log
// (%windir%\Logs\CBS\CBS.log), the format "windows-cbs", as in loghub's
// Windows sample:
//
//	2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505 with Core: …
//	2016-09-29 02:04:40, Error                 CBS    Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]
//
// The timestamp has no zone: it is read in meta.Loc().
//
// ECS: @timestamp, event.kind event, event.category package, event.type
// info (error for Error lines), event.module windows, event.dataset
// windows.cbs, log.level (Info, Warning, Error … as written),
// windows.cbs.component (CBS, CSI, …), message, error.code and
// error.type for "[HRESULT = 0x… - NAME]".
//
// Errors (*parse.SyntaxError): a line that does not start "YYYY-MM-DD
// hh:mm:ss, Level".
package cbs

import (
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Name is the format name.
const Name = "windows-cbs"

// Format returns the windows-cbs format.
func Format() parse.Format {
	return parse.Format{Name: Name, Description: "Windows Component-Based Servicing log (CBS.log)", Detect: Detect, Decode: Decode}
}

type line struct {
	ts, level, component, msg string
}

func split(s string) (l line, ok bool) {
	if len(s) < 22 || s[19] != ',' || s[20] != ' ' || s[10] != ' ' {
		return l, false
	}
	l.ts = s[:19]
	rest := strings.TrimLeft(s[21:], " ")
	level, rest, _ := strings.Cut(rest, " ")
	if level == "" || !isWord(level) {
		return l, false
	}
	l.level = level
	rest = strings.TrimLeft(rest, " ")
	comp, msg, _ := strings.Cut(rest, " ")
	if !isWord(comp) || strings.ToUpper(comp) != comp {
		// Some lines have no component (an upper-case word such as CBS,
		// CSI, DPX): the text starts right away.
		l.msg = rest
		return l, true
	}
	l.component, l.msg = comp, strings.TrimLeft(msg, " ")
	return l, true
}

func isWord(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

var levels = map[string]bool{"Info": true, "Warning": true, "Error": true, "Perf": true, "Debug": true, "Trace": true}

// Detect scores a record: 90 for "YYYY-MM-DD hh:mm:ss, Level  COMPONENT"
// with a known level (Info, Warning, Error, Perf, Debug, Trace), 0
// otherwise.
func Detect(record []byte) int {
	l, ok := split(string(record))
	if !ok || !levels[l.level] {
		return 0
	}
	if _, ok := normalize.ParseTimestamp(l.ts, nil); !ok {
		return 0
	}
	return 90
}

func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

// Decode decodes one CBS.log line.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	s := strings.TrimRight(string(record), " \r\n")
	if strings.TrimSpace(s) == "" {
		return parse.ErrEmpty
	}
	l, ok := split(s)
	if !ok {
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: `not "YYYY-MM-DD hh:mm:ss, Level COMPONENT text"`}
	}
	t, ok := normalize.ParseTimestamp(l.ts, meta.Loc())
	if !ok {
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: "bad timestamp " + l.ts}
	}
	ev.Time = t.UnixNano()
	typ := "info"
	if l.level == "Error" {
		typ = "error"
	}
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldCategory, event.Array(event.String("package")))
	add(ev, event.FieldType, event.Array(event.String(typ)))
	add(ev, event.FieldModule, event.String("windows"))
	add(ev, event.FieldDataset, event.String("windows.cbs"))
	add(ev, "log.level", event.String(l.level))
	if l.component != "" {
		add(ev, "windows.cbs.component", event.String(l.component))
	}
	if l.msg != "" {
		add(ev, event.FieldMessage, event.String(l.msg))
	}
	if i := strings.Index(l.msg, "[HRESULT = "); i >= 0 {
		rest := l.msg[i+len("[HRESULT = "):]
		if j := strings.IndexByte(rest, ']'); j > 0 {
			code, name, _ := strings.Cut(rest[:j], " - ")
			if code = strings.TrimSpace(code); code != "" {
				add(ev, "error.code", event.String(code))
			}
			if name = strings.TrimSpace(name); name != "" {
				add(ev, event.FieldErrorType, event.String(name))
			}
		}
	}
	parse.SetCommon(ev, record, meta)
	return nil
}
