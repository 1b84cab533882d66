package zeek

import (
	"bytes"
	"errors"
	"math"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/jsonl"
)

// Name is the format name.
const Name = "zeek"

// Limits.
const (
	// MaxColumns is the largest number of #fields accepted.
	MaxColumns = 512
	// maxSetElems is the largest number of elements kept of one set or
	// vector column.
	maxSetElems = 1024
)

// Format returns the zeek format.
func Format() parse.Format {
	return parse.Format{
		Name:        Name,
		Description: "Zeek logs: TSV with #fields/#types header (whole files) and JSON lines (conn, dns, http, ssl, files, notice …)",
		Detect:      Detect,
		Decode:      Decode,
		DecodeAll:   DecodeAll,
	}
}

// Detect scores a record (or the first bytes of a whole input): 100 for a
// Zeek TSV header line (#separator, or #fields / #types / #path followed by
// a tab); for a JSON object line, 96 when it has "_path", 95 when it has
// both "ts" and "uid"; 0 otherwise. For a multi-line input only the first
// line counts.
func Detect(record []byte) int {
	if i := bytes.IndexByte(record, '\n'); i >= 0 {
		record = record[:i]
	}
	r := bytes.TrimSpace(record)
	if bytes.HasPrefix(r, []byte("#separator ")) {
		return 100
	}
	for _, p := range []string{"#fields\t", "#types\t", "#path\t", "#set_separator\t", "#unset_field\t", "#empty_field\t"} {
		if bytes.HasPrefix(r, []byte(p)) {
			return 100
		}
	}
	if len(r) < 2 || r[0] != '{' {
		return 0
	}
	if bytes.Contains(r, []byte(`"_path":"`)) || bytes.Contains(r, []byte(`"_path": "`)) {
		return 96
	}
	if bytes.Contains(r, []byte(`"ts":`)) && bytes.Contains(r, []byte(`"uid":"`)) {
		return 95
	}
	return 0
}

// errNeedHeader is the error for a TSV line given to the line decoder.
const errNeedHeader = "a Zeek TSV line needs its #fields header: ingest the whole file (the zeek format decodes TSV files whole)"

// Decode decodes one Zeek JSON record into ev. See the package comment.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	r := bytes.TrimSpace(record)
	if len(r) == 0 {
		return parse.ErrEmpty
	}
	if r[0] != '{' {
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: errNeedHeader}
	}
	base := len(ev.Fields)
	if err := jsonl.Decode(record, meta, ev); err != nil {
		var se *parse.SyntaxError
		if errors.As(err, &se) {
			return &parse.SyntaxError{Format: Name, Offset: se.Offset, Msg: se.Msg}
		}
		return err
	}
	// The log: _path, else guessed from the columns.
	path := ""
	hasTS, hasUID := false, false
	for _, f := range ev.Fields[base:] {
		switch f.Name {
		case "_path":
			path = f.Value.Str()
		case "ts":
			hasTS = true
		case "uid", "fuid":
			hasUID = true
		}
	}
	if path == "" && !(hasTS && hasUID) {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		ev.Time = 0
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: `no "_path" and no "ts" and "uid": not a Zeek JSON record`}
	}
	if path == "" {
		path = guessPath(ev.Fields[base:])
	}
	path = cleanPath(path)
	pfx := "zeek." + path + "."
	var m ecsRec
	keep := ev.Fields[:base]
	for _, f := range ev.Fields[base:] {
		switch {
		case f.Name == "_path":
			continue
		case f.Name == event.FieldOriginal && f.Value.Str() == string(record),
			f.Name == event.FieldCreated && meta != nil && event.Equal(f.Value, event.Time(meta.Received)):
			keep = append(keep, f) // set by the json decoder
			continue
		}
		name := f.Name
		v := f.Value
		if isAddrColumn(name) {
			if ip, ok := normalize.IPValue(v.Str()); ok && v.Type() == event.TypeString {
				v = ip
			}
		}
		if name == "ts" {
			if t, ok := jsonTime(v); ok {
				m.v[slotTS] = event.Time(t)
				v = m.v[slotTS] // typed as in a TSV log
			}
		}
		keep = append(keep, event.Field{Name: pfx + name, Value: v})
		m.collect(name, v)
	}
	clear(ev.Fields[len(keep):])
	ev.Fields = keep
	if !m.v[slotTS].IsNull() {
		t, _ := m.v[slotTS].Time()
		ev.Time = t.UnixNano()
	}
	ev.Fields = m.ecs(ev.Fields, path, event.Value{}, false)
	if v, ok := ev.Get(event.FieldOriginal); !ok || v.Str() != string(record) {
		parse.SetCommon(ev, record, meta)
	}
	return nil
}

// jsonTime reads a JSON ts: epoch seconds (a number) or an RFC 3339 string.
func jsonTime(v event.Value) (time.Time, bool) {
	switch v.Type() {
	case event.TypeFloat, event.TypeInt:
		f, _ := v.Float()
		if v.Type() == event.TypeInt {
			n, _ := v.Int()
			f = float64(n)
		}
		if f <= 0 || f > 1e11 || math.IsNaN(f) {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC(), true
	case event.TypeString:
		return normalize.ParseTimestamp(v.Str(), time.UTC)
	case event.TypeTime:
		return v.Time()
	}
	return time.Time{}, false
}

// isAddrColumn reports whether a column holds addresses in the common logs.
func isAddrColumn(name string) bool {
	switch name {
	case "id.orig_h", "id.resp_h", "src", "dst", "tx_hosts", "rx_hosts", "orig_h", "resp_h":
		return true
	}
	return false
}

// guessPath names the log of a JSON record without _path from its columns.
func guessPath(fs []event.Field) string {
	return guessPathBy(func(n string) bool {
		for _, f := range fs {
			if f.Name == n {
				return true
			}
		}
		return false
	})
}

// guessPathBy names a log from which columns it has.
func guessPathBy(has func(column string) bool) string {
	switch {
	case has("conn_state") || has("orig_bytes"):
		return "conn"
	case has("query") || has("qtype_name"):
		return "dns"
	case has("method") || has("uri") || has("status_code"):
		return "http"
	case has("cipher") || has("server_name"):
		return "ssl"
	case has("fuid") && (has("mime_type") || has("total_bytes") || has("seen_bytes")):
		return "files"
	case has("note"):
		return "notice"
	}
	return "log"
}

// cleanPath makes a log name usable as one field-name segment.
func cleanPath(p string) string {
	if p == "" {
		return "log"
	}
	if len(p) > 64 {
		p = p[:64]
	}
	for _, c := range []byte(p) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b := []byte(p)
			for i, c := range b {
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
					b[i] = '_'
				}
			}
			return string(b)
		}
	}
	return p
}
