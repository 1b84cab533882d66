package normalize

import "testing"

func TestTransport(t *testing.T) {
	tests := []struct{ in, want string }{
		{"6", "tcp"}, {"17", "udp"}, {"1", "icmp"}, {"58", "ipv6-icmp"}, {"132", "sctp"},
		{"99", "99"}, {"256", ""}, {"TCP", "tcp"}, {"udp", "udp"}, {"", ""}, {"0", "0"},
		{"99999999999999999999", "99999999999999999999"},
	}
	for _, tt := range tests {
		if got := Transport(tt.in); got != tt.want {
			t.Errorf("Transport(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for n, want := range map[int]string{-1: "", 256: "", 255: "255", 47: "gre", 9: "9", 10: "10", 100: "100"} {
		if got := IANATransport(n); got != want {
			t.Errorf("IANATransport(%d) = %q, want %q", n, got, want)
		}
	}
}
