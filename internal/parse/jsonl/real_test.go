package jsonl

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

const cloudTrailFile = "cloudtrail/ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json"

// TestRealCloudTrail decodes every record of a real CloudTrail NDJSON file
// (as shipped by Logstash) and checks @timestamp and a few leaves against
// encoding/json.
func TestRealCloudTrail(t *testing.T) {
	lines := parsetest.ReadLines(t, parsetest.SharedData(t, cloudTrailFile))
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
	parsetest.BenchmarkLines(b, Decode, testMeta, parsetest.ReadLines(b, parsetest.SharedData(b, cloudTrailFile)))
}
