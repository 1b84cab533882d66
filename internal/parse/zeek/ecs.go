package zeek

import (
	"math"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
)

// ecsRec collects the column values the ECS mapping reads. Columns with
// the same name in different logs (version, proto) are told apart by the
// log in ecs.
type ecsRec struct {
	ts, uid                      event.Value
	origH, origP, respH, respP   event.Value
	proto, service               event.Value
	duration                     event.Value
	origBytes, respBytes         event.Value
	origPkts, respPkts           event.Value
	connState                    event.Value
	query, qtype, rcode, transID event.Value
	answers                      event.Value
	method, host, uri, referrer  event.Value
	version, userAgent, status   event.Value
	reqLen, respLen, username    event.Value
	cipher, curve, serverName    event.Value
	established, subject         event.Value
	issuer, ja3                  event.Value
	mime, filename, totalBytes   event.Value
	md5, sha1, sha256            event.Value
	txHosts, rxHosts             event.Value
	note, msg, src, dst, p       event.Value
	actions                      event.Value
}

// collect notes one column.
func (m *ecsRec) collect(name string, v event.Value) {
	switch name {
	case "ts":
		if v.Type() == event.TypeTime {
			m.ts = v
		}
	case "uid":
		m.uid = v
	case "id.orig_h":
		m.origH = v
	case "id.orig_p":
		m.origP = v
	case "id.resp_h":
		m.respH = v
	case "id.resp_p":
		m.respP = v
	case "proto":
		m.proto = v
	case "service":
		m.service = v
	case "duration":
		m.duration = v
	case "orig_bytes":
		m.origBytes = v
	case "resp_bytes":
		m.respBytes = v
	case "orig_pkts":
		m.origPkts = v
	case "resp_pkts":
		m.respPkts = v
	case "conn_state":
		m.connState = v
	case "query":
		m.query = v
	case "qtype_name":
		m.qtype = v
	case "rcode_name":
		m.rcode = v
	case "trans_id":
		m.transID = v
	case "answers":
		m.answers = v
	case "method":
		m.method = v
	case "host":
		m.host = v
	case "uri":
		m.uri = v
	case "referrer":
		m.referrer = v
	case "version":
		m.version = v
	case "user_agent":
		m.userAgent = v
	case "status_code":
		m.status = v
	case "request_body_len":
		m.reqLen = v
	case "response_body_len":
		m.respLen = v
	case "username":
		m.username = v
	case "cipher":
		m.cipher = v
	case "curve":
		m.curve = v
	case "server_name":
		m.serverName = v
	case "established":
		m.established = v
	case "subject":
		m.subject = v
	case "issuer":
		m.issuer = v
	case "ja3":
		m.ja3 = v
	case "mime_type":
		m.mime = v
	case "filename":
		m.filename = v
	case "total_bytes":
		m.totalBytes = v
	case "md5":
		m.md5 = v
	case "sha1":
		m.sha1 = v
	case "sha256":
		m.sha256 = v
	case "tx_hosts":
		m.txHosts = v
	case "rx_hosts":
		m.rxHosts = v
	case "note":
		m.note = v
	case "msg":
		m.msg = v
	case "src":
		m.src = v
	case "dst":
		m.dst = v
	case "p":
		m.p = v
	case "actions":
		m.actions = v
	}
}

var (
	catNetwork   = event.Array(event.String("network"))
	catWeb       = event.Array(event.String("network"), event.String("web"))
	catFile      = event.Array(event.String("file"))
	catIDS       = event.Array(event.String("intrusion_detection"))
	typeConn     = event.Array(event.String("connection"))
	typeProtocol = event.Array(event.String("protocol"))
	typeInfo     = event.Array(event.String("info"))
	moduleZeek   = event.String("zeek")
)

// setter appends ECS fields, replacing none: ECS names never clash with
// the zeek.* names of the columns, and each is added once.
type setter struct{ ev *event.Event }

func (s setter) add(name string, v event.Value) {
	if !v.IsNull() {
		s.ev.Fields = append(s.ev.Fields, event.Field{Name: name, Value: v})
	}
}

// str adds v when it is a non-empty string.
func (s setter) str(name string, v event.Value) {
	if v.Type() == event.TypeString && v.Str() != "" {
		s.add(name, v)
	}
}

// num adds v when it is an Int (a number in a JSON log may also arrive as
// a float: integral ones are taken).
func (s setter) num(name string, v event.Value) {
	if n, ok := intOf(v); ok {
		s.add(name, event.Int(n))
	}
}

func intOf(v event.Value) (int64, bool) {
	switch v.Type() {
	case event.TypeInt:
		return v.Int()
	case event.TypeFloat:
		f, _ := v.Float()
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), true
		}
	}
	return 0, false
}

// ip adds v as an IP (typed already, or a string that parses) and to
// related.ip.
func (s setter) ip(name string, v event.Value) {
	if v.Type() == event.TypeString {
		var ok bool
		if v, ok = normalize.IPValue(v.Str()); !ok {
			return
		}
	}
	if v.Type() == event.TypeIP {
		s.add(name, v)
		normalize.AddRelatedIP(s.ev, v)
	}
}

// firstIP returns the first address of a set of addresses (or the address).
func firstIP(v event.Value) event.Value {
	if v.Type() == event.TypeArray {
		if es := v.Elems(); len(es) > 0 {
			return es[0]
		}
		return event.Value{}
	}
	return v
}

// ecs adds the ECS fields of a record of the given log.
func (m *ecsRec) ecs(ev *event.Event, path string, dataset event.Value) {
	s := setter{ev}
	s.add(event.FieldModule, moduleZeek)
	if dataset.IsNull() {
		dataset = event.String("zeek." + path)
	}
	s.add(event.FieldDataset, dataset)
	kind, category, typ := "event", catNetwork, typeProtocol
	s.str("zeek.session_id", m.uid)
	s.ip("source.ip", m.origH)
	s.num("source.port", m.origP)
	s.ip("destination.ip", m.respH)
	s.num("destination.port", m.respP)
	if m.proto.Type() == event.TypeString {
		s.add("network.transport", event.String(normalize.Transport(m.proto.Str())))
	}
	if m.service.Type() == event.TypeString {
		s.str("network.protocol", event.String(strings.ToLower(m.service.Str())))
	}
	switch path {
	case "conn":
		typ = typeConn
		s.num("source.bytes", m.origBytes)
		s.num("destination.bytes", m.respBytes)
		s.num("source.packets", m.origPkts)
		s.num("destination.packets", m.respPkts)
		s.add("network.bytes", sum(m.origBytes, m.respBytes))
		s.add("network.packets", sum(m.origPkts, m.respPkts))
		if d, ok := m.duration.Float(); ok && m.duration.Type() == event.TypeFloat && d >= 0 && d < 1e9 {
			ns := int64(math.Round(d * 1e9))
			s.add("event.duration", event.Int(ns))
			if t, ok := m.ts.Time(); ok && !m.ts.IsNull() {
				s.add("event.start", m.ts)
				s.add("event.end", event.Time(t.Add(time.Duration(ns))))
			}
		}
	case "dns":
		s.num("dns.id", m.transID)
		s.str("dns.question.name", m.query)
		s.str("dns.question.type", m.qtype)
		s.str("dns.response_code", m.rcode)
		if !m.answers.IsNull() {
			as := m.answers.Elems()
			if m.answers.Type() != event.TypeArray {
				as = []event.Value{m.answers}
			}
			var data, ips []event.Value
			for _, a := range as {
				if a.Type() != event.TypeString {
					continue
				}
				data = append(data, a)
				if ip, ok := normalize.IPValue(a.Str()); ok {
					ips = append(ips, ip)
					normalize.AddRelatedIP(ev, ip)
				}
			}
			if len(data) > 0 {
				s.add("dns.answers.data", event.Array(data...))
			}
			if len(ips) > 0 {
				s.add("dns.resolved_ip", event.Array(ips...))
			}
		}
	case "http":
		category = catWeb
		s.str("http.request.method", m.method)
		s.str("url.domain", m.host)
		if m.uri.Type() == event.TypeString && m.uri.Str() != "" {
			u := m.uri.Str()
			s.add("url.original", m.uri)
			if i := strings.IndexAny(u, "?#"); i >= 0 {
				u = u[:i]
			}
			if strings.HasPrefix(u, "/") {
				s.add("url.path", event.String(u))
			}
		}
		s.str("http.request.referrer", m.referrer)
		s.str("http.version", m.version)
		s.str("user_agent.original", m.userAgent)
		s.num("http.response.status_code", m.status)
		s.num("http.request.body.bytes", m.reqLen)
		s.num("http.response.body.bytes", m.respLen)
		if m.username.Type() == event.TypeString && m.username.Str() != "" {
			s.add(event.FieldUserName, m.username)
			normalize.AddRelatedUser(ev, m.username.Str())
		}
	case "ssl":
		if m.version.Type() == event.TypeString {
			if proto, ver := tlsVersion(m.version.Str()); ver != "" {
				s.add("tls.version", event.String(ver))
				s.add("tls.version_protocol", event.String(proto))
			}
		}
		s.str("tls.cipher", m.cipher)
		s.str("tls.curve", m.curve)
		s.str("tls.client.server_name", m.serverName)
		if m.established.Type() == event.TypeBool {
			s.add("tls.established", m.established)
		}
		s.str("tls.server.subject", m.subject)
		s.str("tls.server.issuer", m.issuer)
		s.str("tls.client.ja3", m.ja3)
	case "files":
		category, typ = catFile, typeInfo
		s.str("file.mime_type", m.mime)
		s.str("file.name", m.filename)
		s.num("file.size", m.totalBytes)
		s.str("file.hash.md5", m.md5)
		s.str("file.hash.sha1", m.sha1)
		s.str("file.hash.sha256", m.sha256)
		if m.origH.IsNull() {
			s.ip("source.ip", firstIP(m.txHosts))
			s.ip("destination.ip", firstIP(m.rxHosts))
		}
	case "notice":
		kind, category, typ = "alert", catIDS, typeInfo
		s.str("rule.name", m.note)
		s.str(event.FieldMessage, m.msg)
		if m.origH.IsNull() {
			s.ip("source.ip", m.src)
			s.ip("destination.ip", m.dst)
			s.num("destination.port", m.p)
		}
		if a := firstIP(m.actions); a.Type() == event.TypeString {
			s.str(event.FieldAction, a)
		}
	}
	s.add(event.FieldKind, event.String(kind))
	s.add(event.FieldCategory, category)
	s.add(event.FieldType, typ)
}

func sum(a, b event.Value) event.Value {
	x, ok1 := intOf(a)
	y, ok2 := intOf(b)
	if !ok1 || !ok2 || x < 0 || y < 0 || x > math.MaxInt64-y {
		return event.Value{}
	}
	return event.Int(x + y)
}

// tlsVersion splits Zeek's "TLSv12", "TLSv13", "SSLv3", "DTLSv12" into the
// ECS protocol and version ("tls", "1.2").
func tlsVersion(v string) (proto, ver string) {
	p, n, ok := strings.Cut(v, "v")
	if !ok || n == "" {
		return "", ""
	}
	proto = strings.ToLower(p)
	if proto != "tls" && proto != "ssl" && proto != "dtls" {
		return "", ""
	}
	if len(n) == 2 && n[0] >= '0' && n[0] <= '9' && n[1] >= '0' && n[1] <= '9' {
		n = n[:1] + "." + n[1:]
	}
	return proto, n
}
