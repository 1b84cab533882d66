package syslog

import (
	"slices"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Name is the format name.
const Name = "syslog"

// Field names set by this package beyond event's well-known ones.
const (
	fieldPriority      = "log.syslog.priority"
	fieldFacilityCode  = "log.syslog.facility.code"
	fieldFacilityName  = "log.syslog.facility.name"
	fieldSeverityCode  = "log.syslog.severity.code"
	fieldSeverityName  = "log.syslog.severity.name"
	fieldVersion       = "log.syslog.version"
	fieldMsgID         = "log.syslog.msgid"
	fieldProcID        = "log.syslog.procid"
	fieldAppName       = "log.syslog.appname"
	fieldSDPrefix      = "log.syslog.structured_data."
	fieldProcessName   = "process.name"
	fieldProcessPID    = "process.pid"
	datasetSyslog      = "system.syslog"
	datasetAuth        = "system.auth"
	datasetIptables    = "iptables.log"
	datasetSelf        = "-" // normalizeProgram's decoder set the dataset itself
	maxPRI             = 191
	maxHostname        = 255 // RFC 5424 field limits
	maxAppName         = 48
	maxProcID          = 128
	maxMsgID           = 32
	maxSDName          = 32
	maxTag             = 64 // longest RFC 3164 tag we look for (the RFC says 32; reality is longer)
	maxTagSpaces       = 2  // "syslogd 1.4.1:", "-- root[2421]:" are real tags
	maxPIDDigits       = 10
	bom                = "\xef\xbb\xbf"
	kindEvent          = "event"
	moduleSystem       = "system"
	errPRI             = "invalid PRI"
	errHeader5424      = "malformed RFC 5424 header"
	errStructuredData  = "malformed RFC 5424 structured data"
	errTimestamp5424   = "invalid RFC 5424 timestamp"
	errFieldTooLong    = "RFC 5424 header field too long"
	errFieldCharacters = "RFC 5424 header field has characters outside printable ASCII"
)

// Format returns the syslog format.
func Format() parse.Format {
	return parse.Format{
		Name:        Name,
		Description: "syslog: RFC 5424, RFC 3164 (with or without PRI, as in /var/log/auth.log), rsyslog high-precision",
		Detect:      Detect,
		Decode:      Decode,
	}
}

// Detect scores a record: 95 for a PRI followed by an RFC 5424 version, 90
// for a PRI followed by an RFC 3164 header, 90 for an RFC 3164 timestamp,
// host and tag, 80 for an RFC 3164 timestamp alone, 75 for an RFC 3339
// timestamp, host and tag, 50 for any other valid PRI, 0 otherwise.
func Detect(record []byte) int {
	if len(record) > 512 {
		record = record[:512]
	}
	s := string(record)
	score := 0
	i := 0
	if strings.HasPrefix(s, "<") {
		_, n, ok := parsePRI(s)
		if !ok {
			return 0
		}
		i = n
		if _, vlen := version5424(s[i:]); vlen > 0 {
			return 95
		}
		score = 50
	}
	rest := s[i:]
	if _, n, ok := parseStamp3164(rest); ok {
		if _, _, _, _, ok := splitHostTag(rest[n:]); ok {
			return 90
		}
		return 80
	}
	if n, ok := rfc3339Token(rest); ok {
		if _, ok := normalize.ParseTimestamp(rest[:n], time.UTC); ok {
			if _, _, _, _, ok := splitHostTag(rest[n:]); ok {
				return 75
			}
		}
	}
	return score
}

// Decode decodes one syslog record into ev. See the package comment.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	end := len(record)
	for end > 0 && (record[end-1] == '\n' || record[end-1] == '\r' || record[end-1] == 0) {
		end--
	}
	blank := true
	for _, c := range record[:end] {
		if c != ' ' && c != '\t' {
			blank = false
			break
		}
	}
	if blank {
		return parse.ErrEmpty
	}
	src := string(record)
	d := decoder{src: src[:end], meta: meta, ev: ev, base: len(ev.Fields)}
	if err := d.decode(); err != nil {
		clear(ev.Fields[d.base:])
		ev.Fields = ev.Fields[:d.base]
		return err
	}
	d.add(event.FieldOriginal, event.String(src))
	return nil
}

// Field counts for sizing Fields once per record: each decoding path calls
// begin with what it will add, as soon as it knows the program, before
// adding any field. An estimate too low costs one reallocation.
const (
	// pipelineFields is room for what the ingest pipeline adds to every
	// event (input.type, log.source.address), so that those appends do
	// not copy the whole slice.
	pipelineFields = 2
	// priFields are the fields of a PRI.
	priFields = 5
	// commonFields are those of common plus message and event.original.
	commonFields = 6
	// processFields are log.syslog.appname, process.name and process.pid
	// (or log.syslog.procid).
	processFields = 3
	// maxSDFields bounds the estimate of structured-data fields.
	maxSDFields = 32
)

// decoder holds the state of one Decode call.
type decoder struct {
	src     string // the record without trailing line terminators
	meta    *parse.Meta
	ev      *event.Event
	base    int
	pri     int // -1 when absent
	version int // RFC 5424 VERSION, 0 when absent
}

// begin makes room in Fields for the PRI fields, n more and the
// pipeline's, and adds the PRI fields, which come first.
func (d *decoder) begin(n int) {
	n += pipelineFields
	if d.pri >= 0 {
		n += priFields
	}
	if d.version > 0 {
		n++
	}
	if cap(d.ev.Fields)-len(d.ev.Fields) < n {
		d.ev.Fields = slices.Grow(d.ev.Fields, n)
	}
	if pri := d.pri; pri >= 0 {
		d.add(fieldPriority, event.Int(int64(pri)))
		d.add(fieldFacilityCode, event.Int(int64(pri>>3)))
		d.addString(fieldFacilityName, normalize.SyslogFacilityName(pri>>3))
		d.add(fieldSeverityCode, event.Int(int64(pri&7)))
		d.addString(fieldSeverityName, normalize.SyslogSeverityName(pri&7))
	}
	if d.version > 0 {
		d.add(fieldVersion, event.Int(int64(d.version)))
	}
}

func (d *decoder) add(name string, v event.Value) {
	d.ev.Fields = append(d.ev.Fields, event.Field{Name: name, Value: v})
}

func (d *decoder) addString(name, s string) {
	if s != "" {
		d.add(name, event.String(s))
	}
}

func (d *decoder) errorAt(off int, msg string) error {
	return &parse.SyntaxError{Format: Name, Offset: off, Msg: msg}
}

func (d *decoder) received() time.Time {
	if d.meta != nil && !d.meta.Received.IsZero() {
		return d.meta.Received
	}
	return time.Now()
}

// Pre-built values shared by all events (values are immutable).
var (
	valKindEvent       = event.String(kindEvent)
	valModuleSystem    = event.String(moduleSystem)
	valDatasetSyslog   = event.String(datasetSyslog)
	valDatasetAuth     = event.String(datasetAuth)
	valDatasetIptables = event.String(datasetIptables)
	valModuleIptables  = event.String("iptables")
)

func (d *decoder) decode() error {
	s := d.src
	d.pri = -1
	i := 0
	if strings.HasPrefix(s, "<") {
		pri, n, ok := parsePRI(s)
		if !ok {
			return d.errorAt(n, errPRI)
		}
		d.pri, i = pri, n
		if v, n := version5424(s[i:]); n > 0 {
			d.version = v
			return d.decode5424(i + n)
		}
	}
	d.decode3164(i)
	return nil
}

// common adds what every syslog event has, once the program is known.
func (d *decoder) common(t time.Time, dataset string) {
	d.ev.Time = t.UnixNano()
	if d.meta != nil && !d.meta.Received.IsZero() {
		d.add(event.FieldCreated, event.Time(d.meta.Received))
	}
	if dataset == datasetSelf {
		return // the program's decoder set kind, module and dataset
	}
	d.add(event.FieldKind, valKindEvent)
	if dataset == datasetIptables {
		d.add(event.FieldModule, valModuleIptables)
		d.add(event.FieldDataset, valDatasetIptables)
		return
	}
	d.add(event.FieldModule, valModuleSystem)
	fac := d.pri >> 3
	if dataset == datasetAuth || (d.pri >= 0 && (fac == normalize.FacilityAuth || fac == normalize.FacilityAuthPriv)) {
		d.add(event.FieldDataset, valDatasetAuth)
	} else {
		d.add(event.FieldDataset, valDatasetSyslog)
	}
}

// parsePRI parses "<N>" at the start of s: 1 to 3 digits, at most 191.
// It returns the PRI and the length consumed, or on failure the offset of
// the fault.
func parsePRI(s string) (pri, n int, ok bool) {
	i := 1
	for i < len(s) && i <= 4 && isDigit(s[i]) {
		pri = pri*10 + int(s[i]-'0')
		i++
	}
	if i == 1 || i > 4 {
		return 0, i, false
	}
	if i >= len(s) || s[i] != '>' || pri > maxPRI {
		return 0, i, false
	}
	return pri, i + 1, true
}

// version5424 recognizes an RFC 5424 VERSION and its space at the start of
// s ("1 "): 1 to 3 digits, not starting with 0. It returns the version and
// the length consumed, or 0, 0.
func version5424(s string) (v, n int) {
	i := 0
	for i < len(s) && i < 3 && isDigit(s[i]) {
		v = v*10 + int(s[i]-'0')
		i++
	}
	if i == 0 || s[0] == '0' || i >= len(s) || s[i] != ' ' {
		return 0, 0
	}
	// "<13>2026-..." is not a version: a version is followed by a space,
	// which a year is not; and "<13>Oct" fails on the first byte.
	return v, i + 1
}

// rfc3339Token reports the length of the token at the start of s when it
// looks like an RFC 3339 timestamp (starts "dddd-dd-ddT").
func rfc3339Token(s string) (int, bool) {
	if len(s) < 20 || !isDigit(s[0]) || !isDigit(s[3]) || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') {
		return 0, false
	}
	n := strings.IndexByte(s, ' ')
	if n < 0 {
		n = len(s)
	}
	return n, true
}

// hostTime re-reads a zone-less RFC 3164 stamp in the zone configured for
// host, when there is one; otherwise t stands.
func (d *decoder) hostTime(st *stamp3164, host string, t time.Time) time.Time {
	if st == nil || d.meta == nil {
		return t
	}
	loc := d.meta.HostLoc(host)
	if loc == nil {
		return t
	}
	if ht, ok := st.resolve(loc, d.received()); ok {
		return ht
	}
	return t
}

// decode3164 decodes everything that is not RFC 5424, from s[i:]: an RFC
// 3164 or rsyslog header when there is one, else the whole rest as message.
func (d *decoder) decode3164(i int) {
	s := d.src
	rest := s[i:]
	var t time.Time
	haveTime := false
	var stamp *stamp3164 // a zone-less stamp, resolved again in the host's zone
	if st, n, ok := parseStamp3164(rest); ok {
		if t, ok = st.resolve(d.meta.Loc(), d.received()); ok {
			haveTime = true
			rest = rest[n:]
			stamp = &st
		}
	} else if n, ok := rfc3339Token(rest); ok {
		if t, ok = normalize.ParseTimestamp(rest[:n], d.meta.Loc()); ok {
			haveTime = true
			rest = rest[n:]
		}
	}
	if !haveTime {
		d.begin(commonFields)
		d.common(d.received(), "")
		d.message(rest)
		return
	}
	host, tag, pid, msg, ok := splitHostTag(rest)
	if !ok {
		// A timestamp, maybe a host, then no tag: keep what follows the
		// host as the message.
		rest = strings.TrimLeft(rest, " ")
		if sp := strings.IndexByte(rest, ' '); sp > 0 {
			host, msg = rest[:sp], rest[sp+1:]
		} else {
			host, msg = rest, ""
		}
		t = d.hostTime(stamp, host, t)
		d.begin(1 + commonFields)
		d.addString(event.FieldHostName, host)
		d.common(t, "")
		d.message(msg)
		return
	}
	t = d.hostTime(stamp, host, t)
	d.begin(1 + processFields + commonFields + programFields(programName(tag), msg))
	d.addString(event.FieldHostName, host)
	prog := d.process(tag, pid)
	msg = trimMessage(strings.TrimLeft(msg, " "))
	d.common(t, normalizeProgram(prog, msg, d.ev, d.meta.Loc()))
	d.addString(event.FieldMessage, msg)
}

// process adds the tag, program and PID fields and returns the program.
func (d *decoder) process(tag, pid string) string {
	prog := programName(tag)
	d.addString(fieldAppName, tag)
	d.addString(fieldProcessName, prog)
	if pid != "" {
		if n, ok := atoi(pid, maxPIDDigits); ok {
			d.add(fieldProcessPID, event.Int(n))
		} else {
			d.add(fieldProcID, event.String(pid))
		}
	}
	return prog
}

func (d *decoder) message(msg string) {
	d.addString(event.FieldMessage, trimMessage(msg))
}

// trimMessage drops a leading BOM and trailing white space.
func trimMessage(msg string) string {
	msg = strings.TrimPrefix(msg, bom)
	end := len(msg)
	for end > 0 && (msg[end-1] == ' ' || msg[end-1] == '\t' || msg[end-1] == '\r' || msg[end-1] == '\n') {
		end--
	}
	return msg[:end]
}

// splitHostTag splits what follows an RFC 3164 timestamp,
// " HOST TAG[PID]: MSG", into its parts. The host is absent when the first
// word is already the tag ("TAG:" or "TAG[PID]"). The tag ends at '[' or ':'
// within maxTag bytes and has at most maxTagSpaces spaces; a ':' must be
// followed by a space or the end. ok is false when there is no tag.
func splitHostTag(s string) (host, tag, pid, msg string, ok bool) {
	if len(s) == 0 || s[0] != ' ' {
		return
	}
	i := 1
	for i < len(s) && s[i] == ' ' {
		i++
	}
	// First word: a host, unless it is the tag itself.
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != '[' && s[j] != ':' {
		j++
	}
	if j < len(s) && s[j] == ' ' {
		host = s[i:j]
		for j < len(s) && s[j] == ' ' {
			j++
		}
		i = j
	}
	tag, pid, msg, ok = splitTag(s[i:])
	if !ok {
		host = ""
	}
	return
}

// splitTag splits "TAG[PID]: MSG", "TAG: MSG" or "TAG[PID] MSG".
func splitTag(s string) (tag, pid, msg string, ok bool) {
	spaces := 0
	j := 0
	for ; j < len(s) && j < maxTag; j++ {
		c := s[j]
		if c == ':' || c == '[' {
			break
		}
		if c == ' ' {
			if spaces++; spaces > maxTagSpaces {
				return "", "", "", false
			}
		}
	}
	if j == 0 || j >= len(s) || j >= maxTag || s[j-1] == ' ' {
		return "", "", "", false
	}
	tag = s[:j]
	if s[j] == '[' {
		k := strings.IndexByte(s[j:min(len(s), j+maxProcID+2)], ']')
		if k < 0 {
			return "", "", "", false
		}
		pid = s[j+1 : j+k]
		j += k + 1
		if j < len(s) && s[j] == ':' {
			j++
		}
	} else {
		j++ // ':'
	}
	if j < len(s) {
		if s[j] != ' ' {
			return "", "", "", false
		}
		j++
	}
	return tag, pid, s[j:], true
}

// programName returns the program of a tag: without a directory
// ("/usr/sbin/sshd") and without a parenthesized suffix
// ("sshd(pam_unix)").
func programName(tag string) string {
	if k := strings.LastIndexByte(tag, '/'); k >= 0 && k < len(tag)-1 {
		tag = tag[k+1:]
	}
	if k := strings.IndexByte(tag, '('); k > 0 && tag[len(tag)-1] == ')' {
		tag = tag[:k]
	}
	return tag
}

// atoi parses a non-negative decimal of at most maxDigits digits.
func atoi(s string, maxDigits int) (int64, bool) {
	if len(s) == 0 || len(s) > maxDigits {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// decode5424 decodes an RFC 5424 record after "<PRI>VERSION ", at s[i:]:
// TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA
// [SP MSG].
func (d *decoder) decode5424(i int) error {
	s := d.src
	var tok [5]string
	limits := [5]int{0, maxHostname, maxAppName, maxProcID, maxMsgID}
	for k := range tok {
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		if j == i || j >= len(s) {
			return d.errorAt(j, errHeader5424)
		}
		t := s[i:j]
		if k > 0 {
			if len(t) > limits[k] {
				return d.errorAt(i, errFieldTooLong)
			}
			for p := 0; p < len(t); p++ {
				if t[p] < 33 || t[p] > 126 {
					return d.errorAt(i+p, errFieldCharacters)
				}
			}
		}
		if t == "-" {
			t = ""
		}
		tok[k] = t
		if k == 0 && t != "" {
			if _, ok := normalize.ParseTimestamp(t, d.meta.Loc()); !ok {
				return d.errorAt(i, errTimestamp5424)
			}
		}
		i = j + 1
	}
	t := d.received()
	if tok[0] != "" {
		t, _ = normalize.ParseTimestamp(tok[0], d.meta.Loc())
	}
	sd := 0
	if i < len(s) && s[i] == '[' {
		sd = min(strings.Count(s[i:], `="`), maxSDFields)
	}
	prog := ""
	if tok[2] != "" {
		prog = programName(tok[2])
	}
	d.begin(2 + sd + processFields + commonFields + programFields(prog, s[i:]))
	d.addString(event.FieldHostName, tok[1])
	d.addString(fieldMsgID, tok[4])
	n, err := d.structuredData(i)
	if err != nil {
		return err
	}
	i += n
	msg := ""
	if i < len(s) {
		if s[i] != ' ' {
			return d.errorAt(i, errStructuredData)
		}
		msg = trimMessage(s[i+1:])
	}
	if tok[2] != "" {
		prog = d.process(tok[2], tok[3])
	} else if tok[3] != "" {
		d.process("", tok[3])
	}
	d.common(t, normalizeProgram(prog, msg, d.ev, d.meta.Loc()))
	d.addString(event.FieldMessage, msg)
	return nil
}

// structuredData parses STRUCTURED-DATA at d.src[i:] ("-" or one or more
// "[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]") into fields and returns its
// length.
func (d *decoder) structuredData(i int) (int, error) {
	s := d.src
	start := i
	if i < len(s) && s[i] == '-' {
		return 1, nil
	}
	if i >= len(s) || s[i] != '[' {
		return 0, d.errorAt(i, errStructuredData)
	}
	for i < len(s) && s[i] == '[' {
		i++
		id, n := sdName(s[i:])
		if n == 0 {
			return 0, d.errorAt(i, errStructuredData)
		}
		i += n
		for {
			if i >= len(s) {
				return 0, d.errorAt(i, errStructuredData)
			}
			if s[i] == ']' {
				i++
				break
			}
			if s[i] != ' ' {
				return 0, d.errorAt(i, errStructuredData)
			}
			i++
			name, n := sdName(s[i:])
			if n == 0 || i+n+1 >= len(s) || s[i+n] != '=' || s[i+n+1] != '"' {
				return 0, d.errorAt(i, errStructuredData)
			}
			i += n + 2
			val, n, ok := sdValue(s[i:])
			if !ok {
				return 0, d.errorAt(i+n, errStructuredData)
			}
			i += n
			d.addSD(fieldSDPrefix+id+"."+name, val)
		}
	}
	return i - start, nil
}

// sdName returns the SD-NAME at the start of s: 1 to 32 printable ASCII
// characters other than '=', ' ', ']' and '"'.
func sdName(s string) (string, int) {
	i := 0
	for i < len(s) && i <= maxSDName {
		c := s[i]
		if c < 33 || c > 126 || c == '=' || c == ']' || c == '"' {
			break
		}
		i++
	}
	if i > maxSDName {
		return "", 0
	}
	return s[:i], i
}

// sdValue returns a PARAM-VALUE whose opening quote has been consumed, and
// the length consumed including the closing quote. \" \\ and \] are
// unescaped; a backslash before any other character is kept (RFC 5424
// section 6.3.3). On failure n is the offset of the fault.
func sdValue(s string) (val string, n int, ok bool) {
	i := 0
	for i < len(s) && s[i] != '"' && s[i] != '\\' && s[i] != ']' {
		i++
	}
	if i < len(s) && s[i] == '"' {
		return s[:i], i + 1, true
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, true
		case ']':
			return "", i, false // must be escaped inside a value
		case '\\':
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\' || s[i+1] == ']') {
				b.WriteByte(s[i+1])
				i += 2
				continue
			}
			b.WriteByte(c)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", i, false
}

// addSD adds a structured-data parameter; a repeated name gives an array.
func (d *decoder) addSD(name, val string) {
	fields := d.ev.Fields[d.base:]
	for k := range fields {
		f := &fields[k]
		if f.Name != name {
			continue
		}
		old := f.Value.Elems()
		if f.Value.Type() != event.TypeArray {
			old = []event.Value{f.Value}
		}
		vs := make([]event.Value, len(old), len(old)+1)
		copy(vs, old)
		f.Value = event.Array(append(vs, event.String(val))...)
		return
	}
	d.add(name, event.String(val))
}
