package cloudtrail

import (
	"math/rand/v2"
	"testing"
)

// skipStringBytewise is the byte-at-a-time definition skipString must
// agree with: a backslash escapes the byte after it.
func skipStringBytewise(s string, i int) (int, bool) {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return len(s), false
}

func TestSkipString(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{`""`, 2, true},
		{`"abc"x`, 5, true},
		{`"a\"b"`, 6, true},
		{`"a\\"b"`, 5, true},
		{`"a\\\"b"`, 8, true},
		{`"\\\\"`, 6, true},
		{`"\"`, 3, false},
		{`"abc\`, 5, false},
		{`"abc`, 4, false},
		{`"`, 1, false},
	} {
		end, ok := skipString(tc.in, 0)
		if end != tc.want || ok != tc.ok {
			t.Errorf("skipString(%s) = %d, %v; want %d, %v", tc.in, end, ok, tc.want, tc.ok)
		}
	}
	// Random strings of quotes, backslashes and letters, from every
	// starting quote.
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{'"', '\\', 'a'}
	for range 20000 {
		b := make([]byte, r.IntN(12))
		for k := range b {
			b[k] = alphabet[r.IntN(len(alphabet))]
		}
		s := `"` + string(b)
		for i := 0; i < len(s); i++ {
			if s[i] != '"' {
				continue
			}
			end, ok := skipString(s, i)
			wantEnd, wantOK := skipStringBytewise(s, i)
			if end != wantEnd || ok != wantOK {
				t.Fatalf("skipString(%q, %d) = %d, %v; byte by byte %d, %v", s, i, end, ok, wantEnd, wantOK)
			}
		}
	}
}
