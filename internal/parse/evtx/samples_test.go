package evtx

import (
	"path/filepath"
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// TestAttackSamples reads every file of EVTX-ATTACK-SAMPLES: no hard error
// is allowed; corrupt records are reported (logged), not fatal. Every file
// must yield records, and every record a root element with a System
// section.
func TestAttackSamples(t *testing.T) {
	root := parsetest.SharedData(t, "evtx")
	files := findFiles(t, root, ".evtx")
	if len(files) == 0 {
		t.Skip("no .evtx files under shared/data/evtx")
	}
	total, bad := 0, 0
	for _, path := range files {
		rel, _ := filepath.Rel(root, path)
		recs, r := readAll(t, path)
		st := r.Stats()
		total += len(recs)
		bad += st.BadRecords
		if len(recs) == 0 {
			t.Errorf("%s: no records", rel)
		}
		for i := range recs {
			if recs[i].Channel == "" && recs[i].Provider == "" {
				t.Errorf("%s: record %d has neither channel nor provider", rel, recs[i].RecordID)
				break
			}
		}
		if st.Problems > 0 {
			t.Logf("%s: %d records, %d corrupt, problems: %v", rel, len(recs), st.BadRecords, r.Problems())
		}
	}
	t.Logf("%d files, %d records, %d corrupt records", len(files), total, bad)
}
