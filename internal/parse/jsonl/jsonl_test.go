package jsonl

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

var testMeta = &parse.Meta{
	Received: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
	Location: time.UTC,
}

func decode(t *testing.T, in string) *event.Event {
	t.Helper()
	var ev event.Event
	if err := Decode([]byte(in), testMeta, &ev); err != nil {
		t.Fatalf("Decode(%q): %v", in, err)
	}
	return &ev
}

// fieldJSON renders one field of ev as JSON with its type, for compact
// expectations: `"1.2.3.4"/ip`.
func fieldJSON(ev *event.Event, name string) string {
	v, ok := ev.Get(name)
	if !ok {
		return "<absent>"
	}
	s := string(v.AppendJSON(nil)) + "/" + v.Type().String()
	if v.Type() == event.TypeArray {
		var types []string
		for _, e := range v.Elems() {
			types = append(types, e.Type().String())
		}
		s += "(" + strings.Join(types, ",") + ")"
	}
	return s
}

func TestDecodeFields(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string // field → JSON/type
	}{
		{"nested flattened", `{"source":{"ip":"1.2.3.4","port":22}}`,
			map[string]string{"source.ip": `"1.2.3.4"/ip`, "source.port": `22/int`}},
		{"dotted key kept", `{"source.ip":"10.0.0.1","a.b":{"c":true}}`,
			map[string]string{"source.ip": `"10.0.0.1"/ip`, "a.b.c": `true/bool`}},
		{"ipv6 canonical", `{"client":{"ip":"2001:DB8::0:1"}}`,
			map[string]string{"client.ip": `"2001:db8::1"/ip`}},
		{"ip field not an ip", `{"ip":"nope"}`, map[string]string{"ip": `"nope"/string`}},
		{"related.ip array", `{"related":{"ip":["1.1.1.1","x","::1"]}}`,
			map[string]string{"related.ip": `["1.1.1.1","x","::1"]/array(ip,string,ip)`}},
		{"scalar array", `{"tags":["a","b"],"one":[1]}`,
			map[string]string{"tags": `["a","b"]/array(string,string)`, "one": `[1]/array(int)`}},
		{"array of objects", `{"resources":[{"ARN":"a","type":"t"},{"ARN":"b"}]}`,
			map[string]string{"resources.ARN": `["a","b"]/array(string,string)`, "resources.type": `["t"]/array(string)`}},
		{"nested arrays flattened", `{"m":[[1,2],[3,{"x":4}]]}`,
			map[string]string{"m": `[1,2,3]/array(int,int,int)`, "m.x": `[4]/array(int)`}},
		{"numbers", `{"i":-42,"f":1.5,"e":1e3,"big":12345678901234567890,"max":9223372036854775807,"min":-9223372036854775808,"z":-0,"inf":1e999}`,
			map[string]string{"i": `-42/int`, "f": `1.5/float`, "e": `1000/int`, "big": `1.2345678901234567e+19/float`,
				"max": `9223372036854775807/int`, "min": `-9223372036854775808/int`, "z": `0/int`, "inf": `"1e999"/string`}},
		{"null and empties give nothing", `{"a":null,"b":{},"c":[],"d":[null]}`,
			map[string]string{"a": "<absent>", "b": "<absent>", "c": "<absent>", "d": "<absent>"}},
		{"duplicate keys last wins", `{"a":1,"a":2,"b":{"c":1},"b.c":3}`,
			map[string]string{"a": `2/int`, "b.c": `3/int`}},
		{"duplicate array key last wins", `{"a":[1,2],"a":[3]}`, map[string]string{"a": `[3]/array(int)`}},
		{"scalar replaces array", `{"a":[1,2],"a":"x"}`, map[string]string{"a": `"x"/string`}},
		{"escapes", `{"s":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00\ud800x"}`,
			map[string]string{"s": `"a\"b\\c/d\n\té😀` + "\ufffd" + `x"/string`}},
		{"escaped key", `{"k\u0065y":"v"}`, map[string]string{"key": `"v"/string`}},
		{"invalid utf8 kept", "{\"s\":\"a\xffb\"}", map[string]string{"s": `"a\ufffdb"/string`}},
		{"event.start time", `{"event":{"start":"2026-11-21T10:00:00+01:00","end":"soon"}}`,
			map[string]string{"event.start": `"2026-11-21T09:00:00Z"/time`, "event.end": `"soon"/string`}},
		{"own event.original kept", `{"event":{"original":"raw line"}}`,
			map[string]string{"event.original": `"raw line"/string`}},
		{"own event.created kept", `{"event":{"created":"2026-01-01T00:00:00Z"}}`,
			map[string]string{"event.created": `"2026-01-01T00:00:00Z"/time`}},
		{"record as event.original", ` {"a":1} `,
			map[string]string{"event.original": `" {\"a\":1} "/string`, "event.created": `"2026-11-21T10:00:00Z"/time`}},
		{"bom skipped", "\xef\xbb\xbf{\"a\":1}", map[string]string{"a": `1/int`}},
		{"@timestamp not a field", `{"@timestamp":"2026-01-02T03:04:05.5Z"}`,
			map[string]string{"@timestamp": `"2026-01-02T03:04:05.5Z"/time`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := decode(t, tt.in)
			for name, want := range tt.want {
				if got := fieldJSON(ev, name); got != want {
					t.Errorf("%s = %s, want %s", name, got, want)
				}
			}
			for _, f := range ev.Fields {
				if f.Name == event.FieldTimestamp {
					t.Errorf("@timestamp kept in Fields")
				}
			}
		})
	}
}

func TestDecodeTimestamp(t *testing.T) {
	recv := testMeta.Received
	tests := []struct {
		in   string
		want time.Time
	}{
		{`{"@timestamp":"2026-01-02T03:04:05Z"}`, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"@timestamp":"2026-01-02T03:04:05.123456789-02:00"}`, time.Date(2026, 1, 2, 5, 4, 5, 123456789, time.UTC)},
		{`{"@timestamp":1767323045123}`, time.Date(2026, 1, 2, 3, 4, 5, 123e6, time.UTC)},
		{`{"@timestamp":"garbage","time":"2026-01-02T03:04:05Z"}`, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"timestamp":"2026-01-02 03:04:05"}`, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"eventTime":"2026-01-02T03:04:05Z"}`, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"ts":1767323045.25}`, time.Date(2026, 1, 2, 3, 4, 5, 250e6, time.UTC)},
		{`{"ts":1767323045}`, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"time":1767323045000}`, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"date":"2026-01-02T03:04:05Z"}`, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"time":"03:04","date":"2026-01-02T03:04:05Z"}`, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"a":{"timestamp":"2026-01-02T03:04:05Z"}}`, recv},
		{`{"msg":"none"}`, recv},
	}
	for _, tt := range tests {
		ev := decode(t, tt.in)
		if got := ev.Timestamp(); !got.Equal(tt.want) {
			t.Errorf("%s: @timestamp = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDecodeZoneLessInLoc(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	meta := &parse.Meta{Received: testMeta.Received, Location: loc}
	var ev event.Event
	if err := Decode([]byte(`{"timestamp":"2026-01-02 03:04:05"}`), meta, &ev); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC); !ev.Timestamp().Equal(want) {
		t.Errorf("got %v, want %v", ev.Timestamp(), want)
	}
}

func TestDecodeErrors(t *testing.T) {
	deep := strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth)
	tooDeep := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	deepArr := `{"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + "}"
	var many strings.Builder
	many.WriteString(`{"a":[`)
	for i := range MaxFields + 1 {
		if i > 0 {
			many.WriteByte(',')
		}
		many.WriteByte('1')
	}
	many.WriteString("]}")

	if err := Decode([]byte(deep), testMeta, &event.Event{}); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{`{"a":1`, 6, "unexpected end"},
		{`{"a" 1}`, 5, "expected ':'"},
		{`{"a":1,}`, 7, "expected string key"},
		{`{a:1}`, 1, "expected string key"},
		{`{"a":tru}`, 5, "invalid literal"},
		{`{"a":01}`, 6, "expected ',' or '}'"},
		{`{"a":1.}`, 7, "no digits after"},
		{`{"a":-}`, 6, "invalid number"},
		{`{"a":1e}`, 7, "no digits in exponent"},
		{`{"a":"x`, 7, "unterminated string"},
		{`{"a":"x\`, 7, "unterminated string"},
		{"{\"a\":\"x\ny\"}", 7, "control character in string"},
		{`{"a":"\q"}`, 6, "invalid escape"},
		{`{"a":"\u12"}`, 6, `invalid \u escape`},
		{`{"a":[1 2]}`, 8, "expected ',' or ']'"},
		{`{"a":1} x`, 8, "data after"},
		{`[1,2]`, 0, "not an object"},
		{`"str"`, 0, "not an object"},
		{`{"a":@}`, 5, "invalid character"},
		{tooDeep, 5 * MaxDepth, "nesting deeper"},
		{deepArr, 5 + MaxDepth - 1, "nesting deeper"},
		{many.String(), 6 + 2*MaxFields, "more than 2000 fields"},
	}
	for _, tt := range tests {
		var ev event.Event
		err := Decode([]byte(tt.in), testMeta, &ev)
		var se *parse.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%.40q: error %v, want *parse.SyntaxError", tt.in, err)
			continue
		}
		if se.Offset != tt.offset || !strings.Contains(se.Msg, tt.msg) || se.Format != "json" {
			t.Errorf("%.40q: got %v (offset %d), want offset %d and %q", tt.in, se, se.Offset, tt.offset, tt.msg)
		}
	}
	for _, in := range []string{"", "  \t", "\xef\xbb\xbf "} {
		if err := Decode([]byte(in), testMeta, &event.Event{}); !errors.Is(err, parse.ErrEmpty) {
			t.Errorf("%q: %v, want ErrEmpty", in, err)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{`{"@timestamp":"x","a":1}`, 95},
		{` {"a":1} `, 90},
		{`{}`, 90},
		{`<34>Oct 11 22:14:15 mymachine su: 'su root' failed`, 0},
		{`Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186`, 0},
		{`{not json}`, 0},
		{`[1,2]`, 0},
		{``, 0},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestAgainstEncodingJSONShape checks that every leaf of a realistic
// document is found under its flattened name.
func TestDecodeCloudTrailLike(t *testing.T) {
	ev := decode(t, cloudTrailLike)
	for name, want := range map[string]string{
		"eventTime": `"2026-11-21T09:59:58Z"/string`,
		"userIdentity.sessionContext.attributes.mfaAuthenticated": `"false"/string`,
		"requestParameters.instancesSet.items.instanceId":         `["i-0123456789abcdef0","i-0fedcba9876543210"]/array(string,string)`,
		"resources.ARN":                       `["arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"]/array(string)`,
		"readOnly":                            `false/bool`,
		"sourceIPAddress":                     `"203.0.113.7"/string`,
		"tlsDetails.clientProvidedHostHeader": `"ec2.us-east-1.amazonaws.com"/string`,
	} {
		if got := fieldJSON(ev, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if want := time.Date(2026, 11, 21, 9, 59, 58, 0, time.UTC); !ev.Timestamp().Equal(want) {
		t.Errorf("@timestamp = %v, want %v (from eventTime)", ev.Timestamp(), want)
	}
}

// cloudTrailLike is a ~600-byte CloudTrail-shaped record (made up, no real
// account).
const cloudTrailLike = `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::123456789012:assumed-role/Admin/alice","accountId":"123456789012","sessionContext":{"attributes":{"creationDate":"2026-11-21T09:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-21T09:59:58Z","eventSource":"ec2.amazonaws.com","eventName":"StopInstances","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0","requestParameters":{"instancesSet":{"items":[{"instanceId":"i-0123456789abcdef0"},{"instanceId":"i-0fedcba9876543210"}]},"force":false},"responseElements":null,"requestID":"6f1d2c3b-aaaa-bbbb-cccc-0123456789ab","eventID":"0a1b2c3d-dddd-eeee-ffff-0123456789ab","readOnly":false,"resources":[{"ARN":"arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0","accountId":"123456789012"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","tlsDetails":{"tlsVersion":"TLSv1.3","clientProvidedHostHeader":"ec2.us-east-1.amazonaws.com"}}`
