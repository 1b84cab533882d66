package netflow

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netsampler/goflow2/v2/decoders/netflow"
	"github.com/netsampler/goflow2/v2/decoders/netflowlegacy"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
)

// Defaults of the template cache bounds.
const (
	DefaultMaxExporters = 1024
	DefaultMaxTemplates = 4096
)

// v5 limits (Cisco NetFlow v5 export format: a 24-byte header and up to 30
// records of 48 bytes).
const (
	v5HeaderLen = 24
	v5RecordLen = 48
	v5MaxCount  = 30
)

// Errors.
var (
	ErrTooManyExporters = errors.New("netflow: template cache full: too many exporters")
	errTooManyTemplates = errors.New("netflow: template cache full for this exporter")
)

// Stats counts what Decode did with one packet.
type Stats struct {
	Flows      int // events emitted
	NoTemplate int // data sets skipped for want of a template
}

// Decoder decodes NetFlow v5, v9 and IPFIX packets into events, keeping the
// v9/IPFIX templates of each exporter. It is safe for concurrent use.
type Decoder struct {
	maxExporters, maxTemplates int

	mu        sync.Mutex
	exporters map[netip.Addr]*templates
}

// NewDecoder returns a Decoder whose template cache holds at most
// maxExporters exporters of at most maxTemplates templates each (defaults
// when ≤ 0).
func NewDecoder(maxExporters, maxTemplates int) *Decoder {
	if maxExporters <= 0 {
		maxExporters = DefaultMaxExporters
	}
	if maxTemplates <= 0 {
		maxTemplates = DefaultMaxTemplates
	}
	return &Decoder{maxExporters: maxExporters, maxTemplates: maxTemplates, exporters: map[netip.Addr]*templates{}}
}

// templatesOf returns the template cache of an exporter.
func (d *Decoder) templatesOf(a netip.Addr) (*templates, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.exporters[a]
	if t == nil {
		if len(d.exporters) >= d.maxExporters {
			return nil, ErrTooManyExporters
		}
		t = &templates{max: d.maxTemplates, m: map[uint64]any{}}
		d.exporters[a] = t
	}
	return t, nil
}

// Decode decodes one packet from exporter, calling emit with each flow's
// event (a fresh one each time; emit owns it). received becomes
// event.created. An error means the packet (or its rest) could not be
// decoded; flows emitted before it stand.
func (d *Decoder) Decode(pkt []byte, exporter netip.AddrPort, received time.Time, emit func(*event.Event)) (Stats, error) {
	var st Stats
	if len(pkt) < 2 {
		return st, errors.New("netflow: packet shorter than its version field")
	}
	ex := exporterInfo{addr: exporter, received: received}
	switch v := binary.BigEndian.Uint16(pkt); v {
	case 5:
		return d.decodeV5(pkt, ex, emit)
	case 9, 10:
		t, err := d.templatesOf(exporter.Addr())
		if err != nil {
			return st, err
		}
		var p9 netflow.NFv9Packet
		var p10 netflow.IPFIXPacket
		derr := netflow.DecodeMessageVersion(bytes.NewBuffer(pkt), t, &p9, &p10)
		if derr != nil && !errors.Is(derr, netflow.ErrorTemplateNotFound) {
			return st, fmt.Errorf("netflow v%d: %w", v, derr)
		}
		if v == 9 {
			ex.version, ex.domain, ex.seq = 9, p9.SourceId, p9.SequenceNumber
			ex.unixMillis = int64(p9.UnixSeconds) * 1000
			ex.uptime = int64(p9.SystemUptime)
			ex.export = time.Unix(int64(p9.UnixSeconds), 0)
			st = d.emitSets(p9.FlowSets, ex, emit)
		} else {
			ex.version, ex.domain, ex.seq = 10, p10.ObservationDomainId, p10.SequenceNumber
			ex.export = time.Unix(int64(p10.ExportTime), 0)
			st = d.emitSets(p10.FlowSets, ex, emit)
		}
		return st, nil
	default:
		return st, fmt.Errorf("netflow: unsupported version %d", v)
	}
}

// exporterInfo is the packet-level context of a flow.
type exporterInfo struct {
	addr       netip.AddrPort
	received   time.Time
	version    int
	domain     uint32 // v9 source ID, IPFIX observation domain
	seq        uint32
	export     time.Time
	unixMillis int64 // v5/v9 header clock, ms
	uptime     int64 // v5/v9 header sysUptime, ms
	sampling   int
}

// uptimeTime converts a sysUptime timestamp (ms) to absolute time.
func (ex *exporterInfo) uptimeTime(ms int64) time.Time {
	return time.UnixMilli(ex.unixMillis - ex.uptime + ms)
}

func (d *Decoder) decodeV5(pkt []byte, ex exporterInfo, emit func(*event.Event)) (Stats, error) {
	var st Stats
	if len(pkt) < v5HeaderLen {
		return st, errors.New("netflow v5: packet shorter than its header")
	}
	count := int(binary.BigEndian.Uint16(pkt[2:]))
	// Check the count against the bytes present before the decoder
	// allocates for it.
	if count > v5MaxCount {
		return st, fmt.Errorf("netflow v5: count %d above the format's %d", count, v5MaxCount)
	}
	if len(pkt) < v5HeaderLen+count*v5RecordLen {
		return st, fmt.Errorf("netflow v5: %d bytes hold fewer than the %d records announced", len(pkt), count)
	}
	var p netflowlegacy.PacketNetFlowV5
	if err := netflowlegacy.DecodeMessageVersion(bytes.NewBuffer(pkt), &p); err != nil {
		return st, fmt.Errorf("netflow v5: %w", err)
	}
	ex.version, ex.seq = 5, p.FlowSequence
	ex.unixMillis = int64(p.UnixSecs)*1000 + int64(p.UnixNSecs)/1e6
	ex.uptime = int64(p.SysUptime)
	ex.export = time.Unix(int64(p.UnixSecs), int64(p.UnixNSecs))
	ex.domain = uint32(p.EngineType)<<8 | uint32(p.EngineId)
	ex.sampling = int(p.SamplingInterval & 0x3fff)
	for i, r := range p.Records {
		raw := pkt[v5HeaderLen+i*v5RecordLen : v5HeaderLen+(i+1)*v5RecordLen]
		var f flow
		f.src = v4(uint32(r.SrcAddr))
		f.dst = v4(uint32(r.DstAddr))
		f.nextHop = v4(uint32(r.NextHop))
		f.srcPort, f.dstPort = int64(r.SrcPort), int64(r.DstPort)
		f.hasPorts = true
		f.proto, f.hasProto = int(r.Proto), true
		f.bytes, f.packets = int64(r.DOctets), int64(r.DPkts)
		f.hasCounts = true
		f.start, f.end = ex.uptimeTime(int64(r.First)), ex.uptimeTime(int64(r.Last))
		f.tcpFlags, f.hasTCPFlags = int64(r.TCPFlags), true
		f.tos, f.hasTOS = int64(r.Tos), true
		f.in, f.out, f.hasIfaces = int64(r.Input), int64(r.Output), true
		f.srcAS, f.dstAS, f.hasAS = int64(r.SrcAS), int64(r.DstAS), true
		f.original = "v5 " + hex.EncodeToString(raw)
		emit(f.event(&ex))
		st.Flows++
	}
	return st, nil
}

func v4(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

// emitSets turns the data sets of a v9/IPFIX packet into events.
func (d *Decoder) emitSets(sets []any, ex exporterInfo, emit func(*event.Event)) Stats {
	var st Stats
	for _, s := range sets {
		switch s := s.(type) {
		case netflow.DataFlowSet:
			for _, r := range s.Records {
				f := recordFlow(r.Values, &ex)
				f.template = int64(s.Id)
				f.original = originalText(ex.version, s.Id, r.Values)
				emit(f.event(&ex))
				st.Flows++
			}
		case netflow.RawFlowSet:
			if s.Id >= 256 {
				st.NoTemplate++
			}
		}
	}
	return st
}

// originalText renders a template-based record losslessly.
func originalText(version int, template uint16, vals []netflow.DataField) string {
	var b strings.Builder
	if version == 10 {
		b.WriteString("ipfix")
	} else {
		b.WriteString("v9")
	}
	b.WriteString(" template=")
	b.WriteString(strconv.Itoa(int(template)))
	for _, v := range vals {
		b.WriteByte(' ')
		if v.PenProvided {
			b.WriteString(strconv.FormatUint(uint64(v.Pen), 10))
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(int(v.Type)))
		b.WriteByte('=')
		raw, _ := v.Value.([]byte)
		b.WriteString(hex.EncodeToString(raw))
	}
	return b.String()
}

// IANA information element IDs (IPFIX; NetFlow v9 uses the same numbers
// for these).
const (
	ieOctetDeltaCount          = 1
	iePacketDeltaCount         = 2
	ieProtocolIdentifier       = 4
	ieIPClassOfService         = 5
	ieTCPControlBits           = 6
	ieSourceTransportPort      = 7
	ieSourceIPv4Address        = 8
	ieIngressInterface         = 10
	ieDestinationTransportPort = 11
	ieDestinationIPv4Address   = 12
	ieEgressInterface          = 14
	ieIPNextHopIPv4Address     = 15
	ieBGPSourceASNumber        = 16
	ieBGPDestinationASNumber   = 17
	ieFlowEndSysUpTime         = 21
	ieFlowStartSysUpTime       = 22
	ieSourceIPv6Address        = 27
	ieDestinationIPv6Address   = 28
	ieFlowDirection            = 61
	ieIPNextHopIPv6Address     = 62
	ieOctetTotalCount          = 85
	iePacketTotalCount         = 86
	ieFlowStartSeconds         = 150
	ieFlowEndSeconds           = 151
	ieFlowStartMilliseconds    = 152
	ieFlowEndMilliseconds      = 153
	ieSystemInitTimeMillis     = 160
	iePostNATSourceIPv4        = 225
	iePostNATDestinationIPv4   = 226
	iePostNAPTSourcePort       = 227
	iePostNAPTDestinationPort  = 228
)

// uintOf reads a big-endian unsigned integer of 1 to 8 bytes (IPFIX
// reduced-size encoding).
func uintOf(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 8 {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		u = u<<8 | uint64(c)
	}
	return u, true
}

// recordFlow reads the fields of a v9/IPFIX data record.
func recordFlow(vals []netflow.DataField, ex *exporterInfo) flow {
	var f flow
	var startUp, endUp, initMillis int64
	var hasStartUp, hasEndUp, hasInit bool
	for _, v := range vals {
		if v.PenProvided {
			continue
		}
		b, _ := v.Value.([]byte)
		u, isUint := uintOf(b)
		n := int64(u)
		if u > 1<<62 {
			isUint = false
		}
		switch v.Type {
		case ieSourceIPv4Address, ieSourceIPv6Address:
			if a, ok := netip.AddrFromSlice(b); ok {
				f.src = a
			}
		case ieDestinationIPv4Address, ieDestinationIPv6Address:
			if a, ok := netip.AddrFromSlice(b); ok {
				f.dst = a
			}
		case ieIPNextHopIPv4Address, ieIPNextHopIPv6Address:
			if a, ok := netip.AddrFromSlice(b); ok {
				f.nextHop = a
			}
		case iePostNATSourceIPv4:
			if a, ok := netip.AddrFromSlice(b); ok {
				f.natSrc = a
			}
		case iePostNATDestinationIPv4:
			if a, ok := netip.AddrFromSlice(b); ok {
				f.natDst = a
			}
		}
		if !isUint {
			continue
		}
		switch v.Type {
		case ieSourceTransportPort:
			f.srcPort, f.hasPorts = n, true
		case ieDestinationTransportPort:
			f.dstPort, f.hasPorts = n, true
		case ieProtocolIdentifier:
			f.proto, f.hasProto = int(n), true
		case ieOctetDeltaCount, ieOctetTotalCount:
			f.bytes, f.hasCounts = n, true
		case iePacketDeltaCount, iePacketTotalCount:
			f.packets, f.hasCounts = n, true
		case ieTCPControlBits:
			f.tcpFlags, f.hasTCPFlags = n, true
		case ieIPClassOfService:
			f.tos, f.hasTOS = n, true
		case ieIngressInterface:
			f.in, f.hasIfaces = n, true
		case ieEgressInterface:
			f.out, f.hasIfaces = n, true
		case ieBGPSourceASNumber:
			f.srcAS, f.hasAS = n, true
		case ieBGPDestinationASNumber:
			f.dstAS, f.hasAS = n, true
		case ieFlowDirection:
			f.direction = "ingress"
			if n == 1 {
				f.direction = "egress"
			}
		case iePostNAPTSourcePort:
			f.natSrcPort, f.hasNATPorts = n, true
		case iePostNAPTDestinationPort:
			f.natDstPort, f.hasNATPorts = n, true
		case ieFlowStartSeconds:
			f.start = time.Unix(n, 0)
		case ieFlowEndSeconds:
			f.end = time.Unix(n, 0)
		case ieFlowStartMilliseconds:
			f.start = time.UnixMilli(n)
		case ieFlowEndMilliseconds:
			f.end = time.UnixMilli(n)
		case ieFlowStartSysUpTime:
			startUp, hasStartUp = n, true
		case ieFlowEndSysUpTime:
			endUp, hasEndUp = n, true
		case ieSystemInitTimeMillis:
			initMillis, hasInit = n, true
		}
	}
	upTime := func(ms int64) time.Time {
		if ex.version == 10 {
			if !hasInit {
				return time.Time{}
			}
			return time.UnixMilli(initMillis + ms)
		}
		return ex.uptimeTime(ms)
	}
	if f.start.IsZero() && hasStartUp {
		f.start = upTime(startUp)
	}
	if f.end.IsZero() && hasEndUp {
		f.end = upTime(endUp)
	}
	return f
}

// flow is one flow record, whatever its version.
type flow struct {
	src, dst, nextHop, natSrc, natDst netip.Addr
	srcPort, dstPort                  int64
	natSrcPort, natDstPort            int64
	proto                             int
	bytes, packets                    int64
	tcpFlags, tos                     int64
	in, out, srcAS, dstAS             int64
	template                          int64
	start, end                        time.Time
	direction                         string
	original                          string

	hasPorts, hasNATPorts, hasProto, hasCounts bool
	hasTCPFlags, hasTOS, hasIfaces, hasAS      bool
}

var (
	catNetwork     = event.Array(event.String("network"))
	typeConnection = event.Array(event.String("connection"))
)

// event builds the flow's event.
func (f *flow) event(ex *exporterInfo) *event.Event {
	ev := &event.Event{Fields: make([]event.Field, 0, 40)}
	add := func(name string, v event.Value) { ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v}) }
	switch {
	case !f.end.IsZero():
		ev.Time = f.end.UnixNano()
	case !f.start.IsZero():
		ev.Time = f.start.UnixNano()
	case !ex.export.IsZero():
		ev.Time = ex.export.UnixNano()
	default:
		ev.Time = ex.received.UnixNano()
	}
	if !ex.received.IsZero() {
		add(event.FieldCreated, event.Time(ex.received))
	}
	add(event.FieldOriginal, event.String(f.original))
	add(event.FieldKind, event.String("event"))
	add(event.FieldCategory, catNetwork)
	add(event.FieldType, typeConnection)
	add(event.FieldAction, event.String("netflow_flow"))
	add(event.FieldModule, event.String("netflow"))
	add(event.FieldDataset, event.String("netflow.log"))
	if !f.start.IsZero() {
		add("event.start", event.Time(f.start))
	}
	if !f.end.IsZero() {
		add("event.end", event.Time(f.end))
		if !f.start.IsZero() && !f.end.Before(f.start) {
			add("event.duration", event.Int(int64(f.end.Sub(f.start))))
		}
	}
	if f.src.IsValid() {
		v := event.IP(f.src)
		add("source.ip", v)
		normalize.AddRelatedIP(ev, v)
		if f.src.Is4() {
			add("network.type", event.String("ipv4"))
		} else {
			add("network.type", event.String("ipv6"))
		}
	}
	if f.dst.IsValid() {
		v := event.IP(f.dst)
		add("destination.ip", v)
		normalize.AddRelatedIP(ev, v)
	}
	if f.hasPorts {
		add("source.port", event.Int(f.srcPort))
		add("destination.port", event.Int(f.dstPort))
	}
	if f.hasProto {
		add("network.iana_number", event.String(strconv.Itoa(f.proto)))
		if t := normalize.IANATransport(f.proto); t != "" {
			add("network.transport", event.String(t))
		}
	}
	if f.hasCounts {
		add("source.bytes", event.Int(f.bytes))
		add("source.packets", event.Int(f.packets))
		add("network.bytes", event.Int(f.bytes))
		add("network.packets", event.Int(f.packets))
	}
	if f.direction != "" {
		add("network.direction", event.String(f.direction))
	}
	if f.natSrc.IsValid() {
		add("source.nat.ip", event.IP(f.natSrc))
	}
	if f.natDst.IsValid() {
		add("destination.nat.ip", event.IP(f.natDst))
	}
	if f.hasNATPorts {
		add("source.nat.port", event.Int(f.natSrcPort))
		add("destination.nat.port", event.Int(f.natDstPort))
	}
	if a := ex.addr.Addr(); a.IsValid() {
		add("observer.ip", event.IP(a.Unmap()))
		add("netflow.exporter.address", event.String(ex.addr.String()))
	}
	add("netflow.exporter.version", event.Int(int64(ex.version)))
	switch ex.version {
	case 9:
		add("netflow.exporter.source_id", event.Int(int64(ex.domain)))
	case 10:
		add("netflow.exporter.observation_domain_id", event.Int(int64(ex.domain)))
	case 5:
		add("netflow.exporter.engine_type", event.Int(int64(ex.domain>>8)))
		add("netflow.exporter.engine_id", event.Int(int64(ex.domain&0xff)))
		if ex.sampling > 0 {
			add("netflow.exporter.sampling_interval", event.Int(int64(ex.sampling)))
		}
	}
	add("netflow.exporter.sequence", event.Int(int64(ex.seq)))
	if ex.version != 5 {
		add("netflow.template_id", event.Int(f.template))
	}
	if f.hasTCPFlags {
		add("netflow.tcp_control_bits", event.Int(f.tcpFlags))
	}
	if f.hasTOS {
		add("netflow.ip_class_of_service", event.Int(f.tos))
	}
	if f.hasIfaces {
		add("netflow.ingress_interface", event.Int(f.in))
		add("netflow.egress_interface", event.Int(f.out))
	}
	if f.hasAS {
		add("netflow.bgp_source_as_number", event.Int(f.srcAS))
		add("netflow.bgp_destination_as_number", event.Int(f.dstAS))
	}
	if f.nextHop.IsValid() && !f.nextHop.IsUnspecified() {
		add("netflow.next_hop", event.IP(f.nextHop))
	}
	return ev
}

// templates is a bounded goflow2 template system for one exporter.
type templates struct {
	mu  sync.RWMutex
	max int
	m   map[uint64]any
}

var _ netflow.NetFlowTemplateSystem = (*templates)(nil)

func templateKey(version uint16, domain uint32, id uint16) uint64 {
	return uint64(version)<<48 | uint64(domain)<<16 | uint64(id)
}

// errEmptyTemplate rejects a template none of whose fields takes bytes:
// goflow2's data set loop would never advance over its records.
var errEmptyTemplate = errors.New("netflow: template whose fields are all zero-length")

// consumes reports whether a record of these fields takes at least a byte.
func consumes(fields ...[]netflow.Field) bool {
	for _, fs := range fields {
		for _, f := range fs {
			if f.Length != 0 {
				return true
			}
		}
	}
	return false
}

func (t *templates) AddTemplate(version uint16, domain uint32, id uint16, tmpl any) error {
	switch r := tmpl.(type) {
	case netflow.TemplateRecord:
		if !consumes(r.Fields) {
			return errEmptyTemplate
		}
	case netflow.IPFIXOptionsTemplateRecord:
		if !consumes(r.Scopes, r.Options) {
			return errEmptyTemplate
		}
	case netflow.NFv9OptionsTemplateRecord:
		if !consumes(r.Scopes, r.Options) {
			return errEmptyTemplate
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := templateKey(version, domain, id)
	if _, ok := t.m[k]; !ok && len(t.m) >= t.max {
		return errTooManyTemplates
	}
	t.m[k] = tmpl
	return nil
}

func (t *templates) GetTemplate(version uint16, domain uint32, id uint16) (any, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if tmpl, ok := t.m[templateKey(version, domain, id)]; ok {
		return tmpl, nil
	}
	return nil, netflow.ErrorTemplateNotFound
}

func (t *templates) RemoveTemplate(version uint16, domain uint32, id uint16) (any, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := templateKey(version, domain, id)
	tmpl, ok := t.m[k]
	if !ok {
		return nil, netflow.ErrorTemplateNotFound
	}
	delete(t.m, k)
	return tmpl, nil
}

func (t *templates) GetTemplates() netflow.FlowBaseTemplateSet {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(netflow.FlowBaseTemplateSet, len(t.m))
	for k, v := range t.m {
		out[k] = v
	}
	return out
}
