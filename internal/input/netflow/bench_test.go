package netflow

import (
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

// BenchmarkDecodeV9 decodes v9 packets of 20 IPv4 flow records each with a
// cached template, as a collector does in steady state; it reports flows/s.
func BenchmarkDecodeV9(b *testing.B) {
	d := NewDecoder(0, 0)
	secs := uint32(received.Unix())
	rec := v9Record("10.1.1.1", "10.2.2.2", 1234, 22, 6, 4000, 30, 50000, 60000)
	if _, err := d.Decode(buildV9(60000, secs, 1, 1, 1, templateSet(0, 256, rec)), exporterA, received, func(*event.Event) {}); err != nil {
		b.Fatal(err)
	}
	recs := make([][]field, 20)
	for i := range recs {
		recs[i] = rec
	}
	pkt := buildV9(60000, secs, 2, 1, 20, dataSet(256, recs...))
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	flows := 0
	emit := func(*event.Event) { flows++ }
	for b.Loop() {
		if _, err := d.Decode(pkt, exporterA, received, emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(flows)/b.Elapsed().Seconds(), "flows/s")
}

// BenchmarkDecodeV5 decodes full v5 packets (30 records).
func BenchmarkDecodeV5(b *testing.B) {
	d := NewDecoder(0, 0)
	recs := make([]v5Rec, 30)
	for i := range recs {
		recs[i] = v5Rec{src: "10.0.0.1", dst: "10.0.0.2", srcPort: 1, dstPrt: 2, proto: 6, pkts: 1, octets: 40}
	}
	pkt := buildV5(100000, uint32(received.Unix()), 1, recs...)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	flows := 0
	emit := func(*event.Event) { flows++ }
	for b.Loop() {
		if _, err := d.Decode(pkt, exporterA, received, emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(flows)/b.Elapsed().Seconds(), "flows/s")
}
