package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/shoseki/shoseki/internal/demo"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/formats"
)

// LoadDemo ingests n generated events spread over the 24 hours before now,
// once per data directory (a marker file remembers it). It returns the
// number ingested (0 when already loaded).
func (s *Server) LoadDemo(ctx context.Context, n int) (int, error) {
	marker := filepath.Join(s.cfg.DataDir, "demo-loaded")
	if _, err := os.Stat(marker); err == nil {
		return 0, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	if err := s.installDemoRules(); err != nil {
		return 0, fmt.Errorf("demo rules: %w", err)
	}
	now := time.Now()
	var loc *time.Location
	if s.cfg.Syslog.Timezone != "" {
		loc, _ = time.LoadLocation(s.cfg.Syslog.Timezone)
	}
	gen := demo.New(uint64(now.UnixNano()), now.Add(-24*time.Hour), now, loc)
	batches := map[string][][]byte{}
	flush := func(name string) error {
		recs := batches[name]
		if len(recs) == 0 {
			return nil
		}
		f, ok := formats.ByName(name)
		if !ok {
			return fmt.Errorf("demo: format %s is not registered", name)
		}
		if _, err := s.pipeline.Ingest(ctx, "demo", &f, recs, parse.Meta{Received: time.Now(), Location: loc}); err != nil {
			return err
		}
		batches[name] = recs[:0]
		return nil
	}
	// Send in time order, as live sources do, so correlations (which allow
	// only a bounded out-of-order delay) see the demo as they would see a
	// real day.
	recs := make([]demo.Record, n)
	for i := range recs {
		recs[i] = gen.Next()
	}
	slices.SortStableFunc(recs, func(a, b demo.Record) int { return a.Time.Compare(b.Time) })
	for i, r := range recs {
		batches[r.Format] = append(batches[r.Format], r.Data)
		if len(batches[r.Format]) == 5000 {
			if err := flush(r.Format); err != nil {
				return i, err
			}
		}
	}
	for name := range batches {
		if err := flush(name); err != nil {
			return n, err
		}
	}
	if err := os.WriteFile(marker, []byte(now.UTC().Format(time.RFC3339)+"\n"), 0o600); err != nil {
		return n, err
	}
	return n, nil
}

// installDemoRules writes the demo's Sigma rules into the API rule
// directory and reloads detection, so the demo data raises signals.
func (s *Server) installDemoRules() error {
	if s.detect == nil {
		return nil
	}
	dir := filepath.Join(s.cfg.DataDir, "rules")
	entries, err := demo.Rules.ReadDir("rules")
	if err != nil {
		return err
	}
	for _, e := range entries {
		data, err := demo.Rules.ReadFile("rules/" + e.Name())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "demo-"+e.Name()), data, 0o640); err != nil {
			return err
		}
	}
	_, err = s.detect.Reload()
	return err
}
