package weblog

import (
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// FuzzWeblog runs both decoders (parsetest.CheckDecode) and
// AppendNginxMessage on arbitrary lines. Seeds: the golden inputs (plus
// testdata/fuzz/FuzzWeblog).
func FuzzWeblog(f *testing.F) {
	parsetest.AddGoldenSeeds(f, "testdata/golden/*.log")
	f.Fuzz(func(t *testing.T, rec []byte) {
		if len(rec) > parsetest.MaxFuzzInput {
			return
		}
		parsetest.CheckDecode(t, DecodeApache, testMeta, rec)
		parsetest.CheckDecode(t, DecodeNginx, testMeta, rec)
		DetectApache(rec)
		DetectNginx(rec)
		var ev event.Event
		if !AppendNginxMessage(&ev, string(rec), nil) && len(ev.Fields) != 0 {
			t.Fatalf("AppendNginxMessage failed but left %d fields", len(ev.Fields))
		}
	})
}
