package query

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shoseki/shoseki/internal/event"
)

// WriteJSON writes r as one JSON object:
//
//	{"events":[...],"columns":[...],"rows":[[...]],"stats":{...},"took_ms":N,"truncated":true}
//
// "events" (each event as event.AppendJSON renders it) is present for an
// event result and "columns" and "rows" for a table, even when empty, so a
// client can tell the two apart; "stats" and "took_ms" (whole milliseconds)
// are always present; "truncated" only when true.
func (r *Result) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	buf = append(buf, '{')
	if r.IsTable() {
		buf = append(buf, `"columns":[`...)
		for i, c := range r.Columns {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = event.AppendJSONString(buf, c)
		}
		buf = append(buf, `],"rows":[`...)
		for i, row := range r.Rows {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			for j, v := range row {
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = v.AppendJSON(buf)
			}
			buf = append(buf, ']')
			if len(buf) > 64<<10 {
				if _, err := bw.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		buf = append(buf, ']')
	} else {
		buf = append(buf, `"events":[`...)
		for i, e := range r.Events {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = e.AppendJSON(buf)
			if len(buf) > 64<<10 {
				if _, err := bw.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		buf = append(buf, ']')
	}
	stats, err := json.Marshal(r.Stats)
	if err != nil {
		return err
	}
	buf = append(buf, `,"stats":`...)
	buf = append(buf, stats...)
	buf = append(buf, `,"took_ms":`...)
	buf = strconv.AppendInt(buf, r.Took.Milliseconds(), 10)
	if r.Truncated {
		buf = append(buf, `,"truncated":true`...)
	}
	buf = append(buf, "}\n"...)
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteCSV writes r as CSV with a header line: the table's columns, or for
// events @timestamp followed by every field name present, sorted. Values
// are their canonical text (event.Value.Text); null is empty.
func (r *Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if r.IsTable() {
		if err := cw.Write(r.Columns); err != nil {
			return err
		}
		rec := make([]string, len(r.Columns))
		for _, row := range r.Rows {
			for i := range rec {
				rec[i] = ""
				if i < len(row) {
					rec[i] = row[i].Text()
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	} else {
		cols := eventColumns(r.Events)
		if err := cw.Write(cols); err != nil {
			return err
		}
		rec := make([]string, len(cols))
		for _, e := range r.Events {
			for i, c := range cols {
				rec[i] = ""
				if v, ok := e.Get(c); ok {
					rec[i] = v.Text()
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// eventColumns is @timestamp and the sorted union of the events' fields.
func eventColumns(events []*event.Event) []string {
	seen := map[string]bool{}
	var names []string
	for _, e := range events {
		for _, f := range e.Fields {
			if !seen[f.Name] {
				seen[f.Name] = true
				names = append(names, f.Name)
			}
		}
	}
	slices.Sort(names)
	return append([]string{event.FieldTimestamp}, names...)
}

// tableTime is how WriteTable shows times: fixed width, UTC.
const tableTime = "2006-01-02T15:04:05.000Z"

// WriteTable writes r for a terminal. A table is aligned in columns under
// a header, numbers right-aligned. Events are one per line:
// "@timestamp  host.name  message", the message being event.original when
// there is no message field, and the fields as name=value when there is
// neither. Control characters are shown escaped (\n, \t, \x00).
func (r *Result) WriteTable(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if r.IsTable() {
		writeAligned(bw, r.Columns, r.Rows)
		return bw.Flush()
	}
	hostW := 0
	for _, e := range r.Events {
		hostW = max(hostW, utf8.RuneCountInString(cell(e.GetString(event.FieldHostName))))
	}
	var line []byte
	for _, e := range r.Events {
		line = line[:0]
		line = e.Timestamp().AppendFormat(line, tableTime)
		line = append(line, "  "...)
		if hostW > 0 {
			host := cell(e.GetString(event.FieldHostName))
			line = append(line, host...)
			for i := utf8.RuneCountInString(host); i < hostW; i++ {
				line = append(line, ' ')
			}
			line = append(line, "  "...)
		}
		line = append(line, cell(eventText(e))...)
		for len(line) > 0 && line[len(line)-1] == ' ' {
			line = line[:len(line)-1]
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// eventText is the message of an event for one-line display.
func eventText(e *event.Event) string {
	if s := e.GetString(event.FieldMessage); s != "" {
		return s
	}
	if s := e.GetString(event.FieldOriginal); s != "" {
		return s
	}
	var b strings.Builder
	for i, f := range e.Fields {
		if f.Name == event.FieldHostName {
			continue
		}
		if i > 0 && b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.Name)
		b.WriteByte('=')
		b.WriteString(f.Value.Text())
	}
	return b.String()
}

func writeAligned(w *bufio.Writer, cols []string, rows [][]event.Value) {
	widths := make([]int, len(cols))
	right := make([]bool, len(cols))
	cells := make([][]string, len(rows))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(cell(c))
		right[i] = len(rows) > 0
	}
	for k, row := range rows {
		cells[k] = make([]string, len(cols))
		for i := range cols {
			var v event.Value
			if i < len(row) {
				v = row[i]
			}
			s := ""
			switch v.Type() {
			case event.TypeTime:
				t, _ := v.Time()
				s = t.Format(tableTime)
			case event.TypeNull:
			default:
				s = cell(v.Text())
			}
			switch v.Type() {
			case event.TypeInt, event.TypeFloat, event.TypeNull:
			default:
				right[i] = false
			}
			cells[k][i] = s
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	writeRow := func(vals []string) {
		var line strings.Builder
		for i, s := range vals {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := widths[i] - utf8.RuneCountInString(s)
			if right[i] {
				line.WriteString(strings.Repeat(" ", pad))
				line.WriteString(s)
			} else {
				line.WriteString(s)
				if i < len(vals)-1 {
					line.WriteString(strings.Repeat(" ", pad))
				}
			}
		}
		w.WriteString(strings.TrimRight(line.String(), " "))
		w.WriteByte('\n')
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = cell(c)
	}
	writeRow(header)
	for _, c := range cells {
		writeRow(c)
	}
}

// cell escapes control characters and invalid UTF-8 for one-line display.
func cell(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || (r == utf8.RuneError && n == 1):
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
