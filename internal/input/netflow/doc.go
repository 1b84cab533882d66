// Package netflow receives NetFlow v5, NetFlow v9 and IPFIX over UDP and
// turns each flow record into a Shoseki event, handed in batches to a Sink.
//
// Decoding (decoder.go) uses the packet decoders of
// github.com/netsampler/goflow2/v2 (decoders/netflowlegacy for v5,
// decoders/netflow for v9 and IPFIX) with a template cache per exporter
// (the sender's IP address): v9 and IPFIX data records are readable only
// after their template, and template IDs are local to an exporter and its
// source ID / observation domain. The cache is bounded (MaxExporters,
// MaxTemplates per exporter); data records whose template is unknown are
// counted (shoseki_netflow_records_total{result="no_template"}) and dropped,
// as every collector must until the exporter resends its templates.
// Options templates and options data (sampler configuration) are read into
// the cache but produce no events.
//
// Each flow record becomes one event:
//
//	@timestamp          the flow's end (else its start, else the export time)
//	event.kind          event
//	event.category      [network]
//	event.type          [connection]
//	event.action        netflow_flow
//	event.module        netflow
//	event.dataset       netflow.log
//	event.created       the receive time
//	event.start/end     flow start and end (v5/v9 sysUptime-relative times are
//	                    made absolute with the header's clock; IPFIX
//	                    flowStart/End Seconds/Milliseconds, or sysUpTime
//	                    times with systemInitTimeMilliseconds)
//	event.duration      end − start, nanoseconds
//	source.ip/port, destination.ip/port (IPv4 and IPv6), network.transport
//	(IANA name), network.iana_number, network.type (ipv4/ipv6),
//	source.bytes/packets and network.bytes/packets (the delta counts),
//	network.direction (ingress/egress from flowDirection),
//	source.nat.ip/port and destination.nat.ip/port (post-NAT fields),
//	observer.ip (the exporter), related.ip, and netflow.* (exporter address,
//	version, source_id / observation_domain_id, template_id, sequence,
//	tcp_control_bits, type_of_service, ingress/egress_interface,
//	bgp_source/destination_as_number, next_hop, sampling_interval).
//
// event.original holds the flow record in a lossless text form, since the
// wire bytes are binary: "v5 <48 record bytes in hex>" for v5, and
// "v9 template=<id> <IE>=<hex> …" (IPFIX: "ipfix …", enterprise fields as
// "<pen>.<IE>=<hex>") for template-based records.
//
// The server (server.go) mirrors internal/input/syslog: Listen(opts, sink),
// Addrs, Close(ctx). UDP has no back-pressure: while the sink is storing a
// batch the socket is not read and the kernel buffer (8 MiB requested)
// absorbs bursts; packets that cannot be decoded are counted
// (shoseki_netflow_packets_total{result="error"}) and logged at debug level,
// not stored, since they are not events.
package netflow
