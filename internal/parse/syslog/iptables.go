package syslog

import (
	"slices"
	"strconv"
	"strings"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
)

// packetFilter normalizes a kernel packet-filter log line, as written by
// iptables' and nftables' LOG target:
//
//	[12345.678901] FW-DROP: IN=eth0 OUT= MAC=… SRC=203.0.113.5 DST=10.0.0.1
//	LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=51234 DPT=22
//	WINDOW=64240 RES=0x00 SYN URGP=0
//
// The free text before IN= is the rule's log prefix (rule.name); when it
// says DROP, REJECT, DENY or BLOCK the packet was denied, ACCEPT or ALLOW
// allowed. It reports false for kernel lines that are not such a record.
func packetFilter(msg string, ev *event.Event) bool {
	i := strings.Index(msg, "IN=")
	if i < 0 || !strings.Contains(msg[i:], " SRC=") || !strings.Contains(msg[i:], " DST=") {
		return false
	}
	prefix := msg[:i]
	if j := strings.IndexByte(prefix, ']'); strings.HasPrefix(prefix, "[") && j > 0 {
		prefix = prefix[j+1:] // the kernel's uptime stamp
	}
	prefix = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(prefix), ":"))
	var ipFlags, tcpFlags []event.Value
	proto := ""
	var seen uint32 // keys already taken (bit per key): a repeated key keeps its first value
	for _, tok := range strings.Fields(msg[i:]) {
		key, val, hasVal := strings.Cut(tok, "=")
		if !hasVal {
			// Flags before PROTO= are the IP header's (DF, MF, CE),
			// after it the TCP header's (SYN, ACK, …).
			if isUpperWord(key) {
				if proto == "" {
					ipFlags = append(ipFlags, event.String(key))
				} else {
					tcpFlags = append(tcpFlags, event.String(key))
				}
			}
			continue
		}
		if proto != "" && key == "LEN" {
			key = "ULEN" // the UDP header's length, after PROTO=
		}
		bit := slices.Index(packetKeys, key)
		if bit < 0 || seen&(1<<bit) != 0 {
			continue
		}
		seen |= 1 << bit
		switch key {
		case "IN":
			addString(ev, "observer.ingress.interface.name", val)
		case "OUT":
			addString(ev, "observer.egress.interface.name", val)
		case "MAC":
			addString(ev, "iptables.mac", val)
		case "SRC":
			if ip, ok := normalize.IPValue(val); ok {
				add(ev, "source.ip", ip)
				normalize.AddRelatedIP(ev, ip)
			}
		case "DST":
			if ip, ok := normalize.IPValue(val); ok {
				add(ev, "destination.ip", ip)
				normalize.AddRelatedIP(ev, ip)
			}
		case "SPT":
			addInt(ev, "source.port", val)
		case "DPT":
			addInt(ev, "destination.port", val)
		case "LEN":
			addInt(ev, "iptables.length", val)
		case "ULEN":
			addInt(ev, "iptables.udp.length", val)
		case "TTL":
			addInt(ev, "iptables.ttl", val)
		case "ID":
			addInt(ev, "iptables.id", val)
		case "PROTO":
			proto = strings.ToLower(val)
			addString(ev, "network.transport", proto)
		case "TYPE":
			addInt(ev, "iptables.icmp.type", val)
		case "CODE":
			addInt(ev, "iptables.icmp.code", val)
		case "WINDOW":
			addInt(ev, "iptables.tcp.window", val)
		}
	}
	if len(ipFlags) > 0 {
		add(ev, "iptables.fragment_flags", event.Array(ipFlags...))
	}
	if len(tcpFlags) > 0 && proto == "tcp" {
		add(ev, "iptables.tcp.flags", event.Array(tcpFlags...))
	}
	addString(ev, "rule.name", prefix)
	upper := strings.ToUpper(prefix)
	switch {
	case containsAny(upper, "DROP", "REJECT", "DENY", "BLOCK"):
		action := "drop"
		if strings.Contains(upper, "REJECT") {
			action = "reject"
		}
		categorize(ev, catNetwork, typeDenied, action, outcomeFailure)
	case containsAny(upper, "ACCEPT", "ALLOW", "PASS"):
		categorize(ev, catNetwork, typeAllowed, "accept", outcomeSuccess)
	default:
		add(ev, fieldCategory, catNetwork)
		add(ev, fieldType, typeConnection)
		add(ev, fieldAction, event.String("log"))
	}
	return true
}

// packetKeys are the LOG fields kept (ULEN: the UDP length after PROTO=).
var packetKeys = []string{"IN", "OUT", "MAC", "SRC", "DST", "SPT", "DPT", "LEN", "ULEN", "TTL", "ID", "PROTO", "TYPE", "CODE", "WINDOW"}

var (
	catNetwork     = event.Array(event.String("network"))
	typeDenied     = event.Array(event.String("connection"), event.String("denied"))
	typeAllowed    = event.Array(event.String("connection"), event.String("allowed"))
	typeConnection = event.Array(event.String("connection"))
)

func addInt(ev *event.Event, name, s string) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		add(ev, name, event.Int(n))
	}
}

func isUpperWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
