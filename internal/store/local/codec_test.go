package local

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
)

// codecValues covers every value type and the awkward corners of each.
func codecValues() []struct {
	name string
	v    event.Value
} {
	return []struct {
		name string
		v    event.Value
	}{
		{"string", event.String("hello")},
		{"empty string", event.String("")},
		{"invalid utf8", event.String("a\xff\xfe\x80b")},
		{"nul bytes", event.String("a\x00b\x00")},
		{"unicode", event.String("Grüße, 世界 🌍")},
		{"huge string", event.String(strings.Repeat("0123456789abcdef", 1<<16))},
		{"int zero", event.Int(0)},
		{"int negative", event.Int(-42)},
		{"int max", event.Int(math.MaxInt64)},
		{"int min", event.Int(math.MinInt64)},
		{"float", event.Float(1.5)},
		{"float negative zero", event.Float(math.Copysign(0, -1))},
		{"float NaN", event.Float(math.NaN())},
		{"float +Inf", event.Float(math.Inf(1))},
		{"float tiny", event.Float(math.SmallestNonzeroFloat64)},
		{"bool true", event.Bool(true)},
		{"bool false", event.Bool(false)},
		{"ipv4", event.IP(netip.MustParseAddr("192.0.2.1"))},
		{"ipv6", event.IP(netip.MustParseAddr("2001:db8::1"))},
		{"ipv4-mapped stored as v4", event.IP(netip.MustParseAddr("::ffff:10.0.0.1"))},
		{"ip non-canonical text", event.FromRaw(event.TypeIP, 0, "010.000.000.001")},
		{"time", event.Time(time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC))},
		{"time zero", event.TimeNanos(0)},
		{"time negative", event.TimeNanos(-1e18)},
		{"time max", event.TimeNanos(math.MaxInt64)},
		{"empty array", event.Array()},
		{"array of strings", event.Array(event.String("a"), event.String(""), event.String("\xff"))},
		{"mixed array", event.Array(event.Int(1), event.String("x"), event.IP(netip.MustParseAddr("10.0.0.1")), event.Value{}, event.Bool(true))},
		{"nested array", event.Array(event.Array(event.Int(1), event.Array(event.Float(2.5))), event.String("y"))},
	}
}

func TestWALEventsRoundTrip(t *testing.T) {
	for _, c := range codecValues() {
		t.Run(c.name, func(t *testing.T) {
			in := []*event.Event{
				{Time: 1, Fields: []event.Field{{Name: "f", Value: c.v}, {Name: "g", Value: event.String("x")}}},
				{Time: -5, Fields: []event.Field{{Name: "g", Value: c.v}}},
				{Time: math.MaxInt64},
			}
			out, err := decodeEvents(appendEvents(nil, in))
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != len(in) {
				t.Fatalf("got %d events, want %d", len(out), len(in))
			}
			for i := range in {
				if d := diffEvent(in[i], out[i], false); d != "" {
					t.Errorf("event %d: %s", i, d)
				}
			}
		})
	}
}

func TestColumnRoundTrip(t *testing.T) {
	for _, c := range codecValues() {
		t.Run(c.name, func(t *testing.T) {
			// All present; every other row absent; mixed with another type.
			for _, layout := range []string{"all", "sparse", "mixed"} {
				n := 37
				vals := make([]event.Value, n)
				times := make([]int64, n)
				for i := range vals {
					times[i] = int64(i*1e9) - 5e9
					switch layout {
					case "all":
						vals[i] = c.v
					case "sparse":
						if i%2 == 0 {
							vals[i] = c.v
						}
					case "mixed":
						if i%3 == 0 {
							vals[i] = event.Int(int64(i))
						} else {
							vals[i] = c.v
						}
					}
				}
				checkColumn(t, layout, vals, times)
			}
		})
	}
}

func TestColumnEncodings(t *testing.T) {
	// Dictionary (few distinct), raw (many distinct), binary IPs, wide
	// dictionaries (more than 256 entries but few enough to pay off).
	n := 2000
	times := make([]int64, n)
	cases := map[string]func(i int) event.Value{
		"dict":      func(i int) event.Value { return event.String(fmt.Sprint("v", i%7)) },
		"raw":       func(i int) event.Value { return event.String(fmt.Sprint("unique-", i)) },
		"wide dict": func(i int) event.Value { return event.String(fmt.Sprint("v", i%600)) },
		"ips":       func(i int) event.Value { return event.IP(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1})) },
		"ipv6":      func(i int) event.Value { return event.IP(netip.AddrFrom16([16]byte{0x20, 1, 0xd, 0xb8, 15: byte(i)})) },
		"ints":      func(i int) event.Value { return event.Int(int64(i * i)) },
		"times":     func(i int) event.Value { return event.TimeNanos(times[i] + int64(i)) },
		// related.ip and related.user: one-element arrays, encoded as
		// their elements (colSingletons), some rows absent.
		"singleton ips": func(i int) event.Value {
			if i%5 == 0 {
				return event.Value{}
			}
			return event.Array(event.IP(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1})))
		},
		"singleton strings": func(i int) event.Value { return event.Array(event.String(fmt.Sprint("user", i%9))) },
		"pairs":             func(i int) event.Value { return event.Array(event.String(fmt.Sprint("host", i%3)), event.String("x")) },
	}
	for name, gen := range cases {
		vals := make([]event.Value, n)
		for i := range vals {
			times[i] = int64(i) * 1e6
			vals[i] = gen(i)
		}
		checkColumn(t, name, vals, times)
	}
}

func checkColumn(t *testing.T, name string, vals []event.Value, times []int64) {
	t.Helper()
	var enc columnEncoder
	buf := enc.encode(nil, vals, times)
	if single := buf[0]&colSingletons != 0; single != strings.HasPrefix(name, "singleton ") {
		t.Errorf("%s: colSingletons = %v", name, single)
	}
	got, err := decodeColumn(buf, times, nil)
	if err != nil {
		t.Fatalf("%s: decode: %v", name, err)
	}
	for i := range vals {
		if !event.Equal(vals[i], got[i]) {
			t.Fatalf("%s: row %d: got %s %q, want %s %q", name, i, got[i].Type(), got[i].Text(), vals[i].Type(), vals[i].Text())
		}
	}
	// Selected rows decode as the whole column does.
	for _, step := range []int{1, 3, 97} {
		var rows []int
		for r := step / 2; r < len(vals); r += step {
			rows = append(rows, r)
		}
		if len(rows) == 0 {
			continue
		}
		sel := make([]event.Value, len(rows))
		if err := decodeColumnRows(buf, times, rows, sel, nil); err != nil {
			t.Fatalf("%s: decode rows: %v", name, err)
		}
		for k, r := range rows {
			if !event.Equal(vals[r], sel[k]) {
				t.Fatalf("%s: selected row %d: got %s %q, want %s %q", name, r, sel[k].Type(), sel[k].Text(), vals[r].Type(), vals[r].Text())
			}
		}
	}
	// Every strict prefix must fail to decode, never panic.
	for cut := 0; cut < len(buf); cut += 1 + len(buf)/50 {
		if _, err := decodeColumn(buf[:cut], times, nil); err == nil {
			t.Fatalf("%s: truncated to %d of %d bytes decoded without error", name, cut, len(buf))
		}
	}
}

// diffEvent describes how got differs from want, ignoring field order.
// With seq, Seq must match too.
func diffEvent(want, got *event.Event, seq bool) string {
	if want.Time != got.Time {
		return fmt.Sprintf("time %d, want %d", got.Time, want.Time)
	}
	if seq && want.Seq != got.Seq {
		return fmt.Sprintf("seq %d, want %d", got.Seq, want.Seq)
	}
	if len(want.Fields) != len(got.Fields) {
		return fmt.Sprintf("%d fields, want %d: %v vs %v", len(got.Fields), len(want.Fields), fieldNames(got), fieldNames(want))
	}
	for _, f := range want.Fields {
		v, ok := got.Get(f.Name)
		if !ok {
			return "missing field " + f.Name
		}
		if !event.Equal(v, f.Value) {
			return fmt.Sprintf("field %s = %s %q, want %s %q", f.Name, v.Type(), v.Text(), f.Value.Type(), f.Value.Text())
		}
	}
	return ""
}

func fieldNames(e *event.Event) []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Name)
	}
	return out
}

func TestIndexFoldASCII(t *testing.T) {
	cases := []struct {
		s, needle string
		want      int
	}{
		{"Failed password for ROOT from 10.1.2.3", "root", 20},
		{"abc", "abcd", -1},
		{"xx10.1.2.3", "10", 2},
		{"", "a", -1},
		{"aAbB", "ab", 1},
		{"zz_Needle_User", "needle", 3},
		{"ÄÖ kelvin", "kelvin", 5},
		{"\u212a", "k", -1}, // Kelvin sign: not ASCII
	}
	for _, c := range cases {
		if got := indexFoldASCII(c.s, c.needle); got != c.want {
			t.Errorf("indexFoldASCII(%q, %q) = %d, want %d", c.s, c.needle, got, c.want)
		}
	}
}

// TestSuffixColumn: a column whose values are mostly suffixes of another
// column's (message of event.original) is stored as suffix lengths, and
// decodes back, literals included, only with the other column at hand.
func TestSuffixColumn(t *testing.T) {
	const n = 500
	times := make([]int64, n)
	for _, tc := range []struct {
		name    string
		literal func(i int) bool
		suffix  bool
	}{
		{"all suffixes", func(int) bool { return false }, true},
		{"some literals", func(i int) bool { return i%17 == 0 }, true},
		{"mostly literals", func(i int) bool { return i%2 == 0 }, false},
	} {
		orig := make([]event.Value, n)
		msg := make([]event.Value, n)
		for i := range orig {
			body := fmt.Sprintf("Failed password for user%d from 10.0.%d.%d port %d ssh2", i%7, i%3, i, 4000+i)
			orig[i] = event.String(fmt.Sprintf("<38>Mar  1 12:00:%02d host sshd[%d]: %s", i%60, i, body))
			msg[i] = event.String(body)
			if tc.literal(i) {
				msg[i] = event.String(fmt.Sprintf("not a suffix %d", i))
			}
		}
		var enc columnEncoder
		enc.ref, enc.refCol, enc.refSuffix = orig, 7, true
		buf := enc.encode(nil, msg, times)
		if enc.suffix != tc.suffix {
			t.Fatalf("%s: suffix encoding %v, want %v", tc.name, enc.suffix, tc.suffix)
		}
		ref := func(col uint32) ([]event.Value, error) {
			if col != 7 {
				return nil, fmt.Errorf("asked for column %d", col)
			}
			return orig, nil
		}
		got, err := decodeColumnRef(buf, times, nil, ref)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i := range msg {
			if !event.Equal(msg[i], got[i]) {
				t.Fatalf("%s: row %d: got %q, want %q", tc.name, i, got[i].Text(), msg[i].Text())
			}
		}
		if tc.suffix {
			if _, err := decodeColumn(buf, times, nil); err == nil {
				t.Fatalf("%s: decoded without the referenced column", tc.name)
			}
			short := func(uint32) ([]event.Value, error) { return orig[:n-1], nil }
			if _, err := decodeColumnRef(buf, times, nil, short); err == nil {
				t.Fatalf("%s: decoded against a column of another length", tc.name)
			}
		}
		for cut := 0; cut < len(buf); cut += 1 + len(buf)/50 {
			if _, err := decodeColumnRef(buf[:cut], times, nil, ref); err == nil {
				t.Fatalf("%s: truncated to %d of %d bytes decoded without error", tc.name, cut, len(buf))
			}
		}
	}
}

// TestSubstrColumn: a mostly unique string column whose values are mostly
// found verbatim in the same rows' event.original (CloudTrail's ids) is
// stored as (offset, length) into it, and decodes back, literals
// included, whole or at chosen rows, only with the other column at hand.
func TestSubstrColumn(t *testing.T) {
	const n = 600
	times := make([]int64, n)
	for _, tc := range []struct {
		name    string
		literal func(i int) bool
		substr  bool
	}{
		{"all substrings", func(int) bool { return false }, true},
		{"some literals", func(i int) bool { return i%17 == 0 }, true},
		{"literal first", func(i int) bool { return i == 0 }, true},
		{"mostly literals", func(i int) bool { return i%2 == 0 }, false},
	} {
		orig := make([]event.Value, n)
		ids := make([]event.Value, n)
		for i := range orig {
			id := fmt.Sprintf("%08x-4b2c-%04x-9f1e-%012x", i*2654435761, i, i*i)
			orig[i] = event.String(fmt.Sprintf(`{"eventVersion":"1.08","eventID":"%s","requestID":"r%d"}`, id, i))
			ids[i] = event.String(id)
			if tc.literal(i) {
				ids[i] = event.String(fmt.Sprintf("elsewhere-%d", i))
			}
		}
		var enc columnEncoder
		enc.ref, enc.refCol = orig, 3
		buf := enc.encode(nil, ids, times)
		if got := len(buf) > 1 && bytes.Contains(buf[:8], []byte{strSubstr, 3}); got != tc.substr {
			t.Fatalf("%s: substring encoding %v, want %v", tc.name, got, tc.substr)
		}
		ref := func(col uint32) ([]event.Value, error) {
			if col != 3 {
				return nil, fmt.Errorf("asked for column %d", col)
			}
			return orig, nil
		}
		got, err := decodeColumnRef(buf, times, nil, ref)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i := range ids {
			if !event.Equal(ids[i], got[i]) {
				t.Fatalf("%s: row %d: got %q, want %q", tc.name, i, got[i].Text(), ids[i].Text())
			}
		}
		rows := []int{0, 1, 17, 34, n - 1}
		sel := make([]event.Value, len(rows))
		if err := decodeColumnRows(buf, times, rows, sel, ref); err != nil {
			t.Fatalf("%s: rows: %v", tc.name, err)
		}
		for k, r := range rows {
			if !event.Equal(ids[r], sel[k]) {
				t.Fatalf("%s: selected row %d: got %q, want %q", tc.name, r, sel[k].Text(), ids[r].Text())
			}
		}
		if tc.substr {
			if _, err := decodeColumn(buf, times, nil); err == nil {
				t.Fatalf("%s: decoded without the referenced column", tc.name)
			}
			short := make([]event.Value, n)
			for i := range short {
				short[i] = event.String("tiny")
			}
			if _, err := decodeColumnRef(buf, times, nil, func(uint32) ([]event.Value, error) { return short, nil }); err == nil {
				t.Fatalf("%s: decoded against values too short to hold the substrings", tc.name)
			}
		}
		for cut := 0; cut < len(buf); cut += 1 + len(buf)/50 {
			if _, err := decodeColumnRef(buf[:cut], times, nil, ref); err == nil {
				t.Fatalf("%s: truncated to %d of %d bytes decoded without error", tc.name, cut, len(buf))
			}
		}
	}
}

// TestASCIITokensAgreeWithFilter: the tokenizer's fast path hashes exactly
// the keys of the general one (filter.EachToken, lowercased, then digit
// bigrams), so that queries find what was indexed.
func TestASCIITokensAgreeWithFilter(t *testing.T) {
	for _, s := range []string{
		"", "a", "Failed password for ROOT from 10.1.2.3 port 22 ssh2",
		"GET /api/v1/users/42?q=A_b HTTP/1.1 200 512", "x9 9x 1.2 a1.2.3", "__init__ 0.0.0.0/0 ::1",
		`{"eventID":"3F2A-11","n":[1,2]}`, "MiXeD_Case123 456 7",
	} {
		var th tokenHasher
		got, ok := th.addASCIITokens(nil, s, true)
		if !ok {
			t.Fatalf("%q: fast path refused ASCII text", s)
		}
		var want []uint64
		filter.EachToken(s, func(tok string) { want = append(want, hashToken(strings.ToLower(tok))) })
		want = th.addDigitBigrams(want, s)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q: fast path gives %d keys, general path %d", s, len(got), len(want))
		}
	}
	var th tokenHasher
	if _, ok := th.addASCIITokens(nil, "café", true); ok {
		t.Error("fast path accepted non-ASCII text")
	}
}

func TestCanonicalIPv4(t *testing.T) {
	for _, s := range []string{"0.0.0.0", "10.1.2.3", "255.255.255.255", "192.168.0.10", "1.22.133.4",
		"256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3", "1.2.3.4 ", "a.b.c.d", "", "1.2.3.0400", "::1", "1.2.3.00"} {
		a, ok := canonicalIPv4(s)
		want, err := netip.ParseAddr(s)
		wantOK := err == nil && want.Is4() && want.String() == s
		if ok != wantOK || (ok && a != want.As4()) {
			t.Errorf("canonicalIPv4(%q) = %v, %v; netip says %v, %v", s, a, ok, want, wantOK)
		}
	}
}

func TestHashSetDedup(t *testing.T) {
	var s hashSet
	for _, n := range []int{0, 1, 2, 100, 5000, 100_000} {
		var hs []uint64
		want := map[uint64]bool{}
		for i := range n {
			h := uint64(i%(n/3+1)) * 0x9e3779b97f4a7c15 // repeats, and 0 once per cycle
			hs = append(hs, h)
			want[h] = true
		}
		got := s.dedup(slices.Clone(hs))
		if len(got) != len(want) {
			t.Fatalf("n=%d: %d distinct, want %d", n, len(got), len(want))
		}
		for _, h := range got {
			if !want[h] {
				t.Fatalf("n=%d: %x not in the input", n, h)
			}
			delete(want, h)
		}
	}
}
