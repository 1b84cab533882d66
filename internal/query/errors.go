package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ParseError is an error in the text of a query. Pos is the byte offset in
// Query where the mistake was found; Error renders the offending line of the
// query with a caret under that position.
type ParseError struct {
	Pos   int    // byte offset into Query
	Msg   string // what is wrong, without position
	Query string // the query text as given to Parse
}

// Error renders "query:LINE:COL: MSG" followed by the line and a caret.
func (e *ParseError) Error() string {
	pos := min(max(e.Pos, 0), len(e.Query))
	lineStart := strings.LastIndexByte(e.Query[:pos], '\n') + 1
	lineEnd := strings.IndexByte(e.Query[pos:], '\n')
	if lineEnd < 0 {
		lineEnd = len(e.Query)
	} else {
		lineEnd += pos
	}
	line := strings.Count(e.Query[:lineStart], "\n") + 1
	col := utf8.RuneCountInString(e.Query[lineStart:pos]) + 1
	var b strings.Builder
	fmt.Fprintf(&b, "query:%d:%d: %s\n", line, col, e.Msg)
	text := e.Query[lineStart:lineEnd]
	b.WriteString("  ")
	b.WriteString(printable(text))
	b.WriteString("\n  ")
	// The caret line keeps the tabs of the text so it lines up in a terminal.
	for _, r := range printable(e.Query[lineStart:pos]) {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	return b.String()
}

// printable replaces control characters other than tab (and invalid UTF-8)
// by a single "?" each, so the caret stays under the right character.
func printable(s string) string {
	ok := true
	for _, r := range s {
		if (r < 0x20 && r != '\t') || r == 0x7f || r == utf8.RuneError {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if (r < 0x20 && r != '\t') || r == 0x7f || r == utf8.RuneError {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}
