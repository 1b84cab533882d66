package local

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	appendSeconds   prometheus.Histogram
	fsyncSeconds    prometheus.Histogram
	flushSeconds    prometheus.Histogram
	mergeSeconds    prometheus.Histogram
	headEvents      prometheus.Gauge
	parts           prometheus.Gauge
	diskBytes       prometheus.Gauge
	eventsAppended  prometheus.Counter
	commitBatches   prometheus.Counter
	merges          prometheus.Counter
	retentionDrops  prometheus.Counter
	backgroundError prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	buckets := prometheus.ExponentialBuckets(0.0001, 2, 18) // 100µs .. 13s
	m := &metrics{
		appendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "shoseki_store_append_seconds", Help: "Latency of Append calls (encode, WAL write, fsync, head insert).", Buckets: buckets}),
		fsyncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "shoseki_store_wal_fsync_seconds", Help: "Latency of one group commit: WAL write and fsync.", Buckets: buckets}),
		flushSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "shoseki_store_flush_seconds", Help: "Latency of head to part flushes.", Buckets: buckets}),
		mergeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "shoseki_store_merge_seconds", Help: "Latency of part merges.", Buckets: buckets}),
		headEvents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "shoseki_store_head_events", Help: "Events in memory not yet flushed to parts."}),
		parts: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "shoseki_store_parts", Help: "Live parts."}),
		diskBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "shoseki_store_disk_bytes", Help: "Bytes on disk (parts and WAL)."}),
		eventsAppended: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoseki_store_events_appended_total", Help: "Events made durable by Append."}),
		commitBatches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoseki_store_wal_commits_total", Help: "Group commits (one fsync each)."}),
		merges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoseki_store_merges_total", Help: "Completed part merges."}),
		retentionDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoseki_store_retention_drops_total", Help: "Day partitions dropped by retention (age or size)."}),
		backgroundError: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoseki_store_background_errors_total", Help: "Failed background flushes, merges and retention runs."}),
	}
	if reg != nil {
		// A store reopened in the same process with the same registry
		// takes over the collectors registered by its predecessor.
		for _, h := range []*prometheus.Histogram{&m.appendSeconds, &m.fsyncSeconds, &m.flushSeconds, &m.mergeSeconds} {
			if err := register(reg, h); err != nil {
				return nil, err
			}
		}
		for _, g := range []*prometheus.Gauge{&m.headEvents, &m.parts, &m.diskBytes} {
			if err := register(reg, g); err != nil {
				return nil, err
			}
		}
		for _, c := range []*prometheus.Counter{&m.eventsAppended, &m.commitBatches, &m.merges, &m.retentionDrops, &m.backgroundError} {
			if err := register(reg, c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c *C) error {
	err := reg.Register(*c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			*c = existing
			return nil
		}
	}
	return err
}
