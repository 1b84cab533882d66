package evtx

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// BinXML value types (libyal "Value types"; MS-EVEN6 2.2.4 type table).
const (
	typeNull     = 0x00
	typeString   = 0x01
	typeAnsi     = 0x02
	typeInt8     = 0x03
	typeUint8    = 0x04
	typeInt16    = 0x05
	typeUint16   = 0x06
	typeInt32    = 0x07
	typeUint32   = 0x08
	typeInt64    = 0x09
	typeUint64   = 0x0a
	typeReal32   = 0x0b
	typeReal64   = 0x0c
	typeBool     = 0x0d
	typeBinary   = 0x0e
	typeGUID     = 0x0f
	typeSizeT    = 0x10
	typeFiletime = 0x11
	typeSystime  = 0x12
	typeSID      = 0x13
	typeHex32    = 0x14
	typeHex64    = 0x15
	typeHandle   = 0x20
	typeBinXML   = 0x21
	typeEvtXML   = 0x23
	typeArray    = 0x80
)

// fixedSize returns the size of one item of a fixed-size scalar type, or 0
// for variable-size types.
func fixedSize(t uint8) int {
	switch t {
	case typeInt8, typeUint8:
		return 1
	case typeInt16, typeUint16:
		return 2
	case typeInt32, typeUint32, typeReal32, typeBool, typeHex32:
		return 4
	case typeInt64, typeUint64, typeReal64, typeFiletime, typeHex64:
		return 8
	case typeGUID, typeSystime:
		return 16
	}
	return 0
}

// isIntType reports whether values of type t render as JSON numbers in
// evtx_dump's output (and so become event.Int in a Record).
func isIntType(t uint8) bool {
	return t >= typeInt8 && t <= typeUint64
}

// appendUTF16 appends the UTF-16LE bytes b to dst as UTF-8. Unpaired
// surrogates become U+FFFD. If stopAtNUL, decoding ends at the first NUL unit.
func appendUTF16(dst, b []byte, stopAtNUL bool) []byte {
	n := len(b) / 2
	for i := 0; i < n; i++ {
		u := uint16(b[2*i]) | uint16(b[2*i+1])<<8
		switch {
		case u == 0 && stopAtNUL:
			return dst
		case u < utf8.RuneSelf:
			dst = append(dst, byte(u))
		case utf16.IsSurrogate(rune(u)):
			r := utf8.RuneError
			if u < 0xdc00 && i+1 < n {
				u2 := uint16(b[2*i+2]) | uint16(b[2*i+3])<<8
				if dec := utf16.DecodeRune(rune(u), rune(u2)); dec != utf8.RuneError {
					r = dec
					i++
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = utf8.AppendRune(dst, rune(u))
		}
	}
	return dst
}

// trimSpaceRight removes trailing white space (Unicode White_Space) from
// out[start:]: evtx_dump (since 0.8.5) trims string substitution values so.
func trimSpaceRight(out []byte, start int) []byte {
	for len(out) > start {
		r, size := utf8.DecodeLastRune(out[start:])
		if !unicode.IsSpace(r) {
			break
		}
		out = out[:len(out)-size]
	}
	return out
}

// appendAnsi appends a codepage string: valid UTF-8 is kept as is, anything
// else is read as Latin-1. It ends at the first NUL byte.
func appendAnsi(dst, b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	if utf8.Valid(b) {
		return append(dst, b...)
	}
	for _, c := range b {
		dst = utf8.AppendRune(dst, rune(c))
	}
	return dst
}

const upperHex = "0123456789ABCDEF"

func appendHexUpper(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, upperHex[c>>4], upperHex[c&0xf])
	}
	return dst
}

func appendHexPrefixed(dst []byte, v uint64) []byte {
	dst = append(dst, '0', 'x')
	return strconv.AppendUint(dst, v, 16)
}

// appendGUID renders a little-endian GUID as evtx_dump does: uppercase,
// dashed, without braces.
func appendGUID(dst, b []byte) []byte {
	order := [16]uint8{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}
	for i, idx := range order {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		c := b[idx]
		dst = append(dst, upperHex[c>>4], upperHex[c&0xf])
	}
	return dst
}

// appendSID renders an NT SID as S-R-A-S1-...-Sn. Sub-authorities beyond the
// bytes present are not rendered.
func appendSID(dst, b []byte) []byte {
	if len(b) < 8 {
		return append(dst, "S-?"...)
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	dst = append(dst, 'S', '-')
	dst = strconv.AppendUint(dst, uint64(b[0]), 10)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, auth, 10)
	subs := b[8:]
	for i := 0; i < int(b[1]) && 4*i+4 <= len(subs); i++ {
		dst = append(dst, '-')
		dst = strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(subs[4*i:])), 10)
	}
	return dst
}

// filetimeEpochDelta is the number of seconds from 1601-01-01 to 1970-01-01.
const filetimeEpochDelta = 11644473600

// filetimeToTime converts a FILETIME (100 ns ticks since 1601, UTC).
func filetimeToTime(ft uint64) time.Time {
	sec := int64(ft/10_000_000) - filetimeEpochDelta
	nsec := int64(ft%10_000_000) * 100
	return time.Unix(sec, nsec).UTC()
}

// appendDigits appends v zero-padded to width digits.
func appendDigits(dst []byte, v, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v > 0 || width > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		width--
		if i == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// appendDateTime renders a time as evtx_dump does:
// 2006-01-02T15:04:05.000000Z (microseconds, truncated).
func appendDateTime(dst []byte, year, month, day, hour, min, sec, micro int) []byte {
	dst = appendDigits(dst, year, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, month, 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, min, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendDigits(dst, micro, 6)
	return append(dst, 'Z')
}

func appendTime(dst []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	if y < 0 {
		y = 0
	}
	return appendDateTime(dst, y, int(mo), d, h, mi, s, t.Nanosecond()/1000)
}

// appendSystime renders a SYSTEMTIME (eight little-endian uint16: year,
// month, weekday, day, hour, minute, second, milliseconds) field by field.
func appendSystime(dst, b []byte) []byte {
	f := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
	return appendDateTime(dst, f(0), f(1), f(3), f(4), f(5), f(6), f(7)*1000)
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.AppendFloat(dst, f, 'g', -1, bits)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, bits)
}

// appendScalar appends the text of one value of scalar type t with bytes b,
// exactly as evtx_dump renders it. Values whose size does not fit their type
// are rendered as uppercase hex bytes.
func appendScalar(dst []byte, t uint8, b []byte) []byte {
	if n := fixedSize(t); n > 0 && len(b) < n {
		return appendHexUpper(dst, b)
	}
	le := binary.LittleEndian
	switch t {
	case typeNull:
		return dst
	case typeString:
		return trimSpaceRight(appendUTF16(dst, b, true), len(dst))
	case typeAnsi:
		return trimSpaceRight(appendAnsi(dst, b), len(dst))
	case typeInt8:
		return strconv.AppendInt(dst, int64(int8(b[0])), 10)
	case typeUint8:
		return strconv.AppendUint(dst, uint64(b[0]), 10)
	case typeInt16:
		return strconv.AppendInt(dst, int64(int16(le.Uint16(b))), 10)
	case typeUint16:
		return strconv.AppendUint(dst, uint64(le.Uint16(b)), 10)
	case typeInt32:
		return strconv.AppendInt(dst, int64(int32(le.Uint32(b))), 10)
	case typeUint32:
		return strconv.AppendUint(dst, uint64(le.Uint32(b)), 10)
	case typeInt64:
		return strconv.AppendInt(dst, int64(le.Uint64(b)), 10)
	case typeUint64:
		return strconv.AppendUint(dst, le.Uint64(b), 10)
	case typeReal32:
		return appendFloat(dst, float64(math.Float32frombits(le.Uint32(b))), 32)
	case typeReal64:
		return appendFloat(dst, math.Float64frombits(le.Uint64(b)), 64)
	case typeBool:
		if le.Uint32(b) != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case typeGUID:
		return appendGUID(dst, b)
	case typeSizeT:
		switch {
		case len(b) >= 8:
			return appendHexPrefixed(dst, le.Uint64(b))
		case len(b) >= 4:
			return appendHexPrefixed(dst, uint64(le.Uint32(b)))
		}
		return appendHexUpper(dst, b)
	case typeFiletime:
		return appendTime(dst, filetimeToTime(le.Uint64(b)))
	case typeSystime:
		return appendSystime(dst, b)
	case typeSID:
		return appendSID(dst, b)
	case typeHex32:
		return appendHexPrefixed(dst, uint64(le.Uint32(b)))
	case typeHex64:
		return appendHexPrefixed(dst, le.Uint64(b))
	case typeHandle, typeEvtXML, typeBinXML:
		return dst
	}
	// Binary, and any type we do not know: hex bytes.
	return appendHexUpper(dst, b)
}

// arrayItems calls fn with the bytes of each item of an array value of
// element type t (t without the 0x80 flag). String arrays are NUL-separated;
// fixed-size types are cut in equal pieces (a ragged tail is dropped).
// It stops early when fn returns false.
func arrayItems(t uint8, b []byte, fn func(item []byte) bool) {
	switch t {
	case typeString:
		for len(b) >= 2 {
			end := len(b) &^ 1
			for i := 0; i+1 < len(b); i += 2 {
				if b[i] == 0 && b[i+1] == 0 {
					end = i
					break
				}
			}
			if !fn(b[:end]) {
				return
			}
			if end+2 > len(b) {
				return
			}
			b = b[end+2:]
		}
	case typeAnsi:
		for len(b) > 0 {
			end := len(b)
			for i, c := range b {
				if c == 0 {
					end = i
					break
				}
			}
			if !fn(b[:end]) {
				return
			}
			if end+1 > len(b) {
				return
			}
			b = b[end+1:]
		}
	case typeSID:
		for len(b) >= 8 {
			n := 8 + 4*int(b[1])
			if n > len(b) {
				n = len(b)
			}
			if !fn(b[:n]) {
				return
			}
			b = b[n:]
		}
	case typeSizeT:
		// SizeT arrays follow the pointer width; libyal pairs them with
		// HexInt64 arrays on 64-bit systems.
		for len(b) >= 8 {
			if !fn(b[:8]) {
				return
			}
			b = b[8:]
		}
	default:
		n := fixedSize(t)
		if n == 0 {
			if len(b) > 0 {
				fn(b)
			}
			return
		}
		for len(b) >= n {
			if !fn(b[:n]) {
				return
			}
			b = b[n:]
		}
	}
}

// arrayLen counts the items of an array value.
func arrayLen(t uint8, b []byte) int {
	n := 0
	arrayItems(t, b, func([]byte) bool { n++; return true })
	return n
}

// arrayItem returns the i-th item of an array value.
func arrayItem(t uint8, b []byte, i int) []byte {
	var out []byte
	k := 0
	arrayItems(t, b, func(item []byte) bool {
		if k == i {
			out = item
			return false
		}
		k++
		return true
	})
	return out
}

// appendValue appends the text of a value of any type; arrays render as a
// comma-separated list of their items.
func appendValue(dst []byte, t uint8, b []byte) []byte {
	if t&typeArray == 0 {
		return appendScalar(dst, t, b)
	}
	et := t &^ typeArray
	first := true
	arrayItems(et, b, func(item []byte) bool {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendScalar(dst, et, item)
		return true
	})
	return dst
}
