package auditd

import (
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// BenchmarkDecode decodes audit records one by one (SYSCALL, EXECVE, CWD,
// PATH, PROCTITLE, USER_* records of the golden input).
func BenchmarkDecode(b *testing.B) {
	parsetest.BenchmarkLines(b, Decode, testMeta, goldenLines(b))
}

// goldenLines returns the decodable lines of the golden input.
func goldenLines(b *testing.B) [][]byte {
	return parsetest.GoldenLines(b, Decode, testMeta, "testdata/golden/audit.log")
}

// BenchmarkDecodeAll decodes a whole audit.log of 1,000 events of 5-7
// records each, joining them; it reports records/s.
func BenchmarkDecodeAll(b *testing.B) {
	lines := goldenLines(b)
	var sb strings.Builder
	records := 0
	for i := range 1000 {
		for _, l := range lines[:11] { // the two SYSCALL events of the golden input
			s := strings.Replace(string(l), ":24287)", ":"+itoa(2*i)+")", 1)
			s = strings.Replace(s, ":456)", ":"+itoa(2*i+1)+")", 1)
			sb.WriteString(s)
			sb.WriteByte('\n')
			records++
		}
	}
	data := []byte(sb.String())
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	cpu0 := parsetest.CPUSeconds()
	for b.Loop() {
		if err := DecodeAll(data, testMeta, func(*event.Event) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
	if cpu := parsetest.CPUSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(records*b.N)/cpu, "records/cpu-s")
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}
