package cloudtrail

import (
	"bytes"
	"os"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// BenchmarkDecode decodes the records of the shared exfiltration data set
// (about 1.3 KB each) one by one.
func BenchmarkDecode(b *testing.B) {
	parsetest.BenchmarkLines(b, Decode, testMeta, parsetest.ReadLines(b, parsetest.SharedData(b, exfiltration)))
}

// BenchmarkDecodeAllShared decodes an S3 log object {"Records":[…]} built
// from the records of the shared exfiltration data set, the way the server
// decodes an ingest request (a fresh event a record).
func BenchmarkDecodeAllShared(b *testing.B) {
	lines := parsetest.ReadLines(b, parsetest.SharedData(b, exfiltration))
	data := append([]byte(`{"Records":[`), bytes.Join(lines, []byte(","))...)
	data = append(data, "]}"...)
	benchmarkDecodeAll(b, data)
}

// BenchmarkDecodeAll decodes an S3 log object {"Records":[…]} built from the
// golden records.
func BenchmarkDecodeAll(b *testing.B) {
	data, err := os.ReadFile("testdata/golden/s3object.json")
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDecodeAll(b, data)
}

func benchmarkDecodeAll(b *testing.B, data []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	n := 0
	for b.Loop() {
		err := DecodeAll(data, testMeta, func(ev *event.Event) error {
			ev.SetString(event.FieldInputType, "http") // as the ingest pipeline does
			n++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
