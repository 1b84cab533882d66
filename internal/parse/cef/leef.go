package cef

import (
	"strconv"
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// LEEFFormat returns the leef format.
func LEEFFormat() parse.Format {
	return parse.Format{
		Name:        NameLEEF,
		Description: "IBM QRadar Log Event Extended Format (LEEF:1.0 and 2.0), with or without a syslog header",
		Detect:      DetectLEEF,
		Decode:      DecodeLEEF,
	}
}

// DetectLEEF scores a record: 100 when it starts with "LEEF:<digit>" and
// has at least five header pipes, 98 when that marker follows a syslog
// header, 0 otherwise.
func DetectLEEF(record []byte) int { return detect(record, "LEEF:", 5) }

// DecodeLEEF decodes one LEEF record into ev. See the package comment.
func DecodeLEEF(record []byte, meta *parse.Meta, ev *event.Event) error {
	return decode(record, meta, ev, NameLEEF, "LEEF:", (*decoder).leef)
}

// leefECS maps LEEF predefined attributes to ECS fields.
var leefECS = map[string]mapping{
	"src":           {"source.ip", kIP},
	"dst":           {"destination.ip", kIP},
	"srcPort":       {"source.port", kPort},
	"dstPort":       {"destination.port", kPort},
	"usrName":       {event.FieldUserName, kUser},
	"accountName":   {"user.name", kUser},
	"proto":         {"network.transport", kTransport},
	"srcBytes":      {"source.bytes", kInt},
	"dstBytes":      {"destination.bytes", kInt},
	"srcPackets":    {"source.packets", kInt},
	"dstPackets":    {"destination.packets", kInt},
	"totalPackets":  {"network.packets", kInt},
	"srcMAC":        {"source.mac", kString},
	"dstMAC":        {"destination.mac", kString},
	"srcPreNAT":     {"source.ip", kIP},
	"dstPreNAT":     {"destination.ip", kIP},
	"srcPostNAT":    {"source.nat.ip", kIP},
	"dstPostNAT":    {"destination.nat.ip", kIP},
	"srcPreNATPort": {"source.port", kPort},
	"dstPreNATPort": {"destination.port", kPort},
	"srcPostNATPort": {
		"source.nat.port", kPort},
	"dstPostNATPort": {"destination.nat.port", kPort},
	"url":            {"url.original", kString},
	"domain":         {"user.domain", kString},
	"identHostName":  {"host.hostname", kString},
	"devTime":        {event.FieldTimestamp, kTimestamp},
	"action":         {event.FieldAction, kString},
	"msg":            {event.FieldMessage, kString},
}

// leef decodes the LEEF header and attributes at d.off.
func (d *decoder) leef() error {
	base := d.off + len("LEEF:")
	s := d.src[base:]
	// The header: version|vendor|product|version|eventID| and, for 2.0,
	// delimiter|. LEEF has no escaping.
	var hdr [6]string
	n, start := 0, 0
	want := 5
	for i := 0; i < len(s) && n < want; i++ {
		if s[i] != '|' {
			continue
		}
		hdr[n] = s[start:i]
		n++
		start = i + 1
		if n == 1 && strings.HasPrefix(hdr[0], "2") {
			want = 6
		}
	}
	if n < want {
		if n == want-1 && want == 6 {
			// LEEF 2.0 with no delimiter field: attributes follow the
			// event ID's pipe, tab-delimited.
			hdr[5] = ""
		} else if n == want-1 {
			// No attributes and no trailing pipe.
			hdr[n] = s[start:]
			n++
			start = len(s)
		} else {
			return &parse.SyntaxError{Format: NameLEEF, Offset: base + start, Msg: "LEEF header has " + strconv.Itoa(n) + " of its " + strconv.Itoa(want) + " fields"}
		}
	}
	if !allDigits(hdr[0]) {
		return &parse.SyntaxError{Format: NameLEEF, Offset: base, Msg: "LEEF version is not a number"}
	}
	delim := byte('\t')
	if want == 6 {
		c, ok := leefDelimiter(hdr[5])
		if !ok {
			return &parse.SyntaxError{Format: NameLEEF, Offset: base + start - 1 - len(hdr[5]), Msg: "LEEF 2.0 delimiter " + strconv.Quote(hdr[5]) + " is not a character or hex code"}
		}
		delim = c
	}
	d.set("leef.version", event.String(hdr[0]))
	d.setString("leef.vendor", hdr[1])
	d.setString("observer.vendor", hdr[1])
	d.setString("leef.product", hdr[2])
	d.setString("observer.product", hdr[2])
	d.setString("leef.product_version", hdr[3])
	d.setString("observer.version", hdr[3])
	d.setString("leef.event_id", hdr[4])
	d.setString("event.code", hdr[4])
	if want == 6 {
		d.set("leef.delimiter", event.String(string(delim)))
	}
	d.set(event.FieldKind, event.String("event"))
	d.set(event.FieldModule, event.String("leef"))
	d.set(event.FieldDataset, event.String("leef.log"))
	d.leefAttrs(s[start:], delim)
	return nil
}

// leefDelimiter reads a LEEF 2.0 delimiter field: one character, or a
// hex code written "x09", "0x09", "X09" or "\x09"; empty means tab.
func leefDelimiter(f string) (byte, bool) {
	switch {
	case f == "":
		return '\t', true
	case len(f) == 1:
		return f[0], true
	}
	h := strings.TrimPrefix(f, "\\")
	if len(h) > 1 && (h[0] == 'x' || h[0] == 'X') {
		h = h[1:]
	} else if len(h) > 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X') {
		h = h[2:]
	} else {
		return 0, false
	}
	n, err := strconv.ParseUint(h, 16, 8)
	if err != nil || n == 0 {
		return 0, false
	}
	return byte(n), true
}

// leefAttrs decodes delimiter-separated key=value attributes.
func (d *decoder) leefAttrs(s string, delim byte) {
	var sev string
	count := 0
	for len(s) > 0 && count < maxAttrs {
		var a string
		if i := strings.IndexByte(s, delim); i >= 0 {
			a, s = s[:i], s[i+1:]
		} else {
			a, s = s, ""
		}
		k, v, ok := strings.Cut(a, "=")
		k = strings.TrimSpace(k)
		if !ok || !validKey(k) {
			continue
		}
		count++
		switch k {
		case "sev":
			sev = v
		case "cat":
			d.setString("leef.cat", v)
			continue
		}
		if v == "" {
			continue
		}
		if m, ok := leefECS[k]; ok && d.mapValue(m, v) {
			if m.kind == kTimestamp {
				d.set("leef.devTime", event.String(v))
			}
			continue
		}
		d.set("leef."+k, event.String(v))
	}
	if n, err := strconv.Atoi(strings.TrimSpace(sev)); err == nil && n >= 0 && n <= 10 {
		d.set("event.severity", event.Int(int64(n)))
	}
	if u := d.ev.GetString(event.FieldUserName); u != "" {
		normalize.AddRelatedUser(d.ev, u)
	}
}
