package syslog

import (
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

var benchMeta = &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}

// typicalAuthLog is a mix of typical /var/log/auth.log lines.
var typicalAuthLog = [][]byte{
	[]byte("Nov 21 10:00:01 web-01 sshd[24200]: Failed password for invalid user admin from 203.0.113.7 port 51234 ssh2"),
	[]byte("Nov 21 10:00:02 web-01 sshd[24200]: Invalid user admin from 203.0.113.7 port 51234"),
	[]byte("Nov 21 10:00:03 web-01 sshd[24201]: Accepted publickey for alice from 198.51.100.4 port 50022 ssh2: ED25519 SHA256:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"),
	[]byte("Nov 21 10:00:03 web-01 sshd[24201]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)"),
	[]byte("Nov 21 10:00:04 web-01 sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root"),
	[]byte("Nov 21 10:00:05 web-01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"),
	[]byte("Nov 21 10:00:06 web-01 sshd[24200]: Connection closed by invalid user admin 203.0.113.7 port 51234 [preauth]"),
	[]byte("Nov 21 10:00:07 web-01 CRON[3012]: pam_unix(cron:session): session closed for user root"),
}

// BenchmarkDecodeAuthLog decodes typical auth.log lines (RFC 3164 without
// PRI, sshd/sudo/PAM normalization).
func BenchmarkDecodeAuthLog(b *testing.B) {
	parsetest.BenchmarkLines(b, Decode, benchMeta, typicalAuthLog)
}

// BenchmarkDecodeRFC5424 decodes RFC 5424 records with structured data.
func BenchmarkDecodeRFC5424(b *testing.B) {
	parsetest.BenchmarkLines(b, Decode, benchMeta, [][]byte{
		[]byte(`<165>1 2026-11-21T10:00:00.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry`),
		[]byte(`<34>1 2026-11-21T10:00:01.003+01:00 mymachine.example.com su - - - 'su root' failed for lonvick on /dev/pts/8`),
	})
}

// BenchmarkDecodeLoghub decodes the loghub OpenSSH and Linux samples.
func BenchmarkDecodeLoghub(b *testing.B) {
	lines := parsetest.ReadLines(b, parsetest.SharedData(b, "loghub/OpenSSH/OpenSSH_2k.log"))
	lines = append(lines, parsetest.ReadLines(b, parsetest.SharedData(b, "loghub/Linux/Linux_2k.log"))...)
	parsetest.BenchmarkLines(b, Decode, benchMeta, lines)
}

// BenchmarkDecodeAuthLogFresh decodes the auth.log lines into a fresh event
// each time, as the server does (the event goes to the store), so that the
// growth of Fields is counted.
func BenchmarkDecodeAuthLogFresh(b *testing.B) {
	benchmarkFresh(b, typicalAuthLog)
}

// BenchmarkDecodeLoghubFresh decodes the loghub samples into fresh events.
func BenchmarkDecodeLoghubFresh(b *testing.B) {
	lines := parsetest.ReadLines(b, parsetest.SharedData(b, "loghub/OpenSSH/OpenSSH_2k.log"))
	lines = append(lines, parsetest.ReadLines(b, parsetest.SharedData(b, "loghub/Linux/Linux_2k.log"))...)
	benchmarkFresh(b, lines)
}

// benchmarkFresh decodes lines round robin, each into a new event that
// then gets the fields the ingest pipeline adds (input.type), as in the
// server.
func benchmarkFresh(b *testing.B, lines [][]byte) {
	b.ReportAllocs()
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	b.SetBytes(int64(total / len(lines)))
	n := 0
	for b.Loop() {
		ev := new(event.Event)
		if err := Decode(lines[n%len(lines)], benchMeta, ev); err != nil {
			b.Fatal(err)
		}
		ev.SetString(event.FieldInputType, "http")
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
