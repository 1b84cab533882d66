package zeek

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestFastPaths checks the number and time readers of the TSV hot path
// against the general ones they stand in for: where they answer, they must
// answer as strconv and time do.
func TestFastPaths(t *testing.T) {
	decimals := []string{"0", "0.0", "0.254391", ".5", "5.", "000.100", "123456789012345", "1234567.89012345",
		"9007199254740993", "0.1234567890123456", "1e5", "-1.5", "+1", "inf", "NaN", "1_0", "", ".", "1..2", "0x10"}
	uints := []string{"0", "7", "443", "000123", "123456789012345678", "1234567890123456789", "9223372036854775807",
		"9223372036854775808", "-1", "+1", "", "1a", " 1"}
	epochs := []string{"1593636000.123456", "1593636000", "1593636000.", "0.000000001", "999999999999.999999999",
		"1300475167.096535", "1.2.3", "x", "", ".5", "1593636000.1234567891", "1593636000.12x"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := r.Uint64N(1 << 50)
		k := r.IntN(16)
		s := strconv.FormatUint(n, 10)
		if k < len(s) {
			s = s[:len(s)-k] + "." + s[len(s)-k:]
		}
		decimals = append(decimals, s)
		uints = append(uints, strconv.FormatUint(r.Uint64N(math.MaxInt64), 10))
		epochs = append(epochs, strconv.FormatInt(r.Int64N(1e11), 10)+"."+strconv.FormatInt(r.Int64N(1e6), 10))
	}
	for _, s := range decimals {
		if got, ok := smallDecimal(s); ok {
			want, err := strconv.ParseFloat(s, 64)
			if err != nil || math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("smallDecimal(%q) = %v, ParseFloat = %v, %v", s, got, want, err)
			}
		}
	}
	for _, s := range uints {
		if got, ok := smallUint(s); ok {
			if want, err := strconv.ParseInt(s, 10, 64); err != nil || got != want {
				t.Errorf("smallUint(%q) = %d, ParseInt = %d, %v", s, got, want, err)
			}
		}
	}
	for _, s := range epochs {
		got, ok := epoch(s)
		sec, frac, _ := cut(s)
		wantOK := sec != "" && len(sec) <= 12 && len(frac) <= 9 && allDigits(sec) && allDigits(frac)
		if ok != wantOK {
			t.Errorf("epoch(%q) ok = %v, want %v", s, ok, wantOK)
			continue
		}
		if ok {
			n, _ := strconv.ParseInt(sec, 10, 64)
			f, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
			if want := time.Unix(n, f).UnixNano(); got != want {
				t.Errorf("epoch(%q) = %d, want %d", s, got, want)
			}
		}
	}
}

func cut(s string) (sec, frac string, ok bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
