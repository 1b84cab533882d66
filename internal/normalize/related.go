package normalize

import (
	"net/netip"

	"github.com/shoseki/shoseki/internal/event"
)

// IPValue parses s as an IP address and returns it as an event.IP value.
// A dotted-quad IPv4 address that netip accepts is already in canonical form,
// so its value shares s instead of formatting a new string; other addresses
// are canonicalized by event.IP. IPv6 zones ("fe80::1%eth0") are accepted
// and dropped, as event.IP does.
func IPValue(s string) (event.Value, bool) {
	if len(s) == 0 || len(s) > 64 {
		return event.Value{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return event.Value{}, false
	}
	if a.Is4() {
		return event.FromRaw(event.TypeIP, 0, s), true
	}
	return event.IP(a.WithZone("")), true
}

// AddRelatedIP adds ip (an event.TypeIP value) to related.ip unless it is
// already there. Other value types are ignored.
func AddRelatedIP(ev *event.Event, ip event.Value) {
	if ip.Type() != event.TypeIP {
		return
	}
	addRelated(ev, event.FieldRelatedIP, ip)
}

// AddRelatedUser adds name to related.user unless it is empty or already
// there.
func AddRelatedUser(ev *event.Event, name string) {
	if name == "" {
		return
	}
	addRelated(ev, event.FieldRelatedUser, event.String(name))
}

// addRelated appends v to the array field name, creating it when absent.
func addRelated(ev *event.Event, name string, v event.Value) {
	for i := range ev.Fields {
		f := &ev.Fields[i]
		if f.Name != name {
			continue
		}
		old := f.Value.Elems()
		if f.Value.Type() != event.TypeArray {
			old = []event.Value{f.Value}
		}
		for _, e := range old {
			if event.Equal(e, v) {
				return
			}
		}
		vs := make([]event.Value, len(old), len(old)+1)
		copy(vs, old)
		f.Value = event.Array(append(vs, v)...)
		return
	}
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: event.Array(v)})
}
