package zeek

import (
	"math"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
)

// slot numbers the column values the ECS mapping reads; 0 is none.
type slot uint8

// The slots, by the column they hold. Columns with the same name in
// different logs (version, proto) are told apart by the log in ecs.
const (
	slotTS          slot = iota + 1 // ts
	slotUID                         // uid
	slotOrigH                       // id.orig_h
	slotOrigP                       // id.orig_p
	slotRespH                       // id.resp_h
	slotRespP                       // id.resp_p
	slotProto                       // proto
	slotService                     // service
	slotDuration                    // duration
	slotOrigBytes                   // orig_bytes
	slotRespBytes                   // resp_bytes
	slotOrigPkts                    // orig_pkts
	slotRespPkts                    // resp_pkts
	slotConnState                   // conn_state
	slotQuery                       // query
	slotQtype                       // qtype_name
	slotRcode                       // rcode_name
	slotTransID                     // trans_id
	slotAnswers                     // answers
	slotMethod                      // method
	slotHost                        // host
	slotURI                         // uri
	slotReferrer                    // referrer
	slotVersion                     // version
	slotUserAgent                   // user_agent
	slotStatus                      // status_code
	slotReqLen                      // request_body_len
	slotRespLen                     // response_body_len
	slotUsername                    // username
	slotCipher                      // cipher
	slotCurve                       // curve
	slotServerName                  // server_name
	slotEstablished                 // established
	slotSubject                     // subject
	slotIssuer                      // issuer
	slotJA3                         // ja3
	slotMime                        // mime_type
	slotFilename                    // filename
	slotTotalBytes                  // total_bytes
	slotMD5                         // md5
	slotSHA1                        // sha1
	slotSHA256                      // sha256
	slotTxHosts                     // tx_hosts
	slotRxHosts                     // rx_hosts
	slotNote                        // note
	slotMsg                         // msg
	slotSrc                         // src
	slotDst                         // dst
	slotP                           // p
	slotActions                     // actions
	numSlots
)

// slotOf returns the slot of a column name, 0 for a column the ECS mapping
// does not read. The TSV decoder resolves it once per header.
func slotOf(name string) slot {
	switch name {
	case "ts":
		return slotTS
	case "uid":
		return slotUID
	case "id.orig_h":
		return slotOrigH
	case "id.orig_p":
		return slotOrigP
	case "id.resp_h":
		return slotRespH
	case "id.resp_p":
		return slotRespP
	case "proto":
		return slotProto
	case "service":
		return slotService
	case "duration":
		return slotDuration
	case "orig_bytes":
		return slotOrigBytes
	case "resp_bytes":
		return slotRespBytes
	case "orig_pkts":
		return slotOrigPkts
	case "resp_pkts":
		return slotRespPkts
	case "conn_state":
		return slotConnState
	case "query":
		return slotQuery
	case "qtype_name":
		return slotQtype
	case "rcode_name":
		return slotRcode
	case "trans_id":
		return slotTransID
	case "answers":
		return slotAnswers
	case "method":
		return slotMethod
	case "host":
		return slotHost
	case "uri":
		return slotURI
	case "referrer":
		return slotReferrer
	case "version":
		return slotVersion
	case "user_agent":
		return slotUserAgent
	case "status_code":
		return slotStatus
	case "request_body_len":
		return slotReqLen
	case "response_body_len":
		return slotRespLen
	case "username":
		return slotUsername
	case "cipher":
		return slotCipher
	case "curve":
		return slotCurve
	case "server_name":
		return slotServerName
	case "established":
		return slotEstablished
	case "subject":
		return slotSubject
	case "issuer":
		return slotIssuer
	case "ja3":
		return slotJA3
	case "mime_type":
		return slotMime
	case "filename":
		return slotFilename
	case "total_bytes":
		return slotTotalBytes
	case "md5":
		return slotMD5
	case "sha1":
		return slotSHA1
	case "sha256":
		return slotSHA256
	case "tx_hosts":
		return slotTxHosts
	case "rx_hosts":
		return slotRxHosts
	case "note":
		return slotNote
	case "msg":
		return slotMsg
	case "src":
		return slotSrc
	case "dst":
		return slotDst
	case "p":
		return slotP
	case "actions":
		return slotActions
	}
	return 0
}

// ecsRec collects the column values the ECS mapping reads, by slot.
type ecsRec struct {
	v [numSlots]event.Value
}

// collect notes one column.
func (m *ecsRec) collect(name string, v event.Value) {
	m.set(slotOf(name), v)
}

// set notes the value of a slot (ts only when it is a time).
func (m *ecsRec) set(s slot, v event.Value) {
	if s == slotTS && v.Type() != event.TypeTime {
		return
	}
	m.v[s] = v
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

// The ECS fields are appended to a field list by functions that return it
// (not methods on a struct holding it: escape analysis would then move the
// list to the heap). The list may be a buffer on the decoder's stack, where
// writes are cheap (no GC write barriers), copied to the event at the end.
// No field is replaced: ECS names never clash with the zeek.* names of the
// columns, and each is added once.

// add appends name: v unless v is null.
func add(fs []event.Field, name string, v event.Value) []event.Field {
	if v.IsNull() {
		return fs
	}
	return append(fs, event.Field{Name: name, Value: v})
}

// addStr adds v when it is a non-empty string.
func addStr(fs []event.Field, name string, v event.Value) []event.Field {
	if v.Type() == event.TypeString && v.Str() != "" {
		return append(fs, event.Field{Name: name, Value: v})
	}
	return fs
}

// addNum adds v when it is an Int (a number in a JSON log may also arrive
// as a float: integral ones are taken).
func addNum(fs []event.Field, name string, v event.Value) []event.Field {
	if v.Type() == event.TypeInt { // the common case, as event.Int(intOf(v))
		return append(fs, event.Field{Name: name, Value: v})
	}
	if n, ok := intOf(v); ok {
		return append(fs, event.Field{Name: name, Value: event.Int(n)})
	}
	return fs
}

func intOf(v event.Value) (int64, bool) {
	switch v.Type() {
	case event.TypeInt:
		n, _ := v.Raw()
		return int64(n), true
	case event.TypeFloat:
		f, _ := v.Float()
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), true
		}
	}
	return 0, false
}

// addIP adds v as an IP (typed already, or a string that parses) and to
// related.ip (see relatedIP for rel).
func addIP(fs []event.Field, rel int, name string, v event.Value) ([]event.Field, int) {
	if v.Type() == event.TypeString {
		var ok bool
		if v, ok = normalize.IPValue(v.Str()); !ok {
			return fs, rel
		}
	}
	if v.Type() != event.TypeIP {
		return fs, rel
	}
	fs = append(fs, event.Field{Name: name, Value: v})
	return relatedIP(fs, rel, v)
}

// rel, for relatedIP, is the index in fs of the related.ip field it added
// (whose array's backing store is its to grow); before, relNone when fs is
// known to have no related.ip, relUnknown if not.
const (
	relNone    = -1
	relUnknown = -2
)

// relatedIP adds ip (an IP value) to related.ip unless it is there, as
// normalize.AddRelatedIP does, growing the array it made in place rather
// than copying it for each address.
func relatedIP(fs []event.Field, rel int, ip event.Value) ([]event.Field, int) {
	if rel < 0 {
		if rel == relUnknown && has(fs, event.FieldRelatedIP) { // set before ecs ran
			return addRelated(fs, event.FieldRelatedIP, ip), rel
		}
		vs := append(make([]event.Value, 0, 2), ip)
		return append(fs, event.Field{Name: event.FieldRelatedIP, Value: event.Array(vs...)}), len(fs)
	}
	f := &fs[rel]
	es := f.Value.Elems()
	for _, e := range es {
		if event.Equal(e, ip) {
			return fs, rel
		}
	}
	f.Value = event.Array(append(es, ip)...)
	return fs, rel
}

func has(fs []event.Field, name string) bool {
	for i := range fs {
		if fs[i].Name == name {
			return true
		}
	}
	return false
}

// addRelated appends v to the array field name unless it is there,
// creating the field when absent: normalize.AddRelatedIP and
// AddRelatedUser on a field list.
func addRelated(fs []event.Field, name string, v event.Value) []event.Field {
	for i := range fs {
		f := &fs[i]
		if f.Name != name {
			continue
		}
		old := f.Value.Elems()
		if f.Value.Type() != event.TypeArray {
			old = []event.Value{f.Value}
		}
		for _, e := range old {
			if event.Equal(e, v) {
				return fs
			}
		}
		vs := make([]event.Value, len(old), len(old)+1)
		copy(vs, old)
		f.Value = event.Array(append(vs, v)...)
		return fs
	}
	return append(fs, event.Field{Name: name, Value: event.Array(v)})
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

// ecs appends the ECS fields of a record of the given log to fs and
// returns it. noRelated tells that fs has no related.ip field (else ecs
// looks).
func (m *ecsRec) ecs(fs []event.Field, path string, dataset event.Value, noRelated bool) []event.Field {
	rel := relUnknown
	if noRelated {
		rel = relNone
	}
	fs = add(fs, event.FieldModule, moduleZeek)
	if dataset.IsNull() {
		dataset = event.String("zeek." + path)
	}
	fs = add(fs, event.FieldDataset, dataset)
	kind, category, typ := "event", catNetwork, typeProtocol
	fs = addStr(fs, "zeek.session_id", m.v[slotUID])
	fs, rel = addIP(fs, rel, "source.ip", m.v[slotOrigH])
	fs = addNum(fs, "source.port", m.v[slotOrigP])
	fs, rel = addIP(fs, rel, "destination.ip", m.v[slotRespH])
	fs = addNum(fs, "destination.port", m.v[slotRespP])
	if m.v[slotProto].Type() == event.TypeString {
		fs = add(fs, "network.transport", event.String(normalize.Transport(m.v[slotProto].Str())))
	}
	if m.v[slotService].Type() == event.TypeString {
		fs = addStr(fs, "network.protocol", event.String(strings.ToLower(m.v[slotService].Str())))
	}
	switch path {
	case "conn":
		typ = typeConn
		fs = addNum(fs, "source.bytes", m.v[slotOrigBytes])
		fs = addNum(fs, "destination.bytes", m.v[slotRespBytes])
		fs = addNum(fs, "source.packets", m.v[slotOrigPkts])
		fs = addNum(fs, "destination.packets", m.v[slotRespPkts])
		fs = add(fs, "network.bytes", sum(m.v[slotOrigBytes], m.v[slotRespBytes]))
		fs = add(fs, "network.packets", sum(m.v[slotOrigPkts], m.v[slotRespPkts]))
		if d, ok := m.v[slotDuration].Float(); ok && m.v[slotDuration].Type() == event.TypeFloat && d >= 0 && d < 1e9 {
			ns := int64(math.Round(d * 1e9))
			fs = add(fs, "event.duration", event.Int(ns))
			if t, ok := m.v[slotTS].Time(); ok && !m.v[slotTS].IsNull() {
				fs = add(fs, "event.start", m.v[slotTS])
				fs = add(fs, "event.end", event.Time(t.Add(time.Duration(ns))))
			}
		}
	case "dns":
		fs = addNum(fs, "dns.id", m.v[slotTransID])
		fs = addStr(fs, "dns.question.name", m.v[slotQuery])
		fs = addStr(fs, "dns.question.type", m.v[slotQtype])
		fs = addStr(fs, "dns.response_code", m.v[slotRcode])
		if !m.v[slotAnswers].IsNull() {
			as := m.v[slotAnswers].Elems()
			if m.v[slotAnswers].Type() != event.TypeArray {
				as = []event.Value{m.v[slotAnswers]}
			}
			var data, ips []event.Value
			for _, a := range as {
				if a.Type() != event.TypeString {
					continue
				}
				data = append(data, a)
				if ip, ok := normalize.IPValue(a.Str()); ok {
					ips = append(ips, ip)
					fs, rel = relatedIP(fs, rel, ip)
				}
			}
			if len(data) > 0 {
				fs = add(fs, "dns.answers.data", event.Array(data...))
			}
			if len(ips) > 0 {
				fs = add(fs, "dns.resolved_ip", event.Array(ips...))
			}
		}
	case "http":
		category = catWeb
		fs = addStr(fs, "http.request.method", m.v[slotMethod])
		fs = addStr(fs, "url.domain", m.v[slotHost])
		if m.v[slotURI].Type() == event.TypeString && m.v[slotURI].Str() != "" {
			u := m.v[slotURI].Str()
			fs = add(fs, "url.original", m.v[slotURI])
			if i := strings.IndexAny(u, "?#"); i >= 0 {
				u = u[:i]
			}
			if strings.HasPrefix(u, "/") {
				fs = add(fs, "url.path", event.String(u))
			}
		}
		fs = addStr(fs, "http.request.referrer", m.v[slotReferrer])
		fs = addStr(fs, "http.version", m.v[slotVersion])
		fs = addStr(fs, "user_agent.original", m.v[slotUserAgent])
		fs = addNum(fs, "http.response.status_code", m.v[slotStatus])
		fs = addNum(fs, "http.request.body.bytes", m.v[slotReqLen])
		fs = addNum(fs, "http.response.body.bytes", m.v[slotRespLen])
		if m.v[slotUsername].Type() == event.TypeString && m.v[slotUsername].Str() != "" {
			fs = add(fs, event.FieldUserName, m.v[slotUsername])
			fs = addRelated(fs, event.FieldRelatedUser, m.v[slotUsername])
		}
	case "ssl":
		if m.v[slotVersion].Type() == event.TypeString {
			if proto, ver := tlsVersion(m.v[slotVersion].Str()); ver != "" {
				fs = add(fs, "tls.version", event.String(ver))
				fs = add(fs, "tls.version_protocol", event.String(proto))
			}
		}
		fs = addStr(fs, "tls.cipher", m.v[slotCipher])
		fs = addStr(fs, "tls.curve", m.v[slotCurve])
		fs = addStr(fs, "tls.client.server_name", m.v[slotServerName])
		if m.v[slotEstablished].Type() == event.TypeBool {
			fs = add(fs, "tls.established", m.v[slotEstablished])
		}
		fs = addStr(fs, "tls.server.subject", m.v[slotSubject])
		fs = addStr(fs, "tls.server.issuer", m.v[slotIssuer])
		fs = addStr(fs, "tls.client.ja3", m.v[slotJA3])
	case "files":
		category, typ = catFile, typeInfo
		fs = addStr(fs, "file.mime_type", m.v[slotMime])
		fs = addStr(fs, "file.name", m.v[slotFilename])
		fs = addNum(fs, "file.size", m.v[slotTotalBytes])
		fs = addStr(fs, "file.hash.md5", m.v[slotMD5])
		fs = addStr(fs, "file.hash.sha1", m.v[slotSHA1])
		fs = addStr(fs, "file.hash.sha256", m.v[slotSHA256])
		if m.v[slotOrigH].IsNull() {
			fs, rel = addIP(fs, rel, "source.ip", firstIP(m.v[slotTxHosts]))
			fs, rel = addIP(fs, rel, "destination.ip", firstIP(m.v[slotRxHosts]))
		}
	case "notice":
		kind, category, typ = "alert", catIDS, typeInfo
		fs = addStr(fs, "rule.name", m.v[slotNote])
		fs = addStr(fs, event.FieldMessage, m.v[slotMsg])
		if m.v[slotOrigH].IsNull() {
			fs, rel = addIP(fs, rel, "source.ip", m.v[slotSrc])
			fs, rel = addIP(fs, rel, "destination.ip", m.v[slotDst])
			fs = addNum(fs, "destination.port", m.v[slotP])
		}
		if a := firstIP(m.v[slotActions]); a.Type() == event.TypeString {
			fs = addStr(fs, event.FieldAction, a)
		}
	}
	fs = add(fs, event.FieldKind, event.String(kind))
	fs = add(fs, event.FieldCategory, category)
	fs = add(fs, event.FieldType, typ)
	return fs
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
