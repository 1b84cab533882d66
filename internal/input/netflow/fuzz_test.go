package netflow

import (
	"net/netip"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// FuzzDecode checks that Decode never panics or loops on any packet, that
// every event has its fields once and never null, typed IPs, and that a
// template-bearing packet decodes the same twice. Seeds: v5, v9 and IPFIX
// packets built by the tests (plus testdata/fuzz/FuzzDecode).
func FuzzDecode(f *testing.F) {
	secs := uint32(received.Unix())
	rec := v9Record("10.1.1.1", "10.2.2.2", 1234, 22, 6, 4000, 30, 50000, 60000)
	irec := ipfixRecord("2001:db8::1", "2001:db8::2", 1, 2, 10, 1, 2)
	f.Add(buildV5(100000, secs, 1, v5Rec{src: "10.0.0.1", dst: "10.0.0.2", srcPort: 1, dstPrt: 2, proto: 6}))
	f.Add(buildV9(60000, secs, 1, 1, 2, templateSet(0, 256, rec), dataSet(256, rec)))
	f.Add(buildIPFIX(secs, 1, 1, templateSet(2, 256, irec), dataSet(256, irec)))
	f.Add(buildV9(60000, secs, 1, 1, 1, templateSet(0, 256, []field{{typ: 1, length: 0xffff}}), dataSet(256, []field{{val: []byte{3, 1, 2, 3}}})))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if len(pkt) > 64<<10 {
			return
		}
		from := netip.MustParseAddrPort("192.0.2.1:2055")
		var out []string
		emit := func(ev *event.Event) {
			seen := map[string]bool{}
			for _, fl := range ev.Fields {
				if seen[fl.Name] {
					t.Fatalf("field %q set twice", fl.Name)
				}
				seen[fl.Name] = true
				if fl.Value.IsNull() {
					t.Fatalf("field %q is null", fl.Name)
				}
			}
			for _, name := range []string{"source.ip", "destination.ip", "observer.ip"} {
				if v, ok := ev.Get(name); ok && v.Type() != event.TypeIP {
					t.Fatalf("%s has type %v", name, v.Type())
				}
			}
			out = append(out, string(ev.AppendJSON(nil)))
		}
		st, err := NewDecoder(4, 64).Decode(pkt, from, time.Unix(1, 0), emit)
		if st.Flows != len(out) {
			t.Fatalf("Stats.Flows %d, %d events", st.Flows, len(out))
		}
		first := out
		out = nil
		st2, err2 := NewDecoder(4, 64).Decode(pkt, from, time.Unix(1, 0), emit)
		if (err == nil) != (err2 == nil) || st != st2 || len(first) != len(out) {
			t.Fatalf("second decode differs")
		}
		for i := range out {
			if out[i] != first[i] {
				t.Fatalf("second decode differs at event %d", i)
			}
		}
	})
}
