package evtx

import (
	"strconv"
	"testing"
)

// TestDecimal checks the number fast path of uintOf against the
// strconv.ParseUint(s, 0, bits) it stands in for, wherever it answers.
func TestDecimal(t *testing.T) {
	ins := []string{"0", "7", "4624", "255", "256", "65535", "65536", "4294967295", "4294967296",
		"18446744073709551615", "1844674407370955161", "9999999999999999999", "010", "0x10", "00", "",
		"-1", "+1", "1_000", " 1", "12a"}
	for _, s := range ins {
		for _, bits := range []int{8, 16, 32, 64} {
			got, ok := decimal([]byte(s), bits)
			if !ok {
				continue
			}
			want, _ := strconv.ParseUint(s, 0, bits)
			if got != want {
				t.Errorf("decimal(%q, %d) = %d, ParseUint = %d", s, bits, got, want)
			}
		}
	}
	if _, ok := decimal([]byte("4624"), 16); !ok {
		t.Error("decimal(4624) not taken")
	}
}
