package zeek

import (
	"bytes"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// connLog builds a conn.log of n lines in Zeek's default TSV form.
func connLog(n int) []byte {
	var b bytes.Buffer
	b.WriteString("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-11-21-10-00-00\n")
	b.WriteString("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n")
	b.WriteString("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n")
	for i := range n {
		b.WriteString("1593636000.123456\tCHhAvVGS1DHFjwGM9\t192.168.4.76\t")
		b.WriteString([]string{"46378", "53276", "50000", "443"}[i%4])
		b.WriteString("\t31.3.245.133\t80\ttcp\thttp\t0.254391\t77\t295\tSF\tT\tF\t0\tShADadfF\t6\t397\t4\t511\t-\n")
	}
	return b.Bytes()
}

// BenchmarkDecodeAllConn decodes a whole TSV conn.log (21 typed columns a
// line).
func BenchmarkDecodeAllConn(b *testing.B) {
	const lines = 1000
	data := connLog(lines)
	if err := DecodeAll(data, testMeta, func(ev *event.Event) error {
		if ev.GetString(event.FieldKind) == event.KindPipelineError {
			b.Fatal(ev.GetString(event.FieldErrorMsg))
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	n := 0
	cpu0 := parsetest.CPUSeconds()
	for b.Loop() {
		if err := DecodeAll(data, testMeta, func(ev *event.Event) error {
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	if cpu := parsetest.CPUSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu, "events/cpu-s")
	}
}

// BenchmarkDecodeJSON decodes Zeek JSON conn records line by line.
func BenchmarkDecodeJSON(b *testing.B) {
	line := []byte(`{"_path":"conn","ts":1763719200.123456,"uid":"CJSON1","id.orig_h":"10.0.0.5","id.orig_p":50123,"id.resp_h":"198.51.100.10","id.resp_p":443,"proto":"tcp","service":"ssl","duration":5.5,"orig_bytes":1200,"resp_bytes":48000,"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":20,"orig_ip_bytes":2240,"resp_pkts":40,"resp_ip_bytes":50080}`)
	parsetest.BenchmarkLines(b, Decode, testMeta, [][]byte{line})
}
