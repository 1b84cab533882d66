package main

// End-to-end tests: they build the real binary, start it, and talk to it as
// users and log senders do.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shoseki-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "shoseki")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build shoseki: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const testToken = "e2e-admin-token-0123456789"

type instance struct {
	t       *testing.T
	dataDir string
	api     string
	udp     string
	tcp     string
	netflow string
	cmd     *exec.Cmd
	logs    *bytes.Buffer
	env     []string
}

// freePorts returns n distinct free TCP ports: the listeners stay open
// until all are chosen, so the kernel cannot hand one out twice.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// newInstance prepares a server with its own data directory and ports.
func newInstance(t *testing.T, env ...string) *instance {
	ports := freePorts(t, 3)
	api, sys, nf := ports[0], ports[1], ports[2]
	return &instance{
		t:       t,
		dataDir: t.TempDir(),
		api:     fmt.Sprintf("127.0.0.1:%d", api),
		udp:     fmt.Sprintf("127.0.0.1:%d", sys),
		tcp:     fmt.Sprintf("127.0.0.1:%d", sys),
		netflow: fmt.Sprintf("127.0.0.1:%d", nf),
		env:     env,
	}
}

func (in *instance) start() {
	t := in.t
	t.Helper()
	in.logs = &bytes.Buffer{}
	in.cmd = exec.Command(binary, "serve", "--data", in.dataDir, "--listen", in.api, "--syslog-udp", in.udp, "--syslog-tcp", in.tcp, "--netflow-udp", in.netflow)
	in.cmd.Env = append(append(os.Environ(), "SHOSEKI_BOOTSTRAP_TOKEN="+testToken, "SHOSEKI_SYSLOG_TIMEZONE=UTC", "SHOSEKI_STORAGE_FLUSH_INTERVAL=1s"), in.env...)
	in.cmd.Stdout = in.logs
	in.cmd.Stderr = in.logs
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if in.cmd != nil && in.cmd.ProcessState == nil {
			_ = in.cmd.Process.Kill()
			_ = in.cmd.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + in.api + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not become healthy: %v\n%s", err, in.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (in *instance) stop() {
	in.t.Helper()
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	if err := in.cmd.Wait(); err != nil {
		in.t.Fatalf("server exited with %v\n%s", err, in.logs)
	}
}

func (in *instance) kill9() {
	_ = in.cmd.Process.Signal(syscall.SIGKILL)
	_ = in.cmd.Wait()
}

func (in *instance) do(method, path string, body io.Reader) (int, []byte) {
	in.t.Helper()
	req, err := http.NewRequest(method, "http://"+in.api+path, body)
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

type searchAnswer struct {
	Events  []map[string]any `json:"events"`
	Columns []string         `json:"columns"`
	Rows    [][]any          `json:"rows"`
}

func (in *instance) search(q string) searchAnswer {
	in.t.Helper()
	v := url.Values{"q": {q}, "from": {"now-30d"}, "to": {"now+1d"}, "limit": {"1000"}}
	code, body := in.do("GET", "/api/v1/search?"+v.Encode(), nil)
	if code != 200 {
		in.t.Fatalf("search %q: %d %s", q, code, body)
	}
	var a searchAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		in.t.Fatalf("search %q: %v: %s", q, err, body)
	}
	return a
}

// count runs `q | stats count()` and returns the count.
func (in *instance) count(q string) int64 {
	in.t.Helper()
	a := in.search(q + " | stats count() as n")
	if len(a.Rows) == 0 {
		return 0
	}
	n, ok := a.Rows[0][0].(float64)
	if !ok {
		in.t.Fatalf("count of %q: unexpected row %v", q, a.Rows)
	}
	return int64(n)
}

// eventually retries check until it returns "" or the deadline passes.
func eventually(t *testing.T, d time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestIngestAndSearchEndToEnd(t *testing.T) {
	in := newInstance(t)
	in.start()

	// 100,000 lines over one TCP connection, LF framing, then octet
	// counting on another: none may be lost.
	const tcpLines = 100_000
	conn, err := net.Dial("tcp", in.tcp)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(conn, 1<<16)
	now := time.Now().UTC()
	for i := 0; i < tcpLines; i++ {
		fmt.Fprintf(w, "<38>1 %s web-01 sshd 4242 - - Failed password for invalid user tcp%d from 192.0.2.%d port %d ssh2\n", now.Format(time.RFC3339), i, i%250+1, 1024+i%60000)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	conn, err = net.Dial("tcp", in.tcp)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		msg := fmt.Sprintf("<86>1 %s db-01 sudo - - - octet %d", now.Format(time.RFC3339), i)
		fmt.Fprintf(conn, "%d %s", len(msg), msg)
	}
	conn.Close()

	// UDP, with the system's logger(1) when present, else a Go client.
	const udpLines = 50
	if logger, err := exec.LookPath("logger"); err == nil {
		host, port, _ := net.SplitHostPort(in.udp)
		for i := 0; i < udpLines; i++ {
			out, err := exec.Command(logger, "--udp", "--server", host, "--port", port, "--rfc5424", "--tag", "e2e-logger", fmt.Sprintf("udp message %d", i)).CombinedOutput()
			if err != nil {
				t.Fatalf("logger: %v %s", err, out)
			}
		}
	} else {
		c, err := net.Dial("udp", in.udp)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < udpLines; i++ {
			fmt.Fprintf(c, "<13>1 %s host e2e-logger - - - udp message %d", now.Format(time.RFC3339), i)
			time.Sleep(time.Millisecond)
		}
		c.Close()
	}

	// NDJSON over HTTP.
	var nd bytes.Buffer
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&nd, `{"@timestamp":%q,"event":{"category":"authentication","outcome":"success"},"user":{"name":"alice"},"source":{"ip":"10.1.2.%d"},"message":"http %d"}`+"\n", now.Format(time.RFC3339Nano), i%250, i)
	}
	code, body := in.do("POST", "/api/v1/ingest", &nd)
	if code != 200 || !strings.Contains(string(body), `"accepted":1000`) {
		t.Fatalf("ingest: %d %s", code, body)
	}

	eventually(t, 20*time.Second, func() string {
		if n := in.count("input.type:syslog-tcp process.name:sshd"); n != tcpLines {
			return fmt.Sprintf("tcp sshd events: %d, want %d", n, tcpLines)
		}
		if n := in.count("input.type:syslog-tcp octet"); n != 100 {
			return fmt.Sprintf("octet-counted events: %d, want 100", n)
		}
		if n := in.count("input.type:syslog-udp process.name:e2e-logger"); n != udpLines {
			return fmt.Sprintf("udp events: %d, want %d", n, udpLines)
		}
		return ""
	})
	if n := in.count("input.type:http user.name:alice"); n != 1000 {
		t.Fatalf("http events: %d, want 1000", n)
	}
	// The sshd lines are normalized and searchable by ECS fields.
	if n := in.count("event.category:authentication event.outcome:failure source.ip:192.0.2.7"); n != 400 {
		t.Fatalf("failures from 192.0.2.7: %d, want 400", n)
	}
	a := in.search("input.type:syslog-tcp process.name:sshd | stats count() as n by source.ip | sort -n | head 3")
	if len(a.Rows) != 3 {
		t.Fatalf("stats by source.ip: %+v", a)
	}
	if ev := in.search("user.name:tcp99999").Events; len(ev) != 1 {
		t.Fatalf("search for one user: %d events", len(ev))
	}

	// The CLI sees the same as the API.
	cli := exec.Command(binary, "search", "--server", "http://"+in.api, "--from", "now-1h", "--to", "now+1h", "--json", "input.type:http | stats count() as n")
	cli.Env = append(os.Environ(), "SHOSEKI_TOKEN="+testToken)
	out, err := cli.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1000") {
		t.Fatalf("shoseki search: %v\n%s", err, out)
	}

	// Authentication: no token, wrong token, and an ingest-only token.
	resp, err := http.Get("http://" + in.api + "/api/v1/search?q=*")
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("search without token: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	tokOut, err := exec.Command(binary, "user", "token", "create", "--role", "ingest", "--data", in.dataDir).Output()
	if err != nil {
		t.Fatal(err)
	}
	ingestTok := strings.TrimSpace(string(tokOut))
	req, _ := http.NewRequest("GET", "http://"+in.api+"/api/v1/search?q=*", nil)
	req.Header.Set("Authorization", "Bearer "+ingestTok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 403 {
		t.Fatalf("search with an ingest token: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest("POST", "http://"+in.api+"/api/v1/ingest", strings.NewReader(`{"message":"from the ingest token"}`))
	req.Header.Set("Authorization", "Bearer "+ingestTok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("ingest with an ingest token: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	in.stop()
}

func TestMalformedInput(t *testing.T) {
	in := newInstance(t, "SHOSEKI_SYSLOG_IDLE_TIMEOUT=1s")
	in.start()

	// Invalid JSON lines: 400, line numbers, the good lines stored, the bad
	// ones kept as pipeline_error events.
	body := "{\"message\":\"good one\"}\n{\"message\": \n\xff\xfe\x00binary\n{\"message\":\"tru\xe3\x81\"}\n[1,2\n"
	code, resp := in.do("POST", "/api/v1/ingest?format=json", strings.NewReader(body))
	if code != 400 {
		t.Fatalf("ingest of bad lines: %d %s", code, resp)
	}
	var ir struct {
		Accepted, Rejected int
		Errors             []struct {
			Line   int
			Reason string
		}
	}
	if err := json.Unmarshal(resp, &ir); err != nil {
		t.Fatal(err)
	}
	lines := []int{}
	for _, e := range ir.Errors {
		lines = append(lines, e.Line)
		if e.Reason == "" {
			t.Errorf("line %d: empty reason", e.Line)
		}
	}
	if fmt.Sprint(lines) != "[2 3 5]" {
		t.Errorf("rejected lines %v, want [2 3 5] (answer %s)", lines, resp)
	}
	// Truncated UTF-8 inside a string is kept as it is, not rejected.
	if ir.Accepted != 2 {
		t.Errorf("accepted %d, want 2: %s", ir.Accepted, resp)
	}

	// Over syslog TCP: a 1 MB line, binary garbage, a bad priority, and a
	// client that sends half a frame and hangs.
	conn, err := net.Dial("tcp", in.tcp)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "<13>1 2026-11-21T10:00:00Z host app - - - %s\n", strings.Repeat("A", 1<<20))
	conn.Write([]byte("\x00\x01\x02\xff\xfe garbage \x80\x81\n"))
	conn.Write([]byte("<999>1 2026-11-21T10:00:00Z host app - - - bad priority\n"))
	conn.Write([]byte("<13>1 2026-11-21T10:00:00Z host app - - - still fine after all that\n"))
	conn.Close()
	hung, err := net.Dial("tcp", in.tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	hung.Write([]byte("500 <13>1 2026-11-21T10:00:00Z host app - - - only half"))

	// The server keeps serving others while the hung client waits.
	eventually(t, 20*time.Second, func() string {
		if n := in.count(`"still fine after all that"`); n != 1 {
			return fmt.Sprintf("good line after garbage: %d", n)
		}
		if n := in.count("event.kind:pipeline_error input.type:syslog-tcp"); n < 3 {
			return fmt.Sprintf("syslog pipeline errors: %d, want at least 3 (oversize, bad priority, half frame)", n)
		}
		return ""
	})
	if n := in.count("event.kind:pipeline_error input.type:http"); n != 3 {
		t.Errorf("http pipeline errors: %d, want 3", n)
	}
	a := in.search(`event.kind:pipeline_error "only half"`)
	if len(a.Events) != 1 || !strings.Contains(fmt.Sprint(a.Events[0]["error.message"]), "500") {
		t.Errorf("half frame not kept with its reason: %+v", a.Events)
	}

	// Everything is counted in /metrics.
	resp2, err := http.Get("http://" + in.api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	for _, want := range []string{`shoseki_events_rejected_total{input="http"} 3`, `shoseki_syslog_oversize_total{transport="tcp"} 1`, `shoseki_syslog_partial_frames_total 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// Bad queries are input errors with a position.
	code, resp = in.do("GET", "/api/v1/search?q="+url.QueryEscape("user.name:(alice"), nil)
	if code != 400 || !strings.Contains(string(resp), "error") {
		t.Errorf("bad query: %d %s", code, resp)
	}
	in.stop()
}

// TestKill9 kills the server during a sustained ingest and checks that every
// acknowledged event is there after restart, exactly once, and stays so over
// two more restarts.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test is long; run without -short")
	}
	in := newInstance(t)
	in.start()

	const posters, batch, target = 4, 2000, 200_000
	acked := make([]atomic.Int64, posters) // events acknowledged per poster, a prefix of its sequence
	var total atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	ts := time.Now().UTC().Format(time.RFC3339Nano)
	for p := 0; p < posters; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for seq := 0; ; seq += batch {
				select {
				case <-stop:
					return
				default:
				}
				var b bytes.Buffer
				for i := seq; i < seq+batch; i++ {
					fmt.Fprintf(&b, `{"@timestamp":%q,"test":{"poster":%d,"seq":%d},"message":"sustained event %d of poster %d"}`+"\n", ts, p, i, i, p)
				}
				req, _ := http.NewRequest("POST", "http://"+in.api+"/api/v1/ingest?format=json", &b)
				req.Header.Set("Authorization", "Bearer "+testToken)
				resp, err := client.Do(req)
				if err != nil {
					return // the server died: this batch is not acknowledged
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					return
				}
				acked[p].Store(int64(seq + batch))
				total.Add(batch)
			}
		}()
	}
	deadline := time.Now().Add(3 * time.Minute)
	for total.Load() < target && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	in.kill9()
	close(stop)
	wg.Wait()
	if total.Load() < target {
		t.Fatalf("only %d events acknowledged before the deadline", total.Load())
	}
	t.Logf("killed after %d acknowledged events", total.Load())

	for restart := 1; restart <= 3; restart++ {
		in.start()
		a := in.search("test.poster:* | stats count() as n, dc(test.seq) as distinct, max(test.seq) as last by test.poster | sort test.poster")
		if len(a.Rows) != posters {
			t.Fatalf("restart %d: %d posters found, want %d: %+v", restart, len(a.Rows), posters, a)
		}
		for _, row := range a.Rows {
			p, n, distinct, last := int(row[0].(float64)), int64(row[1].(float64)), int64(row[2].(float64)), int64(row[3].(float64))
			if n != distinct {
				t.Errorf("restart %d poster %d: %d events but %d distinct: duplicates", restart, p, n, distinct)
			}
			if n != last+1 {
				t.Errorf("restart %d poster %d: %d events up to seq %d: a gap, events were lost", restart, p, n, last)
			}
			if n < acked[p].Load() {
				t.Errorf("restart %d poster %d: %d events stored, %d acknowledged: acknowledged events lost", restart, p, n, acked[p].Load())
			}
		}
		if restart < 3 {
			in.stop()
		}
	}
	in.stop()
}

func TestHelpAndUsage(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"--help"}, 0, "Commands:"},
		{[]string{}, 2, "Usage: shoseki"},
		{[]string{"bogus"}, 2, "unknown command"},
		{[]string{"serve", "--help"}, 0, "SHOSEKI_BOOTSTRAP_TOKEN"},
		{[]string{"ingest", "--help"}, 0, "-format"},
		{[]string{"search", "--help"}, 0, "-json"},
		{[]string{"search"}, 2, "QUERY"},
		{[]string{"user", "token", "create", "--role", "god", "--data", t.TempDir()}, 2, "unknown role"},
		{[]string{"version"}, 0, "shoseki"},
	}
	for _, tt := range tests {
		cmd := exec.Command(binary, tt.args...)
		cmd.Env = append(os.Environ(), "SHOSEKI_TOKEN=x")
		out, _ := cmd.CombinedOutput()
		if got := cmd.ProcessState.ExitCode(); got != tt.code {
			t.Errorf("shoseki %v: exit %d, want %d\n%s", tt.args, got, tt.code, out)
		}
		if !strings.Contains(string(out), tt.contains) {
			t.Errorf("shoseki %v: output lacks %q:\n%s", tt.args, tt.contains, out)
		}
	}
}

// sharedData returns a path under ../shared/data, skipping the test when
// the corpora are absent.
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared corpus %s not present (%v): skipping", rel, err)
	}
	return p
}

// TestIngestCommand sends real files with `shoseki ingest`, format
// auto-detected: a syslog auth log, CloudTrail NDJSON and a binary EVTX file.
func TestIngestCommand(t *testing.T) {
	ssh := sharedData(t, "loghub/OpenSSH/OpenSSH_2k.log")
	trail := sharedData(t, "cloudtrail/ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json")
	evtxFile := sharedData(t, "evtx/Lateral Movement/LM_4624_mimikatz_sekurlsa_pth_source_machine.evtx")
	in := newInstance(t)
	in.start()
	cmd := exec.Command(binary, "ingest", "--server", "http://"+in.api, ssh, trail, evtxFile)
	cmd.Env = append(os.Environ(), "SHOSEKI_TOKEN="+testToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("shoseki ingest: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "0 rejected") {
		t.Errorf("some records were rejected:\n%s", out)
	}
	for _, want := range []string{"format syslog", "format evtx"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ingest output lacks %q:\n%s", want, out)
		}
	}
	all := url.Values{"from": {"2000-01-01T00:00:00Z"}, "to": {"now+1d"}}
	count := func(q string) int64 {
		v := url.Values{"q": {q + " | stats count() as n"}, "from": all["from"], "to": all["to"]}
		code, body := in.do("GET", "/api/v1/search?"+v.Encode(), nil)
		if code != 200 {
			t.Fatalf("search %q: %d %s", q, code, body)
		}
		var a searchAnswer
		_ = json.Unmarshal(body, &a)
		if len(a.Rows) == 0 {
			return 0
		}
		return int64(a.Rows[0][0].(float64))
	}
	// 2,000 lines, two of which are rsyslog's "message repeated 5 times":
	// count() counts the events received, 2,008.
	if n := count("process.name:sshd"); n != 2008 {
		t.Errorf("sshd events: %d, want 2008", n)
	}
	if n := count("winlog.channel:*"); n == 0 {
		t.Error("no Windows events from the EVTX file")
	}
	if n := count("event.kind:pipeline_error"); n != 0 {
		t.Errorf("%d pipeline errors", n)
	}
	in.stop()
}

const sshFailedRule = `title: SSH failed password
id: 5b7a1e2c-1111-4c3d-9e8f-000000000001
name: ssh_failed_password
status: test
level: low
logsource:
  product: linux
  service: sshd
detection:
  keywords:
    - 'Failed password'
  condition: keywords
---
title: SSH brute force from one source
id: 5b7a1e2c-1111-4c3d-9e8f-000000000002
status: test
level: high
correlation:
  type: event_count
  rules:
    - ssh_failed_password
  group-by:
    - source.ip
  timespan: 5m
  generate: true
  condition:
    gte: 10
`

// TestStreamingDetection loads a Sigma rule and a correlation from a rule
// directory, sends syslog, and finds the signals stored as searchable events.
func TestStreamingDetection(t *testing.T) {
	rules := t.TempDir()
	if err := os.WriteFile(filepath.Join(rules, "ssh.yml"), []byte(sshFailedRule), 0o600); err != nil {
		t.Fatal(err)
	}
	in := newInstance(t, "SHOSEKI_DETECT_RULE_DIRS="+rules)
	in.start()
	conn, err := net.Dial("tcp", in.tcp)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := 0; i < 12; i++ {
		fmt.Fprintf(conn, "<38>1 %s bastion sshd 77 - - Failed password for root from 198.51.100.9 port %d ssh2\n", now.Add(time.Duration(i)*time.Second).Format(time.RFC3339), 40000+i)
	}
	fmt.Fprintf(conn, "<38>1 %s bastion sshd 77 - - Accepted publickey for alice from 10.0.0.1 port 4000 ssh2\n", now.Format(time.RFC3339))
	conn.Close()
	eventually(t, 20*time.Second, func() string {
		if n := in.count(`event.kind:signal rule.name:"SSH failed password"`); n != 12 {
			return fmt.Sprintf("signals of the simple rule: %d, want 12", n)
		}
		if n := in.count(`event.kind:signal rule.name:"SSH brute force from one source"`); n < 1 {
			return fmt.Sprintf("correlation signals: %d, want at least 1", n)
		}
		return ""
	})
	code, body := in.do("GET", "/api/v1/rules", nil)
	if code != 200 || !strings.Contains(string(body), "SSH failed password") {
		t.Fatalf("GET /api/v1/rules: %d %s", code, body)
	}

	// A rule added through the API is active at once, without a restart.
	alice := `title: Alice logged in
id: 5b7a1e2c-1111-4c3d-9e8f-000000000003
level: informational
logsource:
  product: linux
  service: sshd
detection:
  selection:
    user.name: alice
    event.outcome: success
  condition: selection
`
	code, body = in.do("POST", "/api/v1/rules", strings.NewReader(alice))
	if code != 201 {
		t.Fatalf("POST /api/v1/rules: %d %s", code, body)
	}
	code, body = in.do("POST", "/api/v1/rules", strings.NewReader("title: broken\ndetection: {condition: nope}\n"))
	if code != 400 {
		t.Fatalf("a broken rule was not refused: %d %s", code, body)
	}
	conn, err = net.Dial("tcp", in.tcp)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "<38>1 %s bastion sshd 78 - - Accepted publickey for alice from 10.0.0.1 port 4001 ssh2\n", time.Now().UTC().Format(time.RFC3339))
	conn.Close()
	eventually(t, 20*time.Second, func() string {
		if n := in.count(`event.kind:signal rule.name:"Alice logged in"`); n != 1 {
			return fmt.Sprintf("signals of the API rule: %d, want 1", n)
		}
		return ""
	})

	// Backtest: the rule run over stored history finds the logins stored
	// before it existed too (the first Accepted line).
	code, body = in.do("POST", "/api/v1/rules/backtest?from=now-1h&to=now%2B1h", strings.NewReader(alice))
	var bt struct {
		Matches int `json:"matches"`
		Scanned int `json:"scanned"`
	}
	if code != 200 || json.Unmarshal(body, &bt) != nil || bt.Matches != 2 || bt.Scanned == 0 {
		t.Fatalf("backtest: %d %s", code, body)
	}
	in.stop()
}

// TestTail follows the live stream over SSE and sees a matching event
// arrive, and not a non-matching one.
func TestTail(t *testing.T) {
	in := newInstance(t)
	in.start()
	req, _ := http.NewRequest("GET", "http://"+in.api+"/api/v1/tail?q="+url.QueryEscape("user.name:carol"), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("tail: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	time.Sleep(200 * time.Millisecond) // let the subscription register
	code, body := in.do("POST", "/api/v1/ingest", strings.NewReader(`{"user":{"name":"dave"},"message":"not this one"}`+"\n"+`{"user":{"name":"carol"},"message":"live event"}`))
	if code != 200 {
		t.Fatalf("ingest: %d %s", code, body)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("tail stream ended")
			}
			if strings.Contains(l, "not this one") {
				t.Fatalf("tail sent a non-matching event: %s", l)
			}
			if strings.HasPrefix(l, "data: ") && strings.Contains(l, "live event") {
				resp.Body.Close()
				in.stop()
				return
			}
		case <-deadline:
			t.Fatal("no event on the tail stream")
		}
	}
}

// TestAggregation sends 20,000 identical firewall denies within 10 seconds
// and finds them stored as a few rows whose event.count adds up exactly.
func TestAggregation(t *testing.T) {
	in := newInstance(t)
	in.start()
	conn, err := net.Dial("tcp", in.tcp)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(conn)
	t0 := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	for i := 0; i < 20000; i++ {
		ts := t0.Add(time.Duration(i) * 10 * time.Second / 20000)
		fmt.Fprintf(w, "<4>1 %s fw-01 kernel - - - FW-DROP: IN=eth0 OUT= SRC=203.0.113.5 DST=10.0.0.1 LEN=60 TTL=52 ID=%d DF PROTO=TCP SPT=%d DPT=22 WINDOW=64240 SYN URGP=0\n", ts.Format(time.RFC3339Nano), i, 30000+i%20000)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	eventually(t, 30*time.Second, func() string {
		a := in.search("event.dataset:iptables.log | stats count() as n, dc(event.id) as rows")
		if len(a.Rows) != 1 {
			return fmt.Sprintf("no answer yet: %+v", a)
		}
		n, rows := int64(a.Rows[0][0].(float64)), int64(a.Rows[0][1].(float64))
		if n != 20000 {
			return fmt.Sprintf("count() = %d, want 20000", n)
		}
		if rows > 50 {
			return fmt.Sprintf("%d rows stored, want at most 50", rows)
		}
		return ""
	})
	in.stop()
}

// TestNetFlow sends a NetFlow v5 export packet to the server and finds its
// flows as network events.
func TestNetFlow(t *testing.T) {
	in := newInstance(t)
	in.start()
	c, err := net.Dial("udp", in.netflow)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const flows = 3
	pkt := make([]byte, 24+48*flows)
	be := func(b []byte, v uint32, n int) {
		for i := 0; i < n; i++ {
			b[i] = byte(v >> (8 * (n - 1 - i)))
		}
	}
	now := uint32(time.Now().Unix())
	be(pkt[0:], 5, 2)      // version
	be(pkt[2:], flows, 2)  // count
	be(pkt[4:], 600000, 4) // sys uptime, ms
	be(pkt[8:], now, 4)    // unix secs
	be(pkt[16:], 1, 4)     // flow sequence
	for i := 0; i < flows; i++ {
		r := pkt[24+48*i:]
		copy(r[0:], []byte{192, 0, 2, byte(10 + i)}) // src
		copy(r[4:], []byte{198, 51, 100, 1})         // dst
		be(r[16:], 10, 4)                            // packets
		be(r[20:], 1500, 4)                          // octets
		be(r[24:], 599000, 4)                        // first
		be(r[28:], 599900, 4)                        // last
		be(r[32:], 40000, 2)                         // src port
		be(r[34:], 443, 2)                           // dst port
		r[38] = 6                                    // TCP
	}
	eventually(t, 20*time.Second, func() string {
		if _, err := c.Write(pkt); err != nil {
			return err.Error()
		}
		time.Sleep(200 * time.Millisecond)
		if n := in.count("event.category:network destination.ip:198.51.100.1 destination.port:443 network.transport:tcp"); n < flows {
			return fmt.Sprintf("netflow events: %d, want at least %d", n, flows)
		}
		return ""
	})
	in.stop()
}
