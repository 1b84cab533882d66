package cloudtrail

import (
	"os"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

const exfiltration = "cloudtrail/ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json"

// TestCorpus decodes every record of the OTRF EC2-proxy S3 exfiltration
// data set (Logstash-shipped NDJSON: @timestamp instead of eventTime) line
// by line and as a whole input; no record may fail, and the ECS fields must
// agree with the record.
func TestCorpus(t *testing.T) {
	path := parsetest.SharedData(t, exfiltration)
	lines := parsetest.ReadLines(t, path)
	if len(lines) < 100 {
		t.Fatalf("only %d records", len(lines))
	}
	var ev event.Event
	for i, l := range lines {
		ev.Reset()
		if err := Decode(l, testMeta, &ev); err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
		for _, pair := range [][2]string{
			{event.FieldAction, Prefix + "eventName"},
			{"event.provider", Prefix + "eventSource"},
			{"cloud.region", Prefix + "awsRegion"},
			{"source.address", Prefix + "sourceIPAddress"},
		} {
			if a, b := ev.GetString(pair[0]), ev.GetString(pair[1]); a == "" || a != b {
				t.Errorf("record %d: %s %q, %s %q", i+1, pair[0], a, pair[1], b)
			}
		}
		if ev.Timestamp().Year() != 2020 {
			t.Errorf("record %d: @timestamp %v, want the record's 2020 @timestamp", i+1, ev.Timestamp())
		}
		if ev.GetString(event.FieldOriginal) != string(l) {
			t.Errorf("record %d: event.original differs", i+1)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = DecodeAll(data, testMeta, func(ev *event.Event) error {
		n++
		if ev.GetString(event.FieldKind) == event.KindPipelineError {
			t.Errorf("record %d: %s", n, ev.GetString(event.FieldErrorMsg))
		}
		return nil
	})
	if err != nil || n != len(lines) {
		t.Fatalf("DecodeAll: %d events (want %d), err %v", n, len(lines), err)
	}
}

// TestHoneybucketCSVIsNotCloudTrail checks the decision documented in the
// package comment: the honey-bucket CSV export is not claimed.
func TestHoneybucketCSVIsNotCloudTrail(t *testing.T) {
	for i, l := range parsetest.ReadLines(t, parsetest.SharedData(t, "cloudtrail/aws_s3_honeybucketlogs/AWS_S3_HoneyBucketLogs.csv")) {
		if s := Detect(l); s != 0 {
			t.Fatalf("line %d: Detect = %d", i+1, s)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{`{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateUser"}`, 99},
		{"\xef\xbb\xbf {\"Records\":[{\"eventVersion\":\"1.08\"", 99},
		{`{"version":"0","detail-type":"AWS API Call via CloudTrail","detail":{}}`, 99},
		{`{"QueryStatus":"FINISHED","QueryResultRows":[]}`, 99},
		{`[{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}]`, 99},
		{`{"message":"eventSource eventName"}`, 0},
		{`{"kind":"Event","apiVersion":"audit.k8s.io/v1"}`, 0},
		{`Dec 10 06:55:46 LabSZ sshd[24200]: "eventSource" "eventName"`, 0},
		{``, 0},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%.40q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[]`, "not a JSON object"},
		{`{"eventSource":"x"}`, "no eventSource or eventName"},
		{`{"eventSource":"x","eventName":`, "well-formed"},
		{`{"eventSource":"x","eventName":"y"} {}`, "well-formed"},
		{`{"Records":[]}`, "holds 0 records"},
		{`{"Records":[{"eventSource":"a","eventName":"b"},{"eventSource":"a","eventName":"b"}]}`, "holds 2 records"},
		{`{"detail-type":"AWS API Call via CloudTrail","detail":"x"}`, "without a detail object"},
		{`{"eventSource":"x","eventName":"y","a":[1,}`, "cloudtrail:"},
	}
	for _, tt := range tests {
		var ev event.Event
		err := Decode([]byte(tt.in), testMeta, &ev)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decode(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
		if len(ev.Fields) != 0 {
			t.Errorf("Decode(%q) left %d fields", tt.in, len(ev.Fields))
		}
	}
	if err := Decode([]byte("  \r"), testMeta, new(event.Event)); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("blank record: %v", err)
	}
}

// TestDecodeAllNDJSON checks that DecodeAll splits NDJSON, skips blank
// lines and keeps bad lines as pipeline errors.
func TestDecodeAllNDJSON(t *testing.T) {
	in := "{\"eventSource\":\"a.amazonaws.com\",\"eventName\":\"X\"}\r\n\n{\"eventSource\":\"b.amazonaws.com\",\"eventName\":\"Y\"}\nnot json\n"
	var got []string
	err := DecodeAll([]byte(in), testMeta, func(ev *event.Event) error {
		got = append(got, ev.GetString(event.FieldAction)+"|"+ev.GetString(event.FieldKind)+"|"+ev.GetString(event.FieldOriginal))
		return nil
	})
	want := []string{
		`X|event|{"eventSource":"a.amazonaws.com","eventName":"X"}`,
		`Y|event|{"eventSource":"b.amazonaws.com","eventName":"Y"}`,
		`|pipeline_error|not json`,
	}
	if err != nil || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("DecodeAll = %q, %v; want %q", got, err, want)
	}
}
