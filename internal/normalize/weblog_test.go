package normalize

import (
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

func TestNextField(t *testing.T) {
	s := `a "b \"c\" d" [e f]  g "unterminated`
	var got []string
	i := 0
	for {
		f, next, ok := NextField(s, i)
		if !ok {
			break
		}
		got = append(got, f)
		i = next
	}
	want := []string{"a", `b \"c\" d`, "e f", "g"}
	if len(got) != len(want) {
		t.Fatalf("fields %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestParseCLFTime(t *testing.T) {
	tests := []struct{ in, want string }{
		{"10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36Z"},
		{"06/Feb/2019:00:00:38 +0000", "2019-02-06T00:00:38Z"},
		{"29/Feb/2024:23:59:59.250 +0130", "2024-02-29T22:29:59.25Z"},
		{"10/Oct/2000:13:55:36", "2000-10-10T13:55:36Z"},
		{"29/Feb/2023:00:00:00 +0000", ""},
		{"10/Foo/2000:13:55:36 -0700", ""},
		{"10/Oct/2000:13:55:36 -07", ""},
		{"10/Oct/2000:13:55:36 -0790", ""},
		{"10/Oct/2000 13:55:36 -0700", ""},
	}
	for _, tt := range tests {
		got, ok := ParseCLFTime(tt.in, nil)
		s := ""
		if ok {
			s = got.Format(time.RFC3339Nano)
		}
		if s != tt.want {
			t.Errorf("ParseCLFTime(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestAppendHTTPRequest(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		want map[string]string
	}{
		{"GET /a/b?x=1&y=2 HTTP/1.1", true, map[string]string{"http.request.method": "GET", "url.original": "/a/b?x=1&y=2", "url.path": "/a/b", "url.query": "x=1&y=2", "http.version": "1.1"}},
		{"CONNECT example.com:443 HTTP/1.0", true, map[string]string{"url.original": "example.com:443", "url.path": "example.com:443", "http.version": "1.0"}},
		{"GET http://h.example/p?q HTTP/1.1", true, map[string]string{"url.path": "/p", "url.query": "q"}},
		{"GET http://h.example", true, map[string]string{"url.original": "http://h.example", "url.path": ""}},
		{"-", false, nil},
		{`\x16\x03\x01`, false, nil},
	}
	for _, tt := range tests {
		var ev event.Event
		if ok := AppendHTTPRequest(&ev, tt.line); ok != tt.ok {
			t.Errorf("AppendHTTPRequest(%q) = %v", tt.line, ok)
		}
		for k, v := range tt.want {
			if got := ev.GetString(k); got != v {
				t.Errorf("%q: %s = %q, want %q", tt.line, k, got, v)
			}
		}
	}
}

func TestAppendEndpoint(t *testing.T) {
	tests := []struct{ in, ip, port, address string }{
		{"192.0.2.1:8080", "192.0.2.1", "8080", ""},
		{"[2001:db8::1]:443", "2001:db8::1", "443", ""},
		{"2001:db8::1", "2001:db8::1", "", ""},
		{"proxy.example:3128", "", "3128", "proxy.example"},
		{"-", "", "", ""},
	}
	for _, tt := range tests {
		var ev event.Event
		AppendEndpoint(&ev, "source", tt.in)
		if ev.GetString("source.ip") != tt.ip || ev.GetString("source.port") != tt.port || ev.GetString("source.address") != tt.address {
			t.Errorf("AppendEndpoint(%q) = %s", tt.in, ev.AppendJSON(nil))
		}
	}
}

func TestHTTPOutcome(t *testing.T) {
	for code, want := range map[int64]string{99: "", 200: "success", 304: "success", 401: "failure", 503: "failure", 600: ""} {
		if got := HTTPOutcome(code); got != want {
			t.Errorf("HTTPOutcome(%d) = %q, want %q", code, got, want)
		}
	}
}
