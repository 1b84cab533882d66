package jsonl

import (
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

func benchmarkDecode(b *testing.B, rec []byte) {
	parsetest.BenchmarkLines(b, Decode, testMeta, [][]byte{rec})
}

// BenchmarkDecodeCloudTrailLike decodes a ~1 KB CloudTrail-shaped record
// with nested objects and arrays of objects.
func BenchmarkDecodeCloudTrailLike(b *testing.B) { benchmarkDecode(b, []byte(cloudTrailLike)) }

// BenchmarkDecodeECS decodes a ~600-byte Filebeat-style ECS document.
func BenchmarkDecodeECS(b *testing.B) { benchmarkDecode(b, []byte(ecsDoc)) }

// BenchmarkDecodeRealCloudTrailFresh decodes the real CloudTrail records
// (see real_test.go) into a fresh event each time, as the server does, so
// that the growth of Fields is counted.
func BenchmarkDecodeRealCloudTrailFresh(b *testing.B) {
	lines := parsetest.ReadLines(b, parsetest.SharedData(b, cloudTrailFile))
	b.ReportAllocs()
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	b.SetBytes(int64(total / len(lines)))
	n := 0
	for b.Loop() {
		ev := new(event.Event)
		if err := Decode(lines[n%len(lines)], testMeta, ev); err != nil {
			b.Fatal(err)
		}
		ev.SetString(event.FieldInputType, "http")
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

const ecsDoc = `{"@timestamp":"2026-11-21T10:00:00.123Z","event":{"kind":"event","category":["authentication"],"type":["info"],"action":"ssh_login","outcome":"failure","dataset":"system.auth","module":"system"},"host":{"name":"web-01","ip":["10.0.0.5","fe80::1"]},"source":{"ip":"203.0.113.7","port":51234,"geo":{"country_iso_code":"NL","location":{"lat":52.37,"lon":4.89}}},"user":{"name":"root"},"process":{"name":"sshd","pid":4321},"related":{"ip":["203.0.113.7"],"user":["root"]},"message":"Failed password for root from 203.0.113.7 port 51234 ssh2","agent":{"type":"filebeat","version":"8.15.0"}}`
