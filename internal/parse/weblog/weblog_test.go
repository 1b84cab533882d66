package weblog

import (
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

const loghubApache = "loghub/Apache/Apache_2k.log"

// TestLoghubApache decodes every line of the loghub Apache error-log sample
// and compares timestamp, level and message with the _structured.csv
// ground truth.
func TestLoghubApache(t *testing.T) {
	lines, rows := parsetest.Loghub(t, loghubApache) // rows: LineId,Time,Level,Content,EventId,EventTemplate
	meta := &parse.Meta{Received: time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC), Location: time.UTC}
	var ev event.Event
	for i, l := range lines {
		ev.Reset()
		if err := DecodeApache(l, meta, &ev); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		want, err := time.Parse("Mon Jan 02 15:04:05 2006", rows[i][1])
		if err != nil {
			t.Fatalf("row %d: %v", i+1, err)
		}
		if !ev.Timestamp().Equal(want) {
			t.Errorf("line %d: @timestamp %v, want %v", i+1, ev.Timestamp(), want)
		}
		if got := ev.GetString("log.level"); got != rows[i][2] {
			t.Errorf("line %d: log.level %q, want %q", i+1, got, rows[i][2])
		}
		if got, want := ev.GetString(event.FieldMessage), rows[i][3]; !strings.HasSuffix(want, got) {
			t.Errorf("line %d: message %q, want (a suffix of) %q", i+1, got, want)
		}
		if DetectApache(l) == 0 {
			t.Errorf("line %d: DetectApache = 0", i+1)
		}
	}
}

func TestParseApacheTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 or "" for invalid
	}{
		{"Sun Dec 04 04:47:44 2005", "2005-12-04T04:47:44Z"},
		{"Wed Oct 11 14:32:52.123456 2000", "2000-10-11T14:32:52.123456Z"},
		{"Wed Oct  1 14:32:52 2000", "2000-10-01T14:32:52Z"},
		{"Wed Feb 30 14:32:52 2000", ""},
		{"Wed Oct 11 24:32:52 2000", ""},
		{"Wed Oct 11 14:32:52. 2000", ""},
		{"Wed Oct 11 14:32:52 20000", ""},
		{"Wed Foo 11 14:32:52 2000", ""},
	}
	for _, tt := range tests {
		got, ok := parseApacheTime(tt.in, time.UTC)
		s := ""
		if ok {
			s = got.Format(time.RFC3339Nano)
		}
		if s != tt.want {
			t.Errorf("parseApacheTime(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestAppendNginxMessage(t *testing.T) {
	var ev event.Event
	ev.Set("host.name", event.String("web-1"))
	msg := `10.0.0.1 - - [21/Nov/2026:10:00:00 +0100] "GET /a?b=c HTTP/1.1" 404 12 "-" "curl/8"`
	if !AppendNginxMessage(&ev, msg, time.UTC) {
		t.Fatal("access line not recognized")
	}
	for name, want := range map[string]string{
		"event.dataset": "nginx.access", "url.path": "/a", "url.query": "b=c", "http.response.status_code": "404",
		"event.outcome": "failure", "source.ip": "10.0.0.1", "host.name": "web-1", "@timestamp": "2026-11-21T09:00:00Z",
	} {
		if got := ev.GetString(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	before := len(ev.Fields)
	if AppendNginxMessage(&ev, "worker process 12 exited", time.UTC) || len(ev.Fields) != before {
		t.Error("a free-text message was accepted or left fields")
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in            string
		apache, nginx int
	}{
		{`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`, 80, 0},
		{`1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326 "-" "ua" "x"`, 80, 0},
		{`1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326 TCP_MISS:HIER_DIRECT`, 0, 0},
		{`1.2.3.4 - - [10/Oct/2000:13:55:36] "GET / HTTP/1.0" 200 2326`, 0, 0},
		{`[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok`, 85, 0},
		{`[Sun Dec 04 04:47:44 2005] [chrome.exe] x`, 0, 0},
		{`2024/01/01 12:00:01 [notice] 1#1: start worker processes`, 0, 85},
		{`2024/01/01 12:00:01 [bogus] 1#1: start worker processes`, 0, 0},
		{``, 0, 0},
	}
	for _, tt := range tests {
		if a, n := DetectApache([]byte(tt.in)), DetectNginx([]byte(tt.in)); a != tt.apache || n != tt.nginx {
			t.Errorf("Detect(%.50q) = apache %d nginx %d, want %d %d", tt.in, a, n, tt.apache, tt.nginx)
		}
	}
}
