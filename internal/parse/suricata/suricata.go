package suricata

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/jsonl"
)

// Name is the format name.
const Name = "suricata"

// prefix is the namespace of the EVE record's own fields.
const prefix = "suricata.eve."

// Format returns the suricata format.
func Format() parse.Format {
	return parse.Format{
		Name:        Name,
		Description: "Suricata EVE JSON (eve.json): alert, flow, dns, http, tls, fileinfo, anomaly … records",
		Detect:      Detect,
		Decode:      Decode,
	}
}

// Detect scores a record: 97 for a JSON object line with an "event_type"
// string and a "timestamp" and one of "flow_id", "src_ip" or
// "event_type":"stats"; 0 otherwise. It does not validate the JSON.
func Detect(record []byte) int {
	r := bytes.TrimSpace(record)
	if len(r) < 2 || r[0] != '{' || r[len(r)-1] != '}' {
		return 0
	}
	if !bytes.Contains(r, []byte(`"event_type":"`)) && !bytes.Contains(r, []byte(`"event_type": "`)) {
		return 0
	}
	if !bytes.Contains(r, []byte(`"timestamp":`)) {
		return 0
	}
	if bytes.Contains(r, []byte(`"flow_id":`)) || bytes.Contains(r, []byte(`"src_ip":`)) || bytes.Contains(r, []byte(`"stats":{`)) || bytes.Contains(r, []byte(`"stats": {`)) {
		return 97
	}
	return 0
}

// prefixed holds "suricata.eve."+name for the common EVE field names, so
// that renaming them does not allocate.
var prefixed = func() map[string]string {
	names := []string{
		"timestamp", "flow_id", "pcap_cnt", "event_type", "src_ip", "src_port", "dest_ip", "dest_port",
		"proto", "app_proto", "community_id", "in_iface", "host", "tx_id", "vlan", "direction", "pkt_src",
		"icmp_type", "icmp_code", "metadata.flowbits",
		"alert.action", "alert.gid", "alert.signature_id", "alert.rev", "alert.signature", "alert.category",
		"alert.severity", "alert.metadata.created_at", "alert.metadata.updated_at", "alert.metadata.signature_severity",
		"flow.pkts_toserver", "flow.pkts_toclient", "flow.bytes_toserver", "flow.bytes_toclient", "flow.start",
		"flow.end", "flow.age", "flow.state", "flow.reason", "flow.alerted", "tcp.tcp_flags", "tcp.tcp_flags_ts",
		"tcp.tcp_flags_tc", "tcp.syn", "tcp.ack", "tcp.fin", "tcp.psh", "tcp.rst", "tcp.state",
		"dns.version", "dns.type", "dns.id", "dns.rrname", "dns.rrtype", "dns.rcode", "dns.flags", "dns.qr",
		"dns.rd", "dns.ra", "dns.tx_id", "dns.rdata", "dns.ttl", "dns.opcode", "dns.answers.rrname",
		"dns.answers.rrtype", "dns.answers.ttl", "dns.answers.rdata", "dns.queries.rrname", "dns.queries.rrtype",
		"http.hostname", "http.url", "http.http_user_agent", "http.http_content_type", "http.http_refer",
		"http.http_method", "http.protocol", "http.status", "http.length", "http.http_port",
		"tls.subject", "tls.issuerdn", "tls.serial", "tls.fingerprint", "tls.sni", "tls.version",
		"tls.notbefore", "tls.notafter", "tls.ja3.hash", "tls.ja3.string", "tls.ja3s.hash", "tls.ja3s.string",
		"fileinfo.filename", "fileinfo.magic", "fileinfo.gaps", "fileinfo.state", "fileinfo.md5",
		"fileinfo.sha1", "fileinfo.sha256", "fileinfo.stored", "fileinfo.size", "fileinfo.tx_id",
		"anomaly.type", "anomaly.event", "anomaly.layer", "anomaly.code",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = prefix + n
	}
	return m
}()

// rec collects the values the ECS mapping reads.
type rec struct {
	eventType                   string
	srcIP, destIP               string
	srcPort, destPort           event.Value
	proto, appProto, community  string
	iface, host                 string
	alertAction, signature, cat string
	sigID, severity             event.Value
	pktsTS, pktsTC, bytesTS     event.Value
	bytesTC, flowStart, flowEnd event.Value
	flowState                   string
	dnsType, rrname, rrtype     string
	dnsID, rcode                event.Value
	answers                     []event.Value // IP answers
	httpHost, url, method, ua   string
	referrer, httpProto         string
	status, length              event.Value
	sni, tlsVersion, subject    string
	issuer, fingerprint, ja3    string
	ja3s, notBefore, notAfter   string
	filename, md5, sha1, sha256 string
	fileSize                    event.Value
	anomalyEvent                string
}

// Decode decodes one EVE record into ev. See the package comment.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	base := len(ev.Fields)
	if err := jsonl.Decode(record, meta, ev); err != nil {
		var se *parse.SyntaxError
		if errors.As(err, &se) {
			return &parse.SyntaxError{Format: Name, Offset: se.Offset, Msg: se.Msg}
		}
		return err
	}
	var r rec
	for i := base; i < len(ev.Fields); i++ {
		f := &ev.Fields[i]
		if f.Name == event.FieldOriginal && f.Value.Str() == string(record) ||
			f.Name == event.FieldCreated && meta != nil && event.Equal(f.Value, event.Time(meta.Received)) {
			continue // set by the json decoder, not members of the record
		}
		name := f.Name
		if p, ok := prefixed[name]; ok {
			f.Name = p
		} else {
			f.Name = prefix + name
		}
		r.collect(name, f.Value)
	}
	if r.eventType == "" {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		ev.Time = 0
		return &parse.SyntaxError{Format: Name, Offset: 0, Msg: "no event_type: not a Suricata EVE record"}
	}
	r.ecs(ev)
	if v, ok := ev.Get(event.FieldOriginal); !ok || v.Str() != string(record) {
		parse.SetCommon(ev, record, meta)
	}
	return nil
}

func str(v event.Value) string {
	if v.Type() == event.TypeString {
		return v.Str()
	}
	return ""
}

func num(v event.Value) event.Value {
	if v.Type() == event.TypeInt {
		return v
	}
	return event.Value{}
}

// collect notes the value of one EVE field the ECS mapping needs.
func (r *rec) collect(name string, v event.Value) {
	switch name {
	case "event_type":
		r.eventType = str(v)
	case "src_ip":
		r.srcIP = str(v)
	case "dest_ip":
		r.destIP = str(v)
	case "src_port":
		r.srcPort = num(v)
	case "dest_port":
		r.destPort = num(v)
	case "proto":
		r.proto = str(v)
		if n, ok := v.Int(); ok && v.Type() == event.TypeInt {
			r.proto = normalize.IANATransport(int(n))
		}
	case "app_proto":
		r.appProto = str(v)
	case "community_id":
		r.community = str(v)
	case "in_iface":
		r.iface = str(v)
	case "host":
		r.host = str(v)
	case "alert.action":
		r.alertAction = str(v)
	case "alert.signature":
		r.signature = str(v)
	case "alert.category":
		r.cat = str(v)
	case "alert.signature_id":
		r.sigID = num(v)
	case "alert.severity":
		r.severity = num(v)
	case "flow.pkts_toserver":
		r.pktsTS = num(v)
	case "flow.pkts_toclient":
		r.pktsTC = num(v)
	case "flow.bytes_toserver":
		r.bytesTS = num(v)
	case "flow.bytes_toclient":
		r.bytesTC = num(v)
	case "flow.start":
		r.flowStart = v
	case "flow.end":
		r.flowEnd = v
	case "flow.state":
		r.flowState = str(v)
	case "dns.type":
		r.dnsType = str(v)
	case "dns.id":
		r.dnsID = num(v)
	case "dns.rrname":
		r.rrname = str(v)
	case "dns.queries.rrname":
		r.rrname = first(v)
	case "dns.rrtype":
		r.rrtype = str(v)
	case "dns.queries.rrtype":
		r.rrtype = first(v)
	case "dns.rcode":
		if s := str(v); s != "" {
			r.rcode = event.String(s)
		}
	case "dns.rdata", "dns.answers.rdata", "dns.grouped.A", "dns.grouped.AAAA":
		vs := v.Elems()
		if v.Type() != event.TypeArray {
			vs = []event.Value{v}
		}
		for _, e := range vs {
			if ip, ok := normalize.IPValue(str(e)); ok && len(r.answers) < 64 {
				r.answers = append(r.answers, ip)
			}
		}
	case "http.hostname":
		r.httpHost = str(v)
	case "http.url":
		r.url = str(v)
	case "http.http_method":
		r.method = str(v)
	case "http.http_user_agent":
		r.ua = str(v)
	case "http.http_refer":
		r.referrer = str(v)
	case "http.protocol":
		r.httpProto = str(v)
	case "http.status":
		r.status = num(v)
		if n, err := strconv.Atoi(str(v)); err == nil && n >= 0 && n < 1000 {
			r.status = event.Int(int64(n))
		}
	case "http.length":
		r.length = num(v)
	case "tls.sni":
		r.sni = str(v)
	case "tls.version":
		r.tlsVersion = str(v)
	case "tls.subject":
		r.subject = str(v)
	case "tls.issuerdn":
		r.issuer = str(v)
	case "tls.fingerprint":
		r.fingerprint = str(v)
	case "tls.ja3.hash":
		r.ja3 = str(v)
	case "tls.ja3s.hash":
		r.ja3s = str(v)
	case "tls.notbefore":
		r.notBefore = str(v)
	case "tls.notafter":
		r.notAfter = str(v)
	case "fileinfo.filename":
		r.filename = str(v)
	case "fileinfo.md5":
		r.md5 = str(v)
	case "fileinfo.sha1":
		r.sha1 = str(v)
	case "fileinfo.sha256":
		r.sha256 = str(v)
	case "fileinfo.size":
		r.fileSize = num(v)
	case "anomaly.event":
		r.anomalyEvent = str(v)
	}
}

// first returns the first string of an array value (or the string itself).
func first(v event.Value) string {
	if v.Type() == event.TypeArray {
		if es := v.Elems(); len(es) > 0 {
			return str(es[0])
		}
		return ""
	}
	return str(v)
}

// adder appends fields known not to be present yet (ECS names never clash
// with the suricata.eve.* names of the record).
type adder struct{ ev *event.Event }

func (a adder) add(name string, v event.Value) {
	if !v.IsNull() {
		a.ev.Fields = append(a.ev.Fields, event.Field{Name: name, Value: v})
	}
}

func (a adder) str(name, s string) {
	if s != "" {
		a.add(name, event.String(s))
	}
}

var (
	catNetwork      = event.Array(event.String("network"))
	catAlert        = event.Array(event.String("network"), event.String("intrusion_detection"))
	catFile         = event.Array(event.String("file"))
	catWeb          = event.Array(event.String("network"), event.String("web"))
	typeAllowed     = event.Array(event.String("allowed"))
	typeDenied      = event.Array(event.String("denied"))
	typeConnection  = event.Array(event.String("connection"))
	typeConnEnd     = event.Array(event.String("connection"), event.String("end"))
	typeProtocol    = event.Array(event.String("protocol"))
	typeInfo        = event.Array(event.String("info"))
	kindAlert       = event.String("alert")
	kindEvent       = event.String("event")
	kindMetric      = event.String("metric")
	moduleSuricata  = event.String("suricata")
	datasetSuricata = event.String("suricata.eve")
)

// ecs adds the ECS fields.
func (r *rec) ecs(ev *event.Event) {
	a := adder{ev}
	a.add(event.FieldModule, moduleSuricata)
	a.add(event.FieldDataset, datasetSuricata)
	kind, category, typ, action := kindEvent, catNetwork, typeProtocol, r.eventType
	switch r.eventType {
	case "alert":
		kind, category, typ = kindAlert, catAlert, typeInfo
		switch r.alertAction {
		case "allowed":
			typ = typeAllowed
		case "blocked":
			typ = typeDenied
		}
		if r.alertAction != "" {
			action = r.alertAction
		}
		a.add("rule.id", idString(r.sigID))
		a.str("rule.name", r.signature)
		a.str("rule.category", r.cat)
		a.add("event.severity", r.severity)
	case "flow", "netflow":
		typ = typeConnection
		if r.flowState == "closed" || r.flowState == "" && !r.flowEnd.IsNull() {
			typ = typeConnEnd
		}
		a.add("source.packets", r.pktsTS)
		a.add("destination.packets", r.pktsTC)
		a.add("source.bytes", r.bytesTS)
		a.add("destination.bytes", r.bytesTC)
		a.add("network.packets", sum(r.pktsTS, r.pktsTC))
		a.add("network.bytes", sum(r.bytesTS, r.bytesTC))
		a.add("event.start", timeValue(r.flowStart))
		a.add("event.end", timeValue(r.flowEnd))
	case "http":
		category = catWeb
	case "fileinfo":
		category, typ = catFile, typeInfo
	case "anomaly":
		typ = typeInfo
		if r.anomalyEvent != "" {
			action = r.anomalyEvent
		}
	case "stats":
		kind, typ = kindMetric, typeInfo
	}
	a.add(event.FieldKind, kind)
	a.add(event.FieldCategory, category)
	a.add(event.FieldType, typ)
	a.str(event.FieldAction, action)

	if ip, ok := normalize.IPValue(r.srcIP); ok {
		a.add("source.ip", ip)
		normalize.AddRelatedIP(ev, ip)
	}
	a.add("source.port", r.srcPort)
	if ip, ok := normalize.IPValue(r.destIP); ok {
		a.add("destination.ip", ip)
		normalize.AddRelatedIP(ev, ip)
	}
	a.add("destination.port", r.destPort)
	a.str("network.transport", normalize.Transport(r.proto))
	if r.appProto != "" && r.appProto != "failed" {
		a.str("network.protocol", strings.ToLower(r.appProto))
	}
	a.str("network.community_id", r.community)
	a.str("observer.ingress.interface.name", r.iface)
	a.str("observer.hostname", r.host)
	a.str("observer.product", "Suricata")
	a.str("observer.type", "ids")

	// dns
	a.str("dns.type", r.dnsType)
	a.add("dns.id", idString(r.dnsID))
	a.str("dns.question.name", r.rrname)
	a.str("dns.question.type", r.rrtype)
	a.add("dns.response_code", r.rcode)
	if len(r.answers) > 0 {
		a.add("dns.resolved_ip", event.Array(r.answers...))
		for _, ip := range r.answers {
			normalize.AddRelatedIP(ev, ip)
		}
	}
	// http
	a.str("url.domain", r.httpHost)
	if r.url != "" {
		a.str("url.original", r.url)
		path := r.url
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
		if strings.HasPrefix(path, "/") {
			a.str("url.path", path)
		}
	}
	a.str("http.request.method", r.method)
	a.add("http.response.status_code", r.status)
	a.add("http.response.body.bytes", r.length)
	a.str("http.request.referrer", r.referrer)
	if v, ok := strings.CutPrefix(r.httpProto, "HTTP/"); ok {
		a.str("http.version", v)
	}
	a.str("user_agent.original", r.ua)
	// tls
	a.str("tls.client.server_name", r.sni)
	if r.tlsVersion != "" {
		proto, ver := tlsVersion(r.tlsVersion)
		a.str("tls.version", ver)
		a.str("tls.version_protocol", proto)
	}
	a.str("tls.server.subject", r.subject)
	a.str("tls.server.issuer", r.issuer)
	if r.fingerprint != "" {
		a.str("tls.server.hash.sha1", strings.ToUpper(strings.ReplaceAll(r.fingerprint, ":", "")))
	}
	a.str("tls.client.ja3", r.ja3)
	a.str("tls.server.ja3s", r.ja3s)
	if t, ok := normalize.ParseTimestamp(r.notBefore, nil); ok {
		a.add("tls.server.not_before", event.Time(t))
	}
	if t, ok := normalize.ParseTimestamp(r.notAfter, nil); ok {
		a.add("tls.server.not_after", event.Time(t))
	}
	// fileinfo
	if r.filename != "" {
		a.str("file.path", r.filename)
		name := r.filename
		if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
			name = name[i+1:]
		}
		a.str("file.name", name)
	}
	a.add("file.size", r.fileSize)
	a.str("file.hash.md5", r.md5)
	a.str("file.hash.sha1", r.sha1)
	a.str("file.hash.sha256", r.sha256)
}

// idString renders an integer id as ECS keyword text.
func idString(v event.Value) event.Value {
	if v.Type() != event.TypeInt {
		return event.Value{}
	}
	return event.String(v.Text())
}

func sum(a, b event.Value) event.Value {
	x, ok1 := a.Int()
	y, ok2 := b.Int()
	if !ok1 || !ok2 || a.Type() != event.TypeInt || b.Type() != event.TypeInt || x < 0 || y < 0 || x > math.MaxInt64-y {
		return event.Value{}
	}
	return event.Int(x + y)
}

// timeValue reads an EVE time string ("2026-11-21T10:00:00.123456+0000").
func timeValue(v event.Value) event.Value {
	if t, ok := normalize.ParseTimestamp(str(v), nil); ok {
		return event.Time(t)
	}
	return event.Value{}
}

// tlsVersion splits "TLS 1.2", "TLSv1.3" or "SSLv3" into the ECS protocol
// ("tls", "ssl") and version ("1.2", "3"); "UNDETERMINED" gives nothing.
func tlsVersion(s string) (proto, ver string) {
	u := strings.ToUpper(s)
	switch {
	case strings.HasPrefix(u, "TLS"):
		proto = "tls"
	case strings.HasPrefix(u, "SSL"):
		proto = "ssl"
	default:
		return "", ""
	}
	ver = strings.TrimLeft(s[3:], " vV")
	return proto, ver
}
