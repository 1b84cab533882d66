package winevent

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files under testdata/")

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
			golden := strings.TrimSuffix(f, ".json") + ".golden"
			if *rewrite {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -rewrite to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s:\n got: %s\nwant: %s", golden, got, want)
			}
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

// repoRoot walks up from the working directory to the directory with go.mod.
func repoRoot(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// twinFiles returns the evtx_dump .json twins of the Sigma regression data.
func twinFiles(t testing.TB) []string {
	dir := filepath.Join(repoRoot(t), "..", "shared", "data", "sigma", "regression_data")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Sigma regression data not present at %s: %v", dir, err)
	}
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
		if len(data) > 1<<16 {
			return
		}
		ev := &event.Event{}
		if err := Decode(data, testMeta, ev); err != nil {
			return
		}
		if ev.GetString(event.FieldOriginal) != string(data) {
			t.Fatal("event.original differs from the record")
		}
		seen := map[string]bool{}
		for _, fld := range ev.Fields {
			if seen[fld.Name] {
				t.Fatalf("field %q set twice", fld.Name)
			}
			seen[fld.Name] = true
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
	var size int64
	for _, f := range twinFiles(b) {
		data, _ := os.ReadFile(f)
		for _, d := range Documents(data) {
			docs = append(docs, d)
			size += int64(len(d))
		}
	}
	b.SetBytes(size / int64(len(docs)))
	b.ReportAllocs()
	ev := &event.Event{}
	n := 0
	cpu0 := cpuSeconds()
	for b.Loop() {
		ev.Reset()
		if err := Decode(docs[n%len(docs)], testMeta, ev); err != nil {
			b.Fatal(err)
		}
		n++
	}
	cpu := cpuSeconds() - cpu0
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	if cpu > 0 {
		b.ReportMetric(float64(n)/cpu, "events/cpu-s")
	}
}
