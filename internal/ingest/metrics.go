package ingest

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	received, bytes, rejected, stored, failed *prometheus.CounterVec
	skewed                                    prometheus.Counter

	mu     sync.Mutex
	inputs map[string]*inputMetrics
}

type inputMetrics struct {
	received, bytes, rejected, stored, failed prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoseki_events_received_total", Help: "Records received, per input (blank records excluded).",
		}, []string{"input"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoseki_received_bytes_total", Help: "Bytes of records received, per input.",
		}, []string{"input"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoseki_events_rejected_total", Help: "Records that could not be decoded, per input; each is stored as a pipeline_error event.",
		}, []string{"input"}),
		stored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoseki_events_stored_total", Help: "Events stored durably, per input (pipeline_error events included).",
		}, []string{"input"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoseki_events_store_failed_total", Help: "Events whose durable append failed, per input; the sender was told.",
		}, []string{"input"}),
		skewed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoseki_events_clock_skew_total", Help: "Events whose timestamp is further from the receive time than the allowed skew.",
		}),
		inputs: map[string]*inputMetrics{},
	}
	if reg != nil {
		reg.MustRegister(m.received, m.bytes, m.rejected, m.stored, m.failed, m.skewed)
	}
	return m
}

func (m *metrics) forInput(input string) *inputMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	im, ok := m.inputs[input]
	if !ok {
		im = &inputMetrics{
			received: m.received.WithLabelValues(input),
			bytes:    m.bytes.WithLabelValues(input),
			rejected: m.rejected.WithLabelValues(input),
			stored:   m.stored.WithLabelValues(input),
			failed:   m.failed.WithLabelValues(input),
		}
		m.inputs[input] = im
	}
	return im
}
