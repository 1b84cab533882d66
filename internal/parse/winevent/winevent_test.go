package winevent

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

var testMeta = &parse.Meta{Received: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Input: "file"}

// decodeFile frames a testdata file into documents and decodes each.
func decodeFile(t testing.TB, data []byte) []*event.Event {
	t.Helper()
	var evs []*event.Event
	for i, doc := range Documents(data) {
		ev := &event.Event{}
		if err := Decode(doc, testMeta, ev); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// TestGolden decodes every testdata/*.json and compares the events, one JSON
// object per line, with testdata/<name>.golden. Run with -rewrite to update.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no testdata/*.json")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			for _, ev := range decodeFile(t, data) {
				ev.Delete(event.FieldOriginal) // the input itself; checked below
				got = ev.AppendJSON(got)
				got = append(got, '\n')
			}
			parsetest.GoldenFile(t, strings.TrimSuffix(f, ".json")+".golden", got)
		})
	}
}

func TestDecodeFields(t *testing.T) {
	data, err := os.ReadFile("testdata/sysmon_concat.json")
	if err != nil {
		t.Fatal(err)
	}
	docs := Documents(data)
	if len(docs) != 2 {
		t.Fatalf("Documents: %d documents, want 2", len(docs))
	}
	evs := decodeFile(t, data)
	ev := evs[0]
	if got := ev.GetString(event.FieldOriginal); got != string(docs[0]) {
		t.Errorf("event.original is not the document bytes")
	}
	tests := []struct {
		field string
		want  event.Value
	}{
		{"winlog.event_id", event.Int(1)},
		{"event.code", event.String("1")},
		{"event.dataset", event.String("windows.sysmon_operational")},
		{"event.module", event.String("windows")},
		{"winlog.channel", event.String("Microsoft-Windows-Sysmon/Operational")},
		{"winlog.event_data.Image", event.String(`C:\Windows\System32\certutil.exe`)},
		{"winlog.event_data.ProcessId", event.Int(4242)},
		{"winlog.event_data.TerminalSessionId", event.Int(1)},
		{"winlog.record_id", event.Int(1001)},
		{"winlog.process.pid", event.Int(3000)},
		{"winlog.user.identifier", event.String("S-1-5-18")},
		{"process.name", event.String("certutil.exe")},
		{"process.parent.name", event.String("cmd.exe")},
		{"user.name", event.String("bob")},
		{"user.domain", event.String("EXAMPLE")},
		{"event.category", event.String("process")},
		{"host.name", event.String("ws01.example.test")},
	}
	for _, tc := range tests {
		got, ok := ev.Get(tc.field)
		if !ok || !event.Equal(got, tc.want) {
			t.Errorf("%s = %v (%v), want %v", tc.field, got.Text(), ok, tc.want.Text())
		}
	}
	if want := time.Date(2025, 1, 2, 3, 4, 5, 123456000, time.UTC); !ev.Timestamp().Equal(want) {
		t.Errorf("@timestamp = %v, want %v", ev.Timestamp(), want)
	}
	net := evs[1]
	if v, _ := net.Get("destination.ip"); v.Type() != event.TypeIP || v.Str() != "198.51.100.7" {
		t.Errorf("destination.ip = %v", v)
	}
	if v, _ := net.Get("winlog.event_data.RuleName"); !event.Equal(v, event.String("")) {
		t.Errorf("null Data item = %#v, want empty string", v)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in string
		empty    bool
	}{
		{"blank", "  \n", true},
		{"not json", "hello", false},
		{"truncated", `{"Event":{"System":{"EventID":1`, false},
		{"array", `[1,2]`, false},
		{"no system", `{"Event":{}}`, false},
		{"no event id", `{"Event":{"System":{"Channel":"Security"}}}`, false},
		{"bad event id", `{"Event":{"System":{"EventID":"x"}}}`, false},
		{"bad time", `{"Event":{"System":{"EventID":1,"TimeCreated":{"#attributes":{"SystemTime":"yesterday"}}}}}`, false},
		{"neither", `{"foo":1}`, false},
		{"winlogbeat without id", `{"winlog":{"channel":"Security"}}`, false},
		{"deep", strings.Repeat("[", 100) + strings.Repeat("]", 100), false},
		{"bad escape", `{"Event":"\q"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Decode([]byte(tc.in), testMeta, &event.Event{})
			if err == nil {
				t.Fatal("no error")
			}
			if tc.empty != errors.Is(err, parse.ErrEmpty) {
				t.Fatalf("err = %v, want ErrEmpty: %v", err, tc.empty)
			}
		})
	}
}

func TestNoTime(t *testing.T) {
	r := &Record{EventID: 1, Channel: "Security"}
	if err := Normalize(r, nil, nil, &event.Event{}); err == nil {
		t.Fatal("no error for a record without time and meta")
	}
	ev := &event.Event{}
	if err := Normalize(r, nil, testMeta, ev); err != nil {
		t.Fatal(err)
	}
	if ev.Time != testMeta.Received.UnixNano() || ev.Has(event.FieldOriginal) {
		t.Fatalf("time %v, original %v", ev.Timestamp(), ev.Has(event.FieldOriginal))
	}
}

func TestDataset(t *testing.T) {
	for in, want := range map[string]string{
		"Security":                                 "windows.security",
		"Microsoft-Windows-Sysmon/Operational":     "windows.sysmon_operational",
		"Windows PowerShell":                       "windows.powershell",
		"Microsoft-Windows-PowerShell/Operational": "windows.powershell_operational",
		"System": "windows.system",
		"Microsoft-Windows-TaskScheduler/Operational": "windows.taskscheduler_operational",
		"OpenSSH/Operational":                         "windows.openssh_operational",
		"":                                            "",
	} {
		if got := Dataset(in); got != want {
			t.Errorf("Dataset(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitJSON(t *testing.T) {
	in := "{\"a\":\"}{\"}\n\n{\"b\":[1,{\"c\":2}]}  {\"d\":1}{\"e\":\"\\\"}\"}\n{\"trunc"
	sc := bufio.NewScanner(strings.NewReader(in))
	sc.Buffer(make([]byte, 4), 1<<20)
	sc.Split(SplitJSON)
	var got []string
	for sc.Scan() {
		got = append(got, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{`{"a":"}{"}`, `{"b":[1,{"c":2}]}`, `{"d":1}`, `{"e":"\"}"}`, `{"trunc`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if docs := Documents([]byte(in)); len(docs) != len(want) {
		t.Fatalf("Documents: %d, want %d", len(docs), len(want))
	}
}

func TestDetect(t *testing.T) {
	for _, f := range []string{"testdata/security_4624.json", "testdata/winlogbeat_4625.json"} {
		data, _ := os.ReadFile(f)
		if Detect(data) < 80 {
			t.Errorf("Detect(%s) = %d", f, Detect(data))
		}
	}
	if Detect([]byte(`{"msg":"hello"}`)) != 0 || Detect([]byte("<13>Jan 1 host x")) != 0 {
		t.Error("Detect accepts foreign records")
	}
}

// twinFiles returns the evtx_dump .json twins of the Sigma regression data.
func twinFiles(t testing.TB) []string {
	dir := parsetest.SharedData(t, "sigma/regression_data")
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	return files
}

// TestRegressionTwins decodes every .json twin: every document decodes,
// and every EventData item is reachable as winlog.event_data.<Name>.
func TestRegressionTwins(t *testing.T) {
	files := twinFiles(t)
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range Documents(data) {
			ev := &event.Event{}
			if err := Decode(doc, testMeta, ev); err != nil {
				t.Errorf("%s document %d: %v", f, i, err)
				continue
			}
			n++
			root, _ := parseJSON(string(doc))
			for _, m := range root.path("Event", "EventData").kids {
				if m.key == "#attributes" {
					continue
				}
				if !ev.Has(EventDataPrefix + m.key) {
					t.Errorf("%s document %d: EventData %s missing", f, i, m.key)
				}
			}
		}
	}
	t.Logf("%d files, %d events", len(files), n)
}

func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		for _, d := range Documents(data) {
			f.Add(d)
		}
	}
	f.Add([]byte(`{"Event":{"System":{"EventID":{"#text":"0x10"}},"EventData":{"Data":"x"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, Decode, testMeta, data)
		if Decode(data, testMeta, &event.Event{}) != nil {
			return
		}
		// Framing the document alone yields the document.
		if docs := Documents(data); len(docs) != 1 {
			t.Fatalf("Documents of one valid document: %d", len(docs))
		}
	})
}

// BenchmarkDecode decodes the Sigma regression twins (real Sysmon and
// Security events), replayed from memory.
func BenchmarkDecode(b *testing.B) {
	var docs [][]byte
	for _, f := range twinFiles(b) {
		data, _ := os.ReadFile(f)
		for _, d := range Documents(data) {
			docs = append(docs, d)
		}
	}
	parsetest.BenchmarkLines(b, Decode, testMeta, docs)
}
