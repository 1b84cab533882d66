// Package suricata decodes Suricata's EVE JSON output (eve.json, one JSON
// object a line), the format "suricata".
//
// References: the Suricata user guide, "EVE JSON Format" and "EVE JSON
// Output" (common fields timestamp, flow_id, in_iface, event_type, src_ip,
// src_port, dest_ip, dest_port, proto, app_proto, community_id; the alert,
// flow, dns (version 2 and 3), http, tls, fileinfo, anomaly sections), and
// Elastic's Filebeat suricata module for the ECS mapping.
//
// The JSON is decoded with the json format's decoder (internal/parse/jsonl:
// nested objects flattened with dots, arrays of objects folded per leaf)
// and every member is kept under suricata.eve.<path> ("alert.signature_id"
// is suricata.eve.alert.signature_id). @timestamp is the record's
// "timestamp" (RFC 3339 with a "+0000" style offset).
//
// ECS fields: source.ip/port, destination.ip/port (IP and Int values),
// network.transport (proto, lower case), network.protocol (app_proto, unless
// "failed"), network.community_id, observer.ingress.interface.name
// (in_iface), observer.hostname (host, the sensor name), related.ip;
// event.module "suricata", event.dataset "suricata.eve", event.action the
// event_type (the alert's action for alerts). Per event_type:
//   - alert: event.kind "alert", event.category [network,
//     intrusion_detection], event.type ["allowed"] or ["denied"] from
//     alert.action, rule.id (signature_id), rule.name (signature),
//     rule.category, event.severity (alert.severity);
//   - flow: event.category [network], event.type [connection, end],
//     source/destination.bytes and .packets, network.bytes and .packets,
//     event.start and event.end;
//   - dns: dns.type, dns.id, dns.question.name and .type, dns.response_code,
//     dns.resolved_ip (A/AAAA answers);
//   - http: url.original, url.domain, url.path, http.request.method,
//     http.response.status_code, http.version, user_agent.original,
//     http.request.referrer, http.response.body.bytes;
//   - tls: tls.client.server_name (the SNI), tls.version and
//     tls.version_protocol, tls.server.subject, .issuer, .not_before,
//     .not_after, .hash.sha1, tls.client.ja3, tls.server.ja3s;
//   - fileinfo: event.category [file], file.name, file.size, file.hash.*,
//     file.mime_type (magic is kept, not mapped);
//   - anomaly: event.type [info], event.action the anomaly's event name;
//   - stats: event.kind "metric"; any other type: event.category
//     [network], event.type [protocol].
//
// Errors: what the json decoder rejects (with format "suricata"), and a
// JSON object without an event_type string (not an EVE record). A blank
// record is parse.ErrEmpty.
package suricata
