package cef

import (
	"strconv"
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Format names.
const (
	NameCEF  = "cef"
	NameLEEF = "leef"
)

// Limits on one record.
const (
	// maxHeaderScan is how far into a record the CEF/LEEF marker is looked
	// for (the syslog header before it is shorter).
	maxHeaderScan = 512
	// maxAttrs is the largest number of extension attributes decoded; the
	// rest of a longer extension stays in event.original only.
	maxAttrs = 512
	// maxLabel is the longest custom label used in a field name.
	maxLabel = 64
)

// Format returns the cef format.
func Format() parse.Format {
	return parse.Format{
		Name:        NameCEF,
		Description: "ArcSight Common Event Format (CEF:0|…), with or without a syslog header",
		Detect:      Detect,
		Decode:      Decode,
	}
}

// Detect scores a record: 100 when it starts with "CEF:<digit>" and has at
// least six header pipes, 98 when that marker follows a syslog header, 0
// otherwise.
func Detect(record []byte) int { return detect(record, "CEF:", 6) }

// Decode decodes one CEF record into ev. See the package comment.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	return decode(record, meta, ev, NameCEF, "CEF:", (*decoder).cef)
}

// detect scores a record for a marker ("CEF:" or "LEEF:") followed by a
// version digit and at least pipes header pipes.
func detect(record []byte, marker string, pipes int) int {
	if len(record) > 4096 {
		record = record[:4096]
	}
	s := string(record) // does not escape: no allocation
	at := markerAt(s, marker)
	if at < 0 || strings.Count(s[at:], "|") < pipes {
		return 0
	}
	if at == 0 {
		return 100
	}
	return 98
}

// markerAt returns where marker starts in s: at 0, or after a space or the
// ">" of a PRI within the first maxHeaderScan bytes, followed by a digit.
// It returns -1 when there is none.
func markerAt(s, marker string) int {
	lim := min(len(s), maxHeaderScan)
	for i := 0; i < lim; {
		j := strings.Index(s[i:lim], marker)
		if j < 0 {
			return -1
		}
		j += i
		if (j == 0 || s[j-1] == ' ' || s[j-1] == '>') && j+len(marker) < len(s) && isDigit(s[j+len(marker)]) {
			return j
		}
		i = j + 1
	}
	return -1
}

// decoder holds the state of one Decode call.
type decoder struct {
	src  string // the record without trailing line terminators
	meta *parse.Meta
	ev   *event.Event
	base int
	off  int // offset of the CEF/LEEF marker in src

	timeSet bool // @timestamp came from the record itself
}

func decode(record []byte, meta *parse.Meta, ev *event.Event, format, marker string, body func(*decoder) error) error {
	end := len(record)
	for end > 0 && (record[end-1] == '\n' || record[end-1] == '\r' || record[end-1] == 0) {
		end--
	}
	if len(strings.TrimSpace(string(record[:end]))) == 0 {
		return parse.ErrEmpty
	}
	src := string(record)
	d := decoder{src: src[:end], meta: meta, ev: ev, base: len(ev.Fields)}
	at := markerAt(d.src, marker)
	if at < 0 {
		return &parse.SyntaxError{Format: format, Offset: 0, Msg: "no " + strings.TrimSuffix(marker, ":") + " header"}
	}
	d.off = at
	if at > 0 {
		d.timeSet = syslogHeader(record[:at], meta, ev)
	}
	if err := body(&d); err != nil {
		clear(ev.Fields[d.base:])
		ev.Fields = ev.Fields[:d.base]
		ev.Time = 0
		return err
	}
	if !d.timeSet {
		if meta != nil && !meta.Received.IsZero() {
			ev.Time = meta.Received.UTC().UnixNano()
		}
	}
	setCommon(ev, src, meta)
	return nil
}

// setCommon sets event.created from meta and event.original to src (the
// record as a string already made, so it is not copied again).
func setCommon(ev *event.Event, src string, meta *parse.Meta) {
	if meta != nil && !meta.Received.IsZero() {
		ev.Set(event.FieldCreated, event.Time(meta.Received))
	}
	ev.Set(event.FieldOriginal, event.String(src))
}

func (d *decoder) errorf(off int, msg string) error {
	return &parse.SyntaxError{Format: NameCEF, Offset: off, Msg: msg}
}

// set sets a field, replacing an earlier value of the same name (a key
// repeated in the extension: the last one wins).
func (d *decoder) set(name string, v event.Value) {
	fs := d.ev.Fields[d.base:]
	for i := range fs {
		if fs[i].Name == name {
			fs[i].Value = v
			return
		}
	}
	d.ev.Fields = append(d.ev.Fields, event.Field{Name: name, Value: v})
}

func (d *decoder) setString(name, s string) {
	if s != "" {
		d.set(name, event.String(s))
	}
}

// cef decodes the CEF header and extension at d.off.
func (d *decoder) cef() error {
	s := d.src[d.off+len("CEF:"):]
	base := d.off + len("CEF:")
	var hdr [7]string
	n, rest := 0, -1
	start := 0
	escaped := false
	for i := 0; i < len(s) && rest < 0; i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			escaped = true
			i++
		case c == '|':
			hdr[n] = s[start:i]
			if escaped {
				hdr[n] = unescapeHeader(hdr[n])
				escaped = false
			}
			n++
			start = i + 1
			if n == 7 {
				rest = i + 1
			}
		}
	}
	if n == 6 && rest < 0 {
		// No extension and no trailing pipe: the severity ends the record.
		hdr[6] = s[start:]
		if escaped {
			hdr[6] = unescapeHeader(hdr[6])
		}
		n, rest = 7, len(s)
	}
	if n < 7 {
		return d.errorf(base+start, "CEF header has "+strconv.Itoa(n+1)+" of its 7 fields")
	}
	version := hdr[0]
	if version == "" || !allDigits(version) {
		return d.errorf(base, "CEF version is not a number")
	}
	d.set("cef.version", event.String(version))
	d.setString("cef.device.vendor", hdr[1])
	d.setString("observer.vendor", hdr[1])
	d.setString("cef.device.product", hdr[2])
	d.setString("observer.product", hdr[2])
	d.setString("cef.device.version", hdr[3])
	d.setString("observer.version", hdr[3])
	d.setString("cef.device.event_class_id", hdr[4])
	d.setString("event.code", hdr[4])
	d.setString("cef.name", hdr[5])
	sev := strings.TrimSpace(hdr[6])
	d.setString("cef.severity", sev)
	if n, ok := severity(sev); ok {
		d.set("event.severity", event.Int(n))
	}
	d.set(event.FieldKind, event.String("event"))
	d.set(event.FieldModule, event.String("cef"))
	d.set(event.FieldDataset, event.String("cef.log"))
	d.extension(s[rest:])
	if !d.ev.Has(event.FieldMessage) {
		d.setString(event.FieldMessage, hdr[5])
	}
	return nil
}

// severity maps a CEF severity to event.severity.
func severity(s string) (int64, bool) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 10 {
		return int64(n), true
	}
	switch strings.ToLower(s) {
	case "low":
		return 3, true
	case "medium":
		return 6, true
	case "high":
		return 8, true
	case "very-high", "very high", "veryhigh":
		return 10, true
	}
	return 0, false
}

func unescapeHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '|' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// attr is one key=value of an extension; val is still escaped.
type attr struct{ key, val string }

// splitExtension splits a CEF extension into attributes (see the package
// comment for how keys are found).
func splitExtension(ext string, dst []attr) []attr {
	key, valStart := "", -1
	for j := 0; j < len(ext); j++ {
		switch ext[j] {
		case '\\':
			j++
			continue
		case '=':
		default:
			continue
		}
		k := j
		for k > 0 && ext[k-1] != ' ' && k-1 >= valStart {
			k--
		}
		if k < valStart || (k > 0 && ext[k-1] != ' ') || !validKey(ext[k:j]) {
			continue // an "=" inside a value
		}
		if valStart >= 0 {
			dst = append(dst, attr{key, strings.TrimRight(ext[valStart:k], " ")})
			if len(dst) == maxAttrs {
				return dst
			}
		}
		key, valStart = ext[k:j], j+1
	}
	if valStart >= 0 {
		dst = append(dst, attr{key, strings.TrimRight(ext[valStart:], " ")})
	}
	return dst
}

func validKey(k string) bool {
	if k == "" || len(k) > 128 {
		return false
	}
	for _, c := range []byte(k) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// unescapeValue resolves the extension escapes \= \\ \n \r (and \| as
// some producers write it); another backslash is kept.
func unescapeValue(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '=', '\\', '|':
				c = s[i+1]
				i++
			case 'n':
				c = '\n'
				i++
			case 'r':
				c = '\r'
				i++
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// kind says how an extension value becomes an ECS value.
type kind uint8

const (
	kString kind = iota
	kIP
	kPort
	kInt
	kTime
	kTimestamp // @timestamp
	kTransport
	kLower
	kOutcome
	kDirection
	kUser // a user name: also related.user
)

type mapping struct {
	field string
	kind  kind
}

// cefECS maps CEF extension keys, short and full names, to ECS fields.
var cefECS = map[string]mapping{
	"src": {"source.ip", kIP}, "sourceAddress": {"source.ip", kIP},
	"dst": {"destination.ip", kIP}, "destinationAddress": {"destination.ip", kIP},
	"spt": {"source.port", kPort}, "sourcePort": {"source.port", kPort},
	"dpt": {"destination.port", kPort}, "destinationPort": {"destination.port", kPort},
	"shost": {"source.domain", kString}, "sourceHostName": {"source.domain", kString},
	"dhost": {"destination.domain", kString}, "destinationHostName": {"destination.domain", kString},
	"smac": {"source.mac", kString}, "sourceMacAddress": {"source.mac", kString},
	"dmac": {"destination.mac", kString}, "destinationMacAddress": {"destination.mac", kString},
	"suser": {"source.user.name", kUser}, "sourceUserName": {"source.user.name", kUser},
	"duser": {"destination.user.name", kUser}, "destinationUserName": {"destination.user.name", kUser},
	"suid": {"source.user.id", kString}, "sourceUserId": {"source.user.id", kString},
	"duid": {"destination.user.id", kString}, "destinationUserId": {"destination.user.id", kString},
	"sntdom": {"source.user.domain", kString}, "sourceNtDomain": {"source.user.domain", kString},
	"dntdom": {"destination.user.domain", kString}, "destinationNtDomain": {"destination.user.domain", kString},
	"dproc": {"process.name", kString}, "destinationProcessName": {"process.name", kString},
	"dpid": {"process.pid", kInt}, "destinationProcessId": {"process.pid", kInt},
	"act": {event.FieldAction, kString}, "deviceAction": {event.FieldAction, kString},
	"outcome": {event.FieldOutcome, kOutcome}, "eventOutcome": {event.FieldOutcome, kOutcome},
	"request": {"url.original", kString}, "requestUrl": {"url.original", kString},
	"requestMethod":            {"http.request.method", kString},
	"requestClientApplication": {"user_agent.original", kString},
	"requestContext":           {"http.request.referrer", kString},
	"rt":                       {event.FieldTimestamp, kTimestamp}, "deviceReceiptTime": {event.FieldTimestamp, kTimestamp},
	"start": {"event.start", kTime}, "startTime": {"event.start", kTime},
	"end": {"event.end", kTime}, "endTime": {"event.end", kTime},
	"proto": {"network.transport", kTransport}, "transportProtocol": {"network.transport", kTransport},
	"app": {"network.protocol", kLower}, "applicationProtocol": {"network.protocol", kLower},
	"msg": {event.FieldMessage, kString}, "message": {event.FieldMessage, kString},
	"dvc": {"observer.ip", kIP}, "deviceAddress": {"observer.ip", kIP},
	"dvchost": {"observer.hostname", kString}, "deviceHostName": {"observer.hostname", kString},
	"fname": {"file.name", kString}, "fileName": {"file.name", kString},
	"filePath": {"file.path", kString},
	"fsize":    {"file.size", kInt}, "fileSize": {"file.size", kInt},
	"in": {"source.bytes", kInt}, "bytesIn": {"source.bytes", kInt},
	"out": {"destination.bytes", kInt}, "bytesOut": {"destination.bytes", kInt},
	"deviceDirection":              {"network.direction", kDirection},
	"reason":                       {"event.reason", kString},
	"sourceTranslatedAddress":      {"source.nat.ip", kIP},
	"sourceTranslatedPort":         {"source.nat.port", kPort},
	"destinationTranslatedAddress": {"destination.nat.ip", kIP},
	"destinationTranslatedPort":    {"destination.nat.port", kPort},
}

// extension decodes a CEF extension into fields.
func (d *decoder) extension(ext string) {
	var buf [64]attr
	attrs := splitExtension(ext, buf[:0])
	// Custom labels first, so that "cs1=x cs1Label=y" names x too.
	var labels [16]attr // value key → label
	nl := 0
	for _, a := range attrs {
		if k, ok := strings.CutSuffix(a.key, "Label"); ok && k != "" && nl < len(labels) {
			labels[nl] = attr{k, unescapeValue(a.val)}
			nl++
		}
	}
	for _, a := range attrs {
		val := unescapeValue(a.val)
		if strings.HasSuffix(a.key, "Label") && len(a.key) > len("Label") {
			continue
		}
		if label := findLabel(labels[:nl], a.key); label != "" {
			if val != "" {
				d.set("cef.label."+sanitizeLabel(label), customValue(a.key, val))
			}
			continue
		}
		if m, ok := cefECS[a.key]; ok && val != "" && d.mapValue(m, val) {
			continue
		}
		if val != "" {
			d.set("cef.extensions."+a.key, event.String(val))
		}
	}
	// user.name: the account the event is about.
	if u := d.ev.GetString("destination.user.name"); u != "" {
		d.set(event.FieldUserName, event.String(u))
	} else if u := d.ev.GetString("source.user.name"); u != "" {
		d.set(event.FieldUserName, event.String(u))
	}
}

func findLabel(labels []attr, key string) string {
	for _, l := range labels {
		if l.key == key {
			return l.val
		}
	}
	return ""
}

// customValue types the value of a custom field by its key: numbers for
// cn*/flexNumber*, floats for cfp*, addresses for c6a*.
func customValue(key, val string) event.Value {
	switch {
	case strings.HasPrefix(key, "cn") || strings.HasPrefix(key, "flexNumber") || strings.HasPrefix(key, "deviceCustomNumber"):
		if n, err := strconv.ParseInt(val, 10, 64); err == nil {
			return event.Int(n)
		}
	case strings.HasPrefix(key, "cfp") || strings.HasPrefix(key, "deviceCustomFloatingPoint"):
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			return event.Float(f)
		}
	case strings.HasPrefix(key, "c6a") || strings.HasPrefix(key, "deviceCustomIPv6Address"):
		if v, ok := normalize.IPValue(val); ok {
			return v
		}
	}
	return event.String(val)
}

// sanitizeLabel makes a label usable as one field-name segment: letters,
// digits, "_" and "-" kept, anything else "_", at most maxLabel bytes.
func sanitizeLabel(l string) string {
	l = strings.TrimSpace(l)
	if len(l) > maxLabel {
		l = l[:maxLabel]
	}
	ok := true
	for _, c := range []byte(l) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			ok = false
			break
		}
	}
	if ok && l != "" {
		return l
	}
	b := []byte(l)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

// mapValue sets the ECS field of m from val; false when val does not fit
// the field's type (the caller then keeps it under cef.extensions).
func (d *decoder) mapValue(m mapping, val string) bool {
	switch m.kind {
	case kString:
		d.set(m.field, event.String(val))
	case kUser:
		d.set(m.field, event.String(val))
		normalize.AddRelatedUser(d.ev, val)
	case kIP:
		v, ok := normalize.IPValue(strings.TrimSpace(val))
		if !ok {
			return false
		}
		d.set(m.field, v)
		normalize.AddRelatedIP(d.ev, v)
	case kPort:
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 0 || n > 65535 {
			return false
		}
		d.set(m.field, event.Int(int64(n)))
	case kInt:
		n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
		if err != nil {
			return false
		}
		d.set(m.field, event.Int(n))
	case kTime, kTimestamp:
		t, ok := parseTime(val, d.meta)
		if !ok {
			return false
		}
		if m.kind == kTimestamp {
			d.ev.Time = t.UnixNano()
			d.timeSet = true
			return true
		}
		d.set(m.field, event.Time(t))
	case kTransport:
		d.set(m.field, event.String(normalize.Transport(strings.TrimSpace(val))))
	case kLower:
		d.set(m.field, event.String(strings.ToLower(val)))
	case kOutcome:
		o := outcome(val)
		if o == "" {
			return false
		}
		d.set(m.field, event.String(o))
	case kDirection:
		switch strings.TrimSpace(val) {
		case "0":
			d.set(m.field, event.String("inbound"))
		case "1":
			d.set(m.field, event.String("outbound"))
		default:
			return false
		}
	}
	return true
}

// outcome maps an outcome as products write it ("success", "/Failure",
// "Succeeded", "failed") to the ECS event.outcome values.
func outcome(s string) string {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "/"))
	switch s {
	case "success", "succeeded", "successful", "ok", "allowed", "allow":
		return "success"
	case "failure", "failed", "fail", "denied", "deny", "blocked":
		return "failure"
	case "unknown":
		return "unknown"
	}
	return ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c == '.' {
			continue
		}
		if !isDigit(c) {
			return false
		}
	}
	return s != ""
}
