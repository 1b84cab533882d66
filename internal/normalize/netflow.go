package normalize

import "strings"

// ianaTransports names the IANA protocol numbers that network.transport
// commonly holds (ECS: "the IANA name, lower case").
var ianaTransports = map[int]string{
	1: "icmp", 2: "igmp", 4: "ipv4", 6: "tcp", 17: "udp", 41: "ipv6", 47: "gre",
	50: "esp", 51: "ah", 58: "ipv6-icmp", 89: "ospf", 103: "pim", 112: "vrrp", 132: "sctp",
}

// IANATransport returns network.transport for an IANA protocol number: the
// lower-case protocol keyword for the common ones, else the number in
// decimal, so that the field is never empty for a valid number. It returns
// "" for a number outside 0..255.
func IANATransport(n int) string {
	if n < 0 || n > 255 {
		return ""
	}
	if s, ok := ianaTransports[n]; ok {
		return s
	}
	return itoa(n)
}

// Transport normalizes a protocol as written by a log (a name in any case,
// or an IANA number) to network.transport: lower-case name. It returns ""
// for an empty string.
func Transport(s string) string {
	if s == "" {
		return ""
	}
	n, ok := 0, true
	for _, c := range []byte(s) {
		if c < '0' || c > '9' || n > 255 {
			ok = false
			break
		}
		n = n*10 + int(c-'0')
	}
	if ok {
		return IANATransport(n)
	}
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	var b [3]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
