// Package zeek decodes Zeek (formerly Bro) logs, the format "zeek": the
// default tab-separated ASCII logs with their header, and the JSON logs
// (LogAscii::use_json=T), for conn, dns, http, ssl, files and notice and,
// generically, any other log.
//
// References: the Zeek documentation, "Zeek Log Formats and Inspection"
// (the #separator, #set_separator, #empty_field, #unset_field, #path,
// #open, #fields, #types and #close header lines; \xHH escapes) and the log
// field references of conn.log, dns.log, http.log, ssl.log, files.log and
// notice.log; Elastic's Filebeat zeek module for the ECS mapping.
//
// How records are framed. A TSV log is only readable with its header: the
// #fields and #types lines name and type the columns of the lines that
// follow, and #separator and friends set how they are split. So TSV files
// are decoded whole by DecodeAll, which reads the header lines as they come
// (a file may hold several headers, e.g. concatenated logs) and decodes each
// data line with the last one; `shoseki ingest` does this for formats with
// DecodeAll. Decode, the line decoder, takes JSON lines (one log record an
// object, with "_path" or the "ts" and "uid" keys), the form Zeek logs take
// when shipped line by line; a TSV line given to Decode is an error saying
// that its header is needed. DecodeAll also takes NDJSON files.
//
// Fields: every column is kept as zeek.<log>.<column> ("zeek.conn.id.orig_h"),
// typed by #types (time: time value; interval: float seconds; count, int,
// port: Int; double: Float; addr: IP; bool: Bool; set[...] and vector[...]:
// arrays; string, enum and the rest: strings with \xHH escapes resolved).
// Unset ("-") and empty ("(empty)") columns give no field. <log> is #path
// (TSV) or _path (JSON), else guessed from the columns (conn, dns, http,
// ssl, files, notice, else "log").
//
// ECS: @timestamp from ts; source.ip/port and destination.ip/port from
// id.orig_h/p and id.resp_h/p; network.transport (proto), network.protocol
// (service); zeek.session_id (uid); related.ip; event.module "zeek",
// event.dataset "zeek.<log>", event.kind "event" ("alert" for notice) and:
//   - conn: event.category [network], event.type [connection],
//     event.duration (ns), source/destination.bytes and .packets,
//     network.bytes/.packets, event.start/end;
//   - dns: event.type [protocol], dns.id, dns.question.name/.type,
//     dns.response_code, dns.answers.data, dns.resolved_ip;
//   - http: event.category [network, web], http.request.method,
//     url.domain/.original/.path, http.request.referrer, http.version,
//     user_agent.original, http.response.status_code,
//     http.request/response.body.bytes, user.name;
//   - ssl: tls.version and .version_protocol, tls.cipher, tls.curve,
//     tls.client.server_name, tls.established, tls.server.subject/.issuer,
//     tls.client.ja3;
//   - files: event.category [file], file.mime_type, file.name, file.size,
//     file.hash.md5/sha1/sha256, source.ip (tx_hosts), destination.ip
//     (rx_hosts);
//   - notice: event.kind "alert", event.category [intrusion_detection],
//     rule.name (note), message (msg), source.ip (src), destination.ip
//     (dst), destination.port (p), event.action (actions).
//
// Errors: a data line with the wrong number of columns or a value that does
// not fit its type (a count that is not a number, an addr that is not an
// address) is a *parse.SyntaxError naming the column; DecodeAll emits it as
// a pipeline_error event and goes on. DecodeAll fails as a whole only for
// input that is neither a Zeek TSV log (no header) nor JSON.
package zeek
