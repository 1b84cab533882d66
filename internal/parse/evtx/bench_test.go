package evtx

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
	"github.com/shoseki/shoseki/internal/parse/winevent"
)

// loadSamples reads the EVTX-ATTACK-SAMPLES files into memory.
func loadSamples(b *testing.B) (files [][]byte, total int64) {
	root := parsetest.SharedData(b, "evtx")
	for _, p := range findFiles(b, root, ".evtx") {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
		total += int64(len(data))
	}
	if len(files) == 0 {
		b.Skip("no sample files")
	}
	return files, total
}

// BenchmarkReader reads every record of EVTX-ATTACK-SAMPLES into Records
// (file bytes per second, events per second).
func BenchmarkReader(b *testing.B) {
	files, total := loadSamples(b)
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := parsetest.CPUSeconds()
	n := 0
	var rec winevent.Record
	for b.Loop() {
		for _, data := range files {
			r, err := NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				b.Fatal(err)
			}
			for {
				err := r.Next(&rec)
				if errors.Is(err, io.EOF) {
					break
				}
				if err == nil {
					n++
				}
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	reportCPU(b, cpu0, total, n)
}

// BenchmarkDecodeFile is the ingest path: Records, their XML as
// event.original, and winevent.Normalize into events.
func BenchmarkDecodeFile(b *testing.B) {
	files, total := loadSamples(b)
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := parsetest.CPUSeconds()
	n := 0
	meta := &parse.Meta{Input: "file"}
	for b.Loop() {
		for _, data := range files {
			_, err := DecodeFile(bytes.NewReader(data), int64(len(data)), meta, func(*event.Event) error {
				n++
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	reportCPU(b, cpu0, total, n)
}

// reportCPU reports throughput per CPU-second of this process (see
// parsetest.CPUSeconds), next to the wall-clock figures.
func reportCPU(b *testing.B, cpu0 float64, total int64, events int) {
	if cpu := parsetest.CPUSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(total)*float64(b.N)/cpu/1e6, "MB/cpu-s")
		b.ReportMetric(float64(events)/cpu, "events/cpu-s")
	}
}
