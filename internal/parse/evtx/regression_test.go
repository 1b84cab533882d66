package evtx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/winevent"
)

// TestRegressionData checks every .evtx/.json pair of the Sigma regression
// data: the reader must yield exactly the events the evtx_dump JSON twin
// holds, with the same System fields and every EventData item.
func TestRegressionData(t *testing.T) {
	root := parsetest.SharedData(t, "sigma/regression_data")
	files := findFiles(t, root, ".evtx")
	if len(files) == 0 {
		t.Skip("no .evtx files in regression data")
	}
	pairs := 0
	for _, path := range files {
		twin := strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
		if _, err := os.Stat(twin); err != nil {
			continue
		}
		pairs++
		rel, _ := filepath.Rel(root, path)
		t.Run(rel, func(t *testing.T) {
			want := loadTwin(t, twin)
			got, r := readAll(t, path)
			if n := r.Stats().BadRecords; n > 0 {
				t.Errorf("%d corrupt records: %v", n, r.Problems())
			}
			if len(got) != len(want) {
				t.Errorf("got %d records, twin has %d", len(got), len(want))
			}
			byID := make(map[uint64]*winevent.Record, len(got))
			for i := range got {
				byID[got[i].RecordID] = &got[i]
			}
			for i := range want {
				w := &want[i]
				g, ok := byID[w.RecordID]
				if !ok {
					t.Errorf("record %d missing", w.RecordID)
					continue
				}
				if diff := diffRecords(g, w); diff != "" {
					t.Errorf("record %d:\n%s", w.RecordID, diff)
				}
			}
		})
	}
	t.Logf("%d evtx/json pairs", pairs)
}

// loadTwin decodes the evtx_dump documents of a .json twin (one or several
// concatenated objects) into Records, with the mapping rules of Record.Data.
func loadTwin(t *testing.T, path string) []winevent.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.UseNumber()
	var out []winevent.Record
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		ev, _ := doc["Event"].(map[string]any)
		if ev == nil {
			t.Fatalf("%s: document without Event", path)
		}
		out = append(out, twinRecord(ev))
	}
	return out
}

func jattr(v any, name string) any {
	m, _ := v.(map[string]any)
	a, _ := m["#attributes"].(map[string]any)
	return a[name]
}

func jtext(v any) any {
	if m, ok := v.(map[string]any); ok {
		return m["#text"]
	}
	return v
}

func jstr(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

func juint(v any) uint64 {
	u, _ := strconv.ParseUint(jstr(v), 0, 64)
	return u
}

func jvalue(v any) (event.Value, bool) {
	switch x := v.(type) {
	case nil:
		return event.Value{}, false
	case json.Number:
		if i, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return event.Int(i), true
		}
		return event.String(x.String()), true
	case string:
		return event.String(x), true
	case bool:
		return event.String(strconv.FormatBool(x)), true
	}
	return event.String(fmt.Sprint(v)), true
}

func twinRecord(ev map[string]any) winevent.Record {
	sys, _ := ev["System"].(map[string]any)
	var rec winevent.Record
	rec.Provider = jstr(jattr(sys["Provider"], "Name"))
	rec.ProviderGUID = jstr(jattr(sys["Provider"], "Guid"))
	rec.EventSource = jstr(jattr(sys["Provider"], "EventSourceName"))
	rec.EventID = uint32(juint(jtext(sys["EventID"])))
	rec.Qualifiers = uint32(juint(jattr(sys["EventID"], "Qualifiers")))
	rec.Version = uint8(juint(sys["Version"]))
	rec.Level = uint8(juint(sys["Level"]))
	rec.Task = uint16(juint(sys["Task"]))
	rec.Opcode = uint8(juint(sys["Opcode"]))
	rec.Keywords = jstr(sys["Keywords"])
	if ts := jstr(jattr(sys["TimeCreated"], "SystemTime")); ts != "" {
		rec.TimeCreated, _ = time.Parse(time.RFC3339Nano, ts)
	}
	rec.RecordID = juint(sys["EventRecordID"])
	rec.ActivityID = jstr(jattr(sys["Correlation"], "ActivityID"))
	rec.RelatedID = jstr(jattr(sys["Correlation"], "RelatedActivityID"))
	rec.ProcessID = uint32(juint(jattr(sys["Execution"], "ProcessID")))
	rec.ThreadID = uint32(juint(jattr(sys["Execution"], "ThreadID")))
	rec.Channel = jstr(sys["Channel"])
	rec.Computer = jstr(sys["Computer"])
	rec.UserID = jstr(jattr(sys["Security"], "UserID"))
	if ed, ok := ev["EventData"].(map[string]any); ok {
		rec.Data = twinEventData(ed)
	}
	if ud, ok := ev["UserData"].(map[string]any); ok {
		for k, v := range ud {
			if k != "#attributes" {
				rec.Data = twinFlatten(v)
				break
			}
		}
	}
	return rec
}

func twinEventData(ed map[string]any) []event.Field {
	var out []event.Field
	for k, v := range ed {
		if k == "#attributes" {
			continue
		}
		if m, ok := v.(map[string]any); ok && k == "Data" {
			if list, ok := m["#text"].([]any); ok {
				for i, item := range list {
					val, _ := jvalue(item)
					out = append(out, event.Field{Name: "param" + strconv.Itoa(i+1), Value: val})
				}
			} else {
				val, _ := jvalue(m["#text"])
				out = append(out, event.Field{Name: "param1", Value: val})
			}
			continue
		}
		if m, ok := v.(map[string]any); ok && m["#text"] == nil {
			continue // attributes only
		}
		val, ok := jvalue(jtext(v))
		if !ok {
			val = event.String("") // null
		}
		out = append(out, event.Field{Name: k, Value: val})
	}
	return out
}

func twinFlatten(root any) []event.Field {
	type leaf struct {
		path, name string
		v          any
	}
	var leaves []leaf
	var walk func(v any, prefix string)
	walk = func(v any, prefix string) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, c := range m {
			if strings.HasPrefix(k, "#") {
				continue
			}
			path := k
			if prefix != "" {
				path = prefix + "." + k
			}
			if cm, ok := c.(map[string]any); ok && hasChildKey(cm) {
				walk(cm, path)
			} else {
				leaves = append(leaves, leaf{path, k, jtext(c)})
			}
		}
	}
	walk(root, "")
	short := map[string]int{}
	for _, l := range leaves {
		short[l.name]++
	}
	var out []event.Field
	for _, l := range leaves {
		val, ok := jvalue(l.v)
		if !ok {
			val = event.String("")
		}
		name := l.path
		if short[l.name] == 1 {
			name = l.name
		}
		out = append(out, event.Field{Name: name, Value: val})
	}
	return out
}

func hasChildKey(m map[string]any) bool {
	for k := range m {
		if !strings.HasPrefix(k, "#") {
			return true
		}
	}
	return false
}

// diffRecords compares got with a twin record; times are compared at the
// twin's microsecond precision.
func diffRecords(got, want *winevent.Record) string {
	var b strings.Builder
	cmp := func(name string, g, w any) {
		if g != w {
			fmt.Fprintf(&b, "  %s: got %v, want %v\n", name, g, w)
		}
	}
	cmp("Provider", got.Provider, want.Provider)
	cmp("ProviderGUID", got.ProviderGUID, want.ProviderGUID)
	cmp("EventSource", got.EventSource, want.EventSource)
	cmp("EventID", got.EventID, want.EventID)
	cmp("Qualifiers", got.Qualifiers, want.Qualifiers)
	cmp("Version", got.Version, want.Version)
	cmp("Level", got.Level, want.Level)
	cmp("Task", got.Task, want.Task)
	cmp("Opcode", got.Opcode, want.Opcode)
	cmp("Keywords", got.Keywords, want.Keywords)
	cmp("TimeCreated", got.TimeCreated.Truncate(time.Microsecond).Format(time.RFC3339Nano), want.TimeCreated.Format(time.RFC3339Nano))
	cmp("ActivityID", got.ActivityID, want.ActivityID)
	cmp("RelatedID", got.RelatedID, want.RelatedID)
	cmp("ProcessID", got.ProcessID, want.ProcessID)
	cmp("ThreadID", got.ThreadID, want.ThreadID)
	cmp("Channel", got.Channel, want.Channel)
	cmp("Computer", got.Computer, want.Computer)
	cmp("UserID", got.UserID, want.UserID)
	gd := map[string]event.Value{}
	for _, f := range got.Data {
		gd[f.Name] = f.Value
	}
	wd := map[string]event.Value{}
	for _, f := range want.Data {
		wd[f.Name] = f.Value
	}
	for k, w := range wd {
		g, ok := gd[k]
		if !ok {
			fmt.Fprintf(&b, "  Data[%s]: missing, want %v (%s)\n", k, w.Text(), w.Type())
			continue
		}
		if !event.Equal(g, w) || g.Type() != w.Type() {
			fmt.Fprintf(&b, "  Data[%s]: got %q (%s), want %q (%s)\n", k, g.Text(), g.Type(), w.Text(), w.Type())
		}
	}
	for k, g := range gd {
		if _, ok := wd[k]; !ok {
			fmt.Fprintf(&b, "  Data[%s]: unexpected %q\n", k, g.Text())
		}
	}
	return b.String()
}

// TestRegressionNormalized checks the whole ingest path against the other
// container: DecodeFile of each .evtx must give the same normalized events
// as winevent's decoder gives for the evtx_dump JSON twin (all fields but
// event.original), matched by winlog.record_id.
func TestRegressionNormalized(t *testing.T) {
	root := parsetest.SharedData(t, "sigma/regression_data")
	files := findFiles(t, root, ".evtx")
	meta := &parse.Meta{Received: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Input: "file"}
	for _, path := range files {
		twin := strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
		data, err := os.ReadFile(twin)
		if err != nil {
			continue
		}
		rel, _ := filepath.Rel(root, path)
		t.Run(rel, func(t *testing.T) {
			want := map[int64]*event.Event{}
			for _, doc := range winevent.Documents(data) {
				ev := &event.Event{}
				if err := winevent.Decode(doc, meta, ev); err != nil {
					t.Fatalf("twin: %v", err)
				}
				id, _ := ev.Get(winevent.FieldRecordID)
				n, _ := id.Int()
				want[n] = ev
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			got := 0
			_, err = DecodeFile(f, st.Size(), meta, func(ev *event.Event) error {
				got++
				id, _ := ev.Get(winevent.FieldRecordID)
				n, _ := id.Int()
				w := want[n]
				if w == nil {
					t.Errorf("record %d not in twin", n)
					return nil
				}
				if d := diffEvents(ev, w); d != "" {
					t.Errorf("record %d:\n%s", n, d)
				}
				if !strings.HasPrefix(ev.GetString(event.FieldOriginal), "<Event") {
					t.Errorf("record %d: event.original is not the record XML: %.80q", n, ev.GetString(event.FieldOriginal))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != len(want) {
				t.Errorf("DecodeFile emitted %d events, twin has %d", got, len(want))
			}
		})
	}
}

func diffEvents(got, want *event.Event) string {
	var b strings.Builder
	if got.Time/1000 != want.Time/1000 { // the twin has microseconds
		fmt.Fprintf(&b, "  @timestamp: got %v, want %v\n", got.Timestamp(), want.Timestamp())
	}
	for _, f := range want.Fields {
		if f.Name == event.FieldOriginal {
			continue
		}
		g, ok := got.Get(f.Name)
		if !ok {
			fmt.Fprintf(&b, "  %s: missing, want %q\n", f.Name, f.Value.Text())
		} else if !event.Equal(g, f.Value) {
			fmt.Fprintf(&b, "  %s: got %q (%s), want %q (%s)\n", f.Name, g.Text(), g.Type(), f.Value.Text(), f.Value.Type())
		}
	}
	for _, f := range got.Fields {
		if _, ok := want.Get(f.Name); !ok && f.Name != event.FieldOriginal {
			fmt.Fprintf(&b, "  %s: unexpected %q\n", f.Name, f.Value.Text())
		}
	}
	return b.String()
}
