package netflow

import (
	"encoding/binary"
	"net/netip"
)

// Packet builders for tests, following the wire formats: Cisco NetFlow v5
// (24-byte header, 48-byte records), NetFlow v9 (RFC 3954) and IPFIX
// (RFC 7011).

type v5Rec struct {
	src, dst        string
	srcPort, dstPrt uint16
	proto, flags    uint8
	pkts, octets    uint32
	first, last     uint32 // sysUptime ms
}

func buildV5(uptime, secs, seq uint32, recs ...v5Rec) []byte {
	b := make([]byte, 24, 24+48*len(recs))
	be := binary.BigEndian
	be.PutUint16(b[0:], 5)
	be.PutUint16(b[2:], uint16(len(recs)))
	be.PutUint32(b[4:], uptime)
	be.PutUint32(b[8:], secs)
	be.PutUint32(b[12:], 0)
	be.PutUint32(b[16:], seq)
	b[20], b[21] = 1, 2
	for _, r := range recs {
		x := make([]byte, 48)
		s, d := netip.MustParseAddr(r.src).As4(), netip.MustParseAddr(r.dst).As4()
		copy(x[0:], s[:])
		copy(x[4:], d[:])
		be.PutUint16(x[12:], 3) // input
		be.PutUint16(x[14:], 4) // output
		be.PutUint32(x[16:], r.pkts)
		be.PutUint32(x[20:], r.octets)
		be.PutUint32(x[24:], r.first)
		be.PutUint32(x[28:], r.last)
		be.PutUint16(x[32:], r.srcPort)
		be.PutUint16(x[34:], r.dstPrt)
		x[37], x[38] = r.flags, r.proto
		b = append(b, x...)
	}
	return b
}

// field is a template field: IE type, length and (for data) its value.
type field struct {
	typ, length uint16
	pen         uint32 // IPFIX enterprise number (0: none)
	val         []byte
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
func ip(s string) []byte  { return netip.MustParseAddr(s).AsSlice() }

// templateSet builds a template set (set ID 0 for v9, 2 for IPFIX).
func templateSet(setID, templateID uint16, fields []field) []byte {
	body := append(u16(templateID), u16(uint16(len(fields)))...)
	for _, f := range fields {
		t := f.typ
		if f.pen != 0 {
			t |= 0x8000
		}
		body = append(body, u16(t)...)
		body = append(body, u16(f.length)...)
		if f.pen != 0 {
			body = append(body, u32(f.pen)...)
		}
	}
	return append(append(u16(setID), u16(uint16(4+len(body)))...), body...)
}

// dataSet builds a data set of records (each a list of field values).
func dataSet(templateID uint16, records ...[]field) []byte {
	var body []byte
	for _, r := range records {
		for _, f := range r {
			body = append(body, f.val...)
		}
	}
	return append(append(u16(templateID), u16(uint16(4+len(body)))...), body...)
}

func buildV9(uptime, secs, seq, sourceID uint32, count uint16, sets ...[]byte) []byte {
	b := append(u16(9), u16(count)...)
	b = append(b, u32(uptime)...)
	b = append(b, u32(secs)...)
	b = append(b, u32(seq)...)
	b = append(b, u32(sourceID)...)
	for _, s := range sets {
		b = append(b, s...)
	}
	return b
}

func buildIPFIX(exportTime, seq, domain uint32, sets ...[]byte) []byte {
	n := 16
	for _, s := range sets {
		n += len(s)
	}
	b := append(u16(10), u16(uint16(n))...)
	b = append(b, u32(exportTime)...)
	b = append(b, u32(seq)...)
	b = append(b, u32(domain)...)
	for _, s := range sets {
		b = append(b, s...)
	}
	return b
}

// v9Fields is a typical v9 IPv4 template and a record for it.
func v9Record(src, dst string, sport, dport uint16, proto uint8, octets, pkts, first, last uint32) []field {
	return []field{
		{typ: 8, length: 4, val: ip(src)},
		{typ: 12, length: 4, val: ip(dst)},
		{typ: 7, length: 2, val: u16(sport)},
		{typ: 11, length: 2, val: u16(dport)},
		{typ: 4, length: 1, val: []byte{proto}},
		{typ: 1, length: 4, val: u32(octets)},
		{typ: 2, length: 4, val: u32(pkts)},
		{typ: 22, length: 4, val: u32(first)},
		{typ: 21, length: 4, val: u32(last)},
		{typ: 6, length: 1, val: []byte{0x1b}},
		{typ: 61, length: 1, val: []byte{1}},
	}
}

// ipfixRecord is an IPv6 IPFIX record with absolute millisecond times and
// an enterprise-specific field.
func ipfixRecord(src, dst string, sport, dport uint16, octets uint64, start, end uint64) []field {
	return []field{
		{typ: 27, length: 16, val: ip(src)},
		{typ: 28, length: 16, val: ip(dst)},
		{typ: 7, length: 2, val: u16(sport)},
		{typ: 11, length: 2, val: u16(dport)},
		{typ: 4, length: 1, val: []byte{17}},
		{typ: 1, length: 8, val: u64(octets)},
		{typ: 2, length: 4, val: u32(3)},
		{typ: 152, length: 8, val: u64(start)},
		{typ: 153, length: 8, val: u64(end)},
		{typ: 100, length: 2, pen: 9, val: u16(0xbeef)},
	}
}
