package syslog

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type frameWant struct {
	data     string
	oversize bool
	partial  bool
}

func readAll(t testing.TB, r io.Reader, max int) ([]frameWant, error) {
	fr := NewFramer(r, max)
	var got []frameWant
	for {
		f, err := fr.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return got, nil
			}
			return got, err
		}
		if len(f.Data) > max {
			t.Fatalf("frame of %d bytes exceeds max %d", len(f.Data), max)
		}
		got = append(got, frameWant{string(f.Data), f.Oversize != 0, f.Partial})
	}
}

func TestFramer(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name string
		in   string
		max  int
		want []frameWant
	}{
		{"lf", "<13>a\n<13>b\n", 64, []frameWant{{data: "<13>a"}, {data: "<13>b"}}},
		{"lf final without newline", "<13>a\n<13>b", 64, []frameWant{{data: "<13>a"}, {data: "<13>b"}}},
		{"crlf and blank lines", "\n\r\n<13>a\r\n\n", 64, []frameWant{{data: "<13>a\r"}}},
		{"octet counted", "5 <13>a6 <13>bc", 64, []frameWant{{data: "<13>a"}, {data: "<13>bc"}}},
		{"octet counted holding newlines", "7 <13>a\nb\n", 64, []frameWant{{data: "<13>a\nb"}}},
		{"mixed", "5 <13>a<13>b\n5 <13>c", 64, []frameWant{{data: "<13>a"}, {data: "<13>b"}, {data: "<13>c"}}},
		{"oversize lf", long + "\n<13>ok\n", 10, []frameWant{{data: long[:10], oversize: true}, {data: "<13>ok"}}},
		{"oversize lf at end", long, 10, []frameWant{{data: long[:10], oversize: true}}},
		{"oversize octet", "100 " + long + "<13>ok\n", 10, []frameWant{{data: long[:10], oversize: true}, {data: "<13>ok"}}},
		{"partial octet", "50 <13>only part", 64, []frameWant{{data: "<13>only part", partial: true}}},
		{"digits without space are a line", "2026-11-21 host msg\n", 64, []frameWant{{data: "2026-11-21 host msg"}}},
		{"huge declared length", "99999999999 x\n", 64, []frameWant{{data: "99999999999 x"}}},
		{"nul separators", "<13>a\x00<13>b\n", 64, []frameWant{{data: "<13>a\x00<13>b"}}},
	}
	for _, tt := range tests {
		for _, chunked := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.in)
			if chunked {
				r = iotest.OneByteReader(r)
			}
			got, err := readAll(t, r, tt.max)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%s (chunked=%v): got %d frames %+v, want %d %+v", tt.name, chunked, len(got), got, len(tt.want), tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("%s (chunked=%v) frame %d: got %+v, want %+v", tt.name, chunked, i, got[i], tt.want[i])
				}
			}
		}
	}
}

// timeoutReader returns a timeout error once after each chunk, as a
// connection with a read deadline does.
type timeoutReader struct {
	chunks  []string
	timeout bool
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "i/o timeout" }
func (timeoutErr) Timeout() bool { return true }

func (r *timeoutReader) Read(p []byte) (int, error) {
	if r.timeout {
		r.timeout = false
		return 0, timeoutErr{}
	}
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if r.chunks[0] == "" {
		r.chunks = r.chunks[1:]
		r.timeout = true
	}
	return n, nil
}

func TestFramerKeepsDataAcrossTimeouts(t *testing.T) {
	r := &timeoutReader{chunks: []string{"<13>hel", "lo\n12 <13>wor", "ld!\n"}}
	fr := NewFramer(r, 64)
	var got []string
	timeouts := 0
	for {
		f, err := fr.Next()
		if err != nil {
			if isTimeout(err) {
				timeouts++
				continue
			}
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatal(err)
		}
		got = append(got, string(f.Data))
	}
	if want := []string{"<13>hello", "<13>world!\n"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if timeouts == 0 {
		t.Fatal("no timeouts seen: the test reader is wrong")
	}
}

func TestFramerDrain(t *testing.T) {
	r := &timeoutReader{chunks: []string{"<13>complete\n40 <13>half"}}
	fr := NewFramer(r, 64)
	f, err := fr.Next()
	if err != nil || string(f.Data) != "<13>complete" {
		t.Fatalf("first frame: %q, %v", f.Data, err)
	}
	if _, err := fr.Next(); !isTimeout(err) {
		t.Fatalf("want a timeout, got %v", err)
	}
	d, ok := fr.Drain()
	if !ok || string(d.Data) != "<13>half" || !d.Partial || d.Declared != 40 {
		t.Fatalf("drain: %+v %v", d, ok)
	}
	if _, ok := fr.Drain(); ok {
		t.Fatal("second drain returned data")
	}
}

func FuzzFramer(f *testing.F) {
	for _, s := range []string{"<13>a\n<13>b\n", "5 <13>a6 <13>bc", "100 xx", "\n\n\n", "1 a2 bc3 def", "99999999999 x\n"} {
		f.Add([]byte(s), uint8(16))
	}
	f.Fuzz(func(t *testing.T, data []byte, max uint8) {
		m := int(max) + 1
		frames, err := readAll(t, iotest.HalfReader(bytes.NewReader(data)), m)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, fr := range frames {
			total += len(fr.data)
		}
		if total > len(data) {
			t.Fatalf("frames hold %d bytes, input had %d", total, len(data))
		}
	})
}
