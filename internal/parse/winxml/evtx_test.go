package winxml_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/evtx"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/winxml"
)

// TestSameAsEVTX decodes the EVTX-ATTACK-SAMPLES with the EVTX reader,
// feeds each event's rendered XML (its event.original) to winxml.Decode and
// requires the same event: every field with the same text (the EVTX reader
// types integer Data values as numbers, XML cannot) and @timestamp within
// the microsecond the XML is rendered to. GUIDs are compared without braces. With -short only the
// first 20 files are read.
func TestSameAsEVTX(t *testing.T) {
	root := parsetest.SharedData(t, "evtx")
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".evtx" {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("no .evtx files under " + root)
	}
	if testing.Short() && len(files) > 20 {
		files = files[:20]
	}
	meta := &parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Location: time.UTC}
	events, mismatches := 0, 0
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		_, err = evtx.DecodeFile(f, st.Size(), meta, func(want *event.Event) error {
			if want.GetString(event.FieldKind) == event.KindPipelineError {
				return nil
			}
			events++
			var got event.Event
			xml := []byte(want.GetString(event.FieldOriginal))
			if err := winxml.Decode(xml, meta, &got); err != nil {
				mismatches++
				if mismatches <= 5 {
					t.Errorf("%s: %v\n%s", filepath.Base(file), err, xml)
				}
				return nil
			}
			if diff := compare(want, &got); diff != "" {
				mismatches++
				if mismatches <= 5 {
					t.Errorf("%s: %s\n%s", filepath.Base(file), diff, xml)
				}
			}
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	t.Logf("%d files, %d events, %d differ", len(files), events, mismatches)
	if mismatches > 0 {
		t.Errorf("%d of %d events differ", mismatches, events)
	}
}

// compare describes the first difference between two events, comparing
// values by their text.
func compare(want, got *event.Event) string {
	// The rendered XML has microseconds (as evtx_dump renders times); the
	// EVTX reader keeps FILETIME's 100 ns.
	if d := want.Time - got.Time; d < 0 || d >= 1000 {
		return "@timestamp " + got.Timestamp().String() + ", want " + want.Timestamp().String()
	}
	if len(want.Fields) != len(got.Fields) {
		for _, f := range want.Fields {
			if !got.Has(f.Name) {
				return "missing " + f.Name
			}
		}
		for _, f := range got.Fields {
			if !want.Has(f.Name) {
				return "extra " + f.Name + " = " + f.Value.Text()
			}
		}
	}
	for _, f := range want.Fields {
		g, ok := got.Get(f.Name)
		if !ok {
			return "missing " + f.Name
		}
		w := text(f.Value)
		if f.Name == "winlog.provider_guid" || f.Name == "winlog.activity_id" || f.Name == "winlog.related_activity_id" {
			// GUIDs stored as text in the EVTX keep their braces there;
			// winxml drops them as the reader renders binary GUIDs.
			w = strings.Trim(w, "{}")
		}
		if text(g) != w {
			return f.Name + " = " + text(g) + ", want " + w
		}
	}
	return ""
}

func text(v event.Value) string {
	if v.Type() == event.TypeArray {
		s := "["
		for _, e := range v.Elems() {
			s += text(e) + ","
		}
		return s + "]"
	}
	return v.Text()
}
