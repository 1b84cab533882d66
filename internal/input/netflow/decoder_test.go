package netflow

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

var (
	exporterA = netip.MustParseAddrPort("192.0.2.1:40000")
	exporterB = netip.MustParseAddrPort("192.0.2.2:40000")
	received  = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
)

// get renders one field as JSON ("<absent>" when missing).
func get(ev *event.Event, name string) string {
	v, ok := ev.Get(name)
	if !ok {
		return "<absent>"
	}
	return string(v.AppendJSON(nil))
}

func decode(t *testing.T, d *Decoder, pkt []byte, from netip.AddrPort) ([]*event.Event, Stats) {
	t.Helper()
	var evs []*event.Event
	st, err := d.Decode(pkt, from, received, func(ev *event.Event) { evs = append(evs, ev) })
	if err != nil {
		t.Fatal(err)
	}
	if st.Flows != len(evs) {
		t.Fatalf("Stats.Flows %d, %d events", st.Flows, len(evs))
	}
	return evs, st
}

func check(t *testing.T, ev *event.Event, want map[string]string) {
	t.Helper()
	for f, w := range want {
		if got := get(ev, f); got != w {
			t.Errorf("%s = %s, want %s", f, got, w)
		}
	}
}

func TestV5(t *testing.T) {
	// Exporter clock: 2026-11-21T10:00:00Z, up 100 s.
	secs := uint32(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).Unix())
	pkt := buildV5(100000, secs, 7,
		v5Rec{src: "10.0.0.1", dst: "198.51.100.7", srcPort: 50000, dstPrt: 443, proto: 6, flags: 0x1b, pkts: 10, octets: 1500, first: 90000, last: 95000},
		v5Rec{src: "10.0.0.2", dst: "10.0.0.53", srcPort: 40000, dstPrt: 53, proto: 17, pkts: 1, octets: 60, first: 99000, last: 99000},
	)
	evs, _ := decode(t, NewDecoder(0, 0), pkt, exporterA)
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	check(t, evs[0], map[string]string{
		"@timestamp": `"2026-11-21T09:59:55Z"`, "event.start": `"2026-11-21T09:59:50Z"`, "event.end": `"2026-11-21T09:59:55Z"`,
		"event.duration": "5000000000", "event.created": `"2026-11-21T12:00:00Z"`,
		"source.ip": `"10.0.0.1"`, "source.port": "50000", "destination.ip": `"198.51.100.7"`, "destination.port": "443",
		"network.transport": `"tcp"`, "network.iana_number": `"6"`, "network.bytes": "1500", "network.packets": "10",
		"source.bytes": "1500", "observer.ip": `"192.0.2.1"`, "netflow.exporter.address": `"192.0.2.1:40000"`,
		"netflow.exporter.version": "5", "netflow.exporter.sequence": "7", "netflow.tcp_control_bits": "27",
		"netflow.ingress_interface": "3", "netflow.egress_interface": "4", "event.kind": `"event"`,
		"event.category": `["network"]`, "event.type": `["connection"]`, "related.ip": `["10.0.0.1","198.51.100.7"]`,
		"netflow.exporter.engine_type": "1", "netflow.exporter.engine_id": "2", "network.type": `"ipv4"`,
	})
	if o := evs[0].GetString(event.FieldOriginal); !strings.HasPrefix(o, "v5 0a000001c6336407") || len(o) != 3+96 {
		t.Errorf("event.original = %q", o)
	}
	check(t, evs[1], map[string]string{"network.transport": `"udp"`, "destination.port": "53", "event.duration": "0"})
}

func TestV9Templates(t *testing.T) {
	d := NewDecoder(0, 0)
	secs := uint32(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).Unix())
	rec := v9Record("10.1.1.1", "10.2.2.2", 1234, 22, 6, 4000, 30, 50000, 60000)
	tmpl := templateSet(0, 256, rec)
	data := dataSet(256, rec, v9Record("10.1.1.3", "10.2.2.4", 1235, 80, 6, 100, 2, 59000, 60000))

	// Data before its template: skipped and counted.
	evs, st := decode(t, d, buildV9(60000, secs, 1, 42, 2, data), exporterA)
	if len(evs) != 0 || st.NoTemplate != 1 {
		t.Fatalf("data before template: %d events, %d no-template", len(evs), st.NoTemplate)
	}
	// Template and data in one packet.
	evs, _ = decode(t, d, buildV9(60000, secs, 2, 42, 3, tmpl, data), exporterA)
	if len(evs) != 2 {
		t.Fatalf("template+data: %d events", len(evs))
	}
	check(t, evs[0], map[string]string{
		"@timestamp": `"2026-11-21T10:00:00Z"`, "event.start": `"2026-11-21T09:59:50Z"`,
		"source.ip": `"10.1.1.1"`, "destination.port": "22", "network.bytes": "4000", "network.packets": "30",
		"network.direction": `"egress"`, "netflow.template_id": "256", "netflow.exporter.source_id": "42",
		"netflow.exporter.version": "9",
	})
	if o := evs[0].GetString(event.FieldOriginal); !strings.HasPrefix(o, "v9 template=256 8=0a010101 12=0a020202 7=04d2") {
		t.Errorf("event.original = %q", o)
	}
	// The template is cached for the exporter…
	evs, _ = decode(t, d, buildV9(61000, secs+1, 3, 42, 2, data), exporterA)
	if len(evs) != 2 {
		t.Fatalf("cached template: %d events", len(evs))
	}
	// …but not for another exporter, nor for another source ID.
	if evs, st = decode(t, d, buildV9(61000, secs+1, 3, 42, 2, data), exporterB); len(evs) != 0 || st.NoTemplate != 1 {
		t.Errorf("other exporter: %d events", len(evs))
	}
	if evs, _ = decode(t, d, buildV9(61000, secs+1, 3, 43, 2, data), exporterA); len(evs) != 0 {
		t.Errorf("other source ID: %d events", len(evs))
	}
}

func TestIPFIX(t *testing.T) {
	d := NewDecoder(0, 0)
	start := uint64(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC).UnixMilli())
	rec := ipfixRecord("2001:db8::1", "2001:db8::53", 5353, 53, 1<<40, start, start+1500)
	pkt := buildIPFIX(uint32(start/1000)+10, 9, 7, templateSet(2, 300, rec), dataSet(300, rec))
	evs, _ := decode(t, d, pkt, netip.MustParseAddrPort("[2001:db8::ff]:4739"))
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	check(t, evs[0], map[string]string{
		"@timestamp": `"2026-11-21T09:00:01.5Z"`, "event.start": `"2026-11-21T09:00:00Z"`,
		"source.ip": `"2001:db8::1"`, "destination.ip": `"2001:db8::53"`, "network.transport": `"udp"`,
		"network.bytes": "1099511627776", "network.type": `"ipv6"`, "observer.ip": `"2001:db8::ff"`,
		"netflow.exporter.observation_domain_id": "7", "netflow.exporter.version": "10",
	})
	if o := evs[0].GetString(event.FieldOriginal); !strings.HasPrefix(o, "ipfix template=300 27=20010db8") || !strings.HasSuffix(o, " 9.100=beef") {
		t.Errorf("event.original = %q", o)
	}
}

func TestErrors(t *testing.T) {
	secs := uint32(received.Unix())
	tooMany := buildV5(1, secs, 1)
	tooMany[2], tooMany[3] = 0, 31
	short := buildV5(1, secs, 1, v5Rec{src: "1.1.1.1", dst: "2.2.2.2"})
	short[3] = 2 // announces 2 records, holds 1
	empty := buildV9(1, secs, 1, 1, 1, templateSet(0, 256, []field{{typ: 1, length: 0}}))
	for name, pkt := range map[string][]byte{
		"empty": {}, "one byte": {0}, "version 7": {0, 7, 0, 0}, "v5 header cut": buildV5(1, secs, 1)[:20],
		"v5 count above 30": tooMany, "v5 records missing": short, "zero-length template": empty,
	} {
		if _, err := NewDecoder(0, 0).Decode(pkt, exporterA, received, func(*event.Event) { t.Errorf("%s: event emitted", name) }); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCacheLimits(t *testing.T) {
	d := NewDecoder(1, 1)
	secs := uint32(received.Unix())
	rec := v9Record("10.1.1.1", "10.2.2.2", 1, 2, 6, 1, 1, 1, 1)
	if _, err := d.Decode(buildV9(1, secs, 1, 1, 1, templateSet(0, 256, rec)), exporterA, received, func(*event.Event) {}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode(buildV9(1, secs, 1, 1, 1, templateSet(0, 257, rec)), exporterA, received, func(*event.Event) {}); err == nil {
		t.Error("a second template was cached beyond MaxTemplates 1")
	}
	if _, err := d.Decode(buildV9(1, secs, 1, 1, 1, templateSet(0, 256, rec)), exporterA, received, func(*event.Event) {}); err != nil {
		t.Errorf("refreshing a cached template: %v", err)
	}
	if _, err := d.Decode(buildV9(1, secs, 1, 1, 1, templateSet(0, 256, rec)), exporterB, received, func(*event.Event) {}); !errors.Is(err, ErrTooManyExporters) {
		t.Errorf("second exporter beyond MaxExporters 1: %v", err)
	}
	// v5 needs no template cache.
	if _, err := d.Decode(buildV5(1, secs, 1), exporterB, received, func(*event.Event) {}); err != nil {
		t.Errorf("v5 from a new exporter: %v", err)
	}
}
