package parsetest

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// recorder is a testing.TB that records failures instead of reporting
// them; Fatal ends the goroutine as testing.T does.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

// record runs check with a recorder and returns what failed.
func record(check func(testing.TB)) []string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r.failures
}

// good decodes "a b" into message "b" and source.ip "a" (an IP), and fails
// with a SyntaxError at byte 0 on anything without a space.
func good(rec []byte, meta *parse.Meta, ev *event.Event) error {
	ip, msg, ok := strings.Cut(string(rec), " ")
	if !ok {
		return &parse.SyntaxError{Format: "test", Offset: 0, Msg: "no space"}
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return &parse.SyntaxError{Format: "test", Offset: 0, Msg: "bad IP"}
	}
	parse.SetCommon(ev, rec, meta)
	ev.Set(event.FieldMessage, event.String(msg))
	ev.Set(event.FieldSourceIP, event.IP(addr))
	return nil
}

var calls int

func TestCheckDecode(t *testing.T) {
	tests := []struct {
		name   string
		decode DecodeFunc
		rec    string
		want   string // a failure containing this; "" for none
	}{
		{"good", good, "10.0.0.1 hello", ""},
		{"good error", good, "x", ""},
		{"empty", func([]byte, *parse.Meta, *event.Event) error { return parse.ErrEmpty }, "", ""},
		{"error not positioned", func([]byte, *parse.Meta, *event.Event) error { return errors.New("bad") }, "x", "not a *parse.SyntaxError"},
		{"offset outside", func([]byte, *parse.Meta, *event.Event) error {
			return &parse.SyntaxError{Offset: 5}
		}, "x", "outside the record"},
		{"fields left", func(rec []byte, meta *parse.Meta, ev *event.Event) error {
			ev.Set("a", event.String("b"))
			return &parse.SyntaxError{}
		}, "x", "left 1 fields"},
		{"original changed", func(rec []byte, meta *parse.Meta, ev *event.Event) error {
			return good([]byte(strings.ToUpper(string(rec))), meta, ev)
		}, "10.0.0.1 hello", "differs from the record"},
		{"field twice", func(rec []byte, meta *parse.Meta, ev *event.Event) error {
			good(rec, meta, ev)
			ev.Fields = append(ev.Fields, event.Field{Name: "a", Value: event.String("1")}, event.Field{Name: "a", Value: event.String("2")})
			return nil
		}, "10.0.0.1 hello", "set twice"},
		{"null field", func(rec []byte, meta *parse.Meta, ev *event.Event) error {
			good(rec, meta, ev)
			ev.Fields = append(ev.Fields, event.Field{Name: "a"})
			return nil
		}, "10.0.0.1 hello", "is null"},
		{"ip as text", func(rec []byte, meta *parse.Meta, ev *event.Event) error {
			good(rec, meta, ev)
			ev.Set("related.ip", event.Array(event.IP(netip.MustParseAddr("10.0.0.1")), event.String("x")))
			return nil
		}, "10.0.0.1 hello", "related.ip holds a string"},
		{"invalid message", func(rec []byte, meta *parse.Meta, ev *event.Event) error {
			good(rec, meta, ev)
			ev.Set(event.FieldMessage, event.String("\xff"))
			return nil
		}, "10.0.0.1 hello", "invalid message"},
		{"not deterministic", func(rec []byte, meta *parse.Meta, ev *event.Event) error {
			good(rec, meta, ev)
			calls++
			ev.Set("n", event.Int(int64(calls)))
			return nil
		}, "10.0.0.1 hello", "second decode differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := record(func(tb testing.TB) { CheckDecode(tb, tt.decode, nil, []byte(tt.rec)) })
			checkFailures(t, got, tt.want)
		})
	}
}

func TestCheckDecodeAll(t *testing.T) {
	lines := func(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
		for _, l := range strings.Split(string(data), "\n") {
			ev := new(event.Event)
			if good([]byte(l), meta, ev) == nil {
				emit(ev)
			}
		}
		return nil
	}
	tests := []struct {
		name      string
		decodeAll DecodeAllFunc
		want      string
	}{
		{"good", lines, ""},
		{"no original", func(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
			ev := new(event.Event)
			ev.Set(event.FieldMessage, event.String("m"))
			return emit(ev)
		}, "without event.original"},
		{"original not in input", func(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
			ev := new(event.Event)
			parse.SetCommon(ev, []byte("elsewhere"), meta)
			return emit(ev)
		}, "not in the input"},
		{"bad event", func(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
			ev := new(event.Event)
			parse.SetCommon(ev, data, meta)
			ev.Fields = append(ev.Fields, event.Field{Name: "source.ip", Value: event.String("x")})
			return emit(ev)
		}, "source.ip holds a string"},
		{"not deterministic", func(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
			calls++
			return fmt.Errorf("call %d", calls)
		}, "second DecodeAll differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := record(func(tb testing.TB) { CheckDecodeAll(tb, tt.decodeAll, nil, []byte("10.0.0.1 a\n10.0.0.2 b\n")) })
			checkFailures(t, got, tt.want)
		})
	}
}

func TestGoldenFile(t *testing.T) {
	golden := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(golden, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	checkFailures(t, record(func(tb testing.TB) { GoldenFile(tb, golden, []byte("a\nb\n")) }), "")
	checkFailures(t, record(func(tb testing.TB) { GoldenFile(tb, golden, []byte("a\nc\n")) }), "x.golden line 2:\n got c\nwant b")
	checkFailures(t, record(func(tb testing.TB) { GoldenFile(tb, golden, []byte("a\n")) }), "line 2")
	checkFailures(t, record(func(tb testing.TB) { GoldenFile(tb, golden+".missing", nil) }), "run with -rewrite")
}

func TestRender(t *testing.T) {
	got := string(RenderLines(good, nil, []byte("10.0.0.1 a\nx\n")))
	want := `{"@timestamp":"1970-01-01T00:00:00Z","event.original":"10.0.0.1 a","message":"a","source.ip":"10.0.0.1"}` + "\n" +
		"error: test: no space at byte 0\n"
	if got != want {
		t.Errorf("RenderLines:\n got %s\nwant %s", got, want)
	}
	got = string(RenderAll(func(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
		return errors.New("unreadable")
	}, nil, nil))
	if got != "error: unreadable\n" {
		t.Errorf("RenderAll = %q", got)
	}
}

func checkFailures(t *testing.T, got []string, want string) {
	t.Helper()
	if want == "" {
		if len(got) != 0 {
			t.Errorf("unexpected failures: %q", got)
		}
		return
	}
	if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), want) {
		t.Errorf("failures %q, want one containing %q", got, want)
	}
}

func TestCheckFields(t *testing.T) {
	var ev event.Event
	ev.Set(event.FieldMessage, event.String("hi"))
	ev.Set("n", event.Int(7))
	if got := Field(&ev, "missing"); got != Absent {
		t.Errorf("Field of a missing field = %s", got)
	}
	checkFailures(t, record(func(tb testing.TB) {
		CheckFields(tb, &ev, map[string]string{"message": `"hi"`, "n": "7", "x": Absent})
	}), "")
	checkFailures(t, record(func(tb testing.TB) { CheckFields(tb, &ev, map[string]string{"n": "8"}) }), "n = 7, want 8")
	checkFailures(t, record(func(tb testing.TB) { CheckFields(tb, &ev, map[string]string{"n": Absent}) }), "n = 7, want <absent>")
	checkFailures(t, record(func(tb testing.TB) { CheckFields(tb, &ev, map[string]string{"x": `"y"`}) }), `x = <absent>, want "y"`)
}
