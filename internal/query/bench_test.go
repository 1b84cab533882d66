package query

import (
	"context"
	"testing"
	"time"
)

const benchQuery = `event.dataset:system.auth event.outcome:failure NOT user.name:root source.ip:10.0.0.0/8
  | stats count() as failures, dc(user.name) as users by source.ip
  | where failures > 20 | sort -failures | head 10`

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchQuery)))
	for b.Loop() {
		if _, err := Parse(benchQuery); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPipeline runs q over n in-memory events and reports events/s (of
// events scanned by the searcher).
func benchPipeline(b *testing.B, q string, n int) {
	s := NewSliceSearcher(manyEvents(n))
	pq, err := Parse(q)
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{From: time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	b.ResetTimer()
	var scanned int64
	for b.Loop() {
		res, err := Run(context.Background(), s, pq, opt)
		if err != nil {
			b.Fatal(err)
		}
		scanned += res.Stats.EventsScanned
	}
	b.ReportMetric(float64(scanned)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkStats(b *testing.B) {
	benchPipeline(b, "event.outcome:failure | stats count() as failures, dc(user.name) as users by source.ip", 100_000)
}

func BenchmarkStatsAllAggs(b *testing.B) {
	benchPipeline(b, "| stats count(), sum(source.port), avg(source.port), min(source.port), max(source.port), values(user.name), latest(user.name) by host.name", 100_000)
}

func BenchmarkTimechartBy(b *testing.B) {
	benchPipeline(b, "| timechart span=1m count() by host.name", 100_000)
}

func BenchmarkTop(b *testing.B) {
	benchPipeline(b, "| top 10 user.name, host.name", 100_000)
}

func BenchmarkWhereEval(b *testing.B) {
	benchPipeline(b, "| eval p = source.port % 100 | where p > 50 and user.name != \"root\" | stats count() by p", 100_000)
}
