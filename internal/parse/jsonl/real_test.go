package jsonl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// sharedData returns the path of ../shared/data/<rel> from the repository
// root (the directory holding go.mod), skipping the test when it is absent.
func sharedData(tb testing.TB, rel string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("repository root (go.mod) not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("test data %s absent (%v): the shared corpus is not next to the repository", rel, err)
	}
	return p
}

const cloudTrailFile = "cloudtrail/ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json"

func readLines(tb testing.TB, path string) [][]byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
	}
	return lines
}

// TestRealCloudTrail decodes every record of a real CloudTrail NDJSON file
// (as shipped by Logstash) and checks @timestamp and a few leaves against
// encoding/json.
func TestRealCloudTrail(t *testing.T) {
	lines := readLines(t, sharedData(t, cloudTrailFile))
	var ev event.Event
	for i, line := range lines {
		ev.Reset()
		if err := Decode(line, testMeta, &ev); err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
		var m struct {
			Timestamp       string `json:"@timestamp"`
			EventTime       string `json:"eventTime"`
			EventName       string `json:"eventName"`
			SourceIPAddress string `json:"sourceIPAddress"`
			UserIdentity    struct {
				ARN string `json:"arn"`
			} `json:"userIdentity"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		stamp := m.Timestamp
		if stamp == "" {
			stamp = m.EventTime
		}
		want, err := time.Parse(time.RFC3339, stamp)
		if err != nil {
			t.Fatal(err)
		}
		if !ev.Timestamp().Equal(want) {
			t.Errorf("record %d: @timestamp %v, want %v", i+1, ev.Timestamp(), want)
		}
		for name, w := range map[string]string{"eventName": m.EventName, "sourceIPAddress": m.SourceIPAddress, "userIdentity.arn": m.UserIdentity.ARN} {
			if got := ev.GetString(name); got != w {
				t.Errorf("record %d: %s = %q, want %q", i+1, name, got, w)
			}
		}
	}
}

// BenchmarkDecodeRealCloudTrail decodes the real CloudTrail records.
func BenchmarkDecodeRealCloudTrail(b *testing.B) {
	lines := readLines(b, sharedData(b, cloudTrailFile))
	b.ReportAllocs()
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	b.SetBytes(int64(total / len(lines)))
	var ev event.Event
	n := 0
	for b.Loop() {
		ev.Reset()
		if err := Decode(lines[n%len(lines)], testMeta, &ev); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
