// Package weblog decodes web server logs, the formats "apache" and
// "nginx".
//
// Access logs (both formats): the Common Log Format and its variants, as
// defined by Apache's mod_log_config and used by nginx's default
// "combined" log_format:
//
//	common          %h %l %u %t "%r" %>s %b
//	combined        %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"
//	vhost_common    %v:%p %h %l %u %t "%r" %>s %b   (and vhost_combined)
//
// Fields: @timestamp ([%t], with its offset), source.address and source.ip
// (%h), user.name (%u), <module>.access.identity (%l), http.request.method,
// url.original, url.path, url.query and http.version (from "%r"; a request
// line that is not METHOD TARGET [PROTO] is kept in
// <module>.access.request), http.response.status_code,
// http.response.body.bytes, http.request.referrer, user_agent.original,
// url.domain and url.port (the vhost), related.ip/user; event.kind event,
// event.category web, event.type access, event.outcome success below 400
// and failure from 400; event.module apache or nginx, event.dataset
// apache.access or nginx.access. Quoted fields after the user agent (a
// custom format's extras, such as nginx's "$http_x_forwarded_for") are
// kept as text in <module>.access.trailer. "-" means absent.
//
// Error logs: Apache 2.2 "[Sun Dec 04 04:47:44 2005] [error] [client
// 1.2.3.4] message" and 2.4 "[Wed Oct 11 14:32:52.123456 2000]
// [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:51234]
// AH00037: message" (event.dataset apache.error; log.level,
// apache.error.module, process.pid, process.thread.id, source.ip and
// source.port, error.code for AHnnnnn, message); nginx "2024/01/01
// 12:00:00 [error] 1234#1234: *1 message, client: 10.0.0.1, server: _,
// request: "GET /x HTTP/1.1", host: "h"" (event.dataset nginx.error;
// log.level, process.pid, process.thread.id, nginx.error.connection_id,
// message, source.ip, nginx.error.server, the request's http/url fields,
// nginx.error.upstream, url.domain). Error-log times carry no zone: they
// are read in meta.Loc(). event.type is error for error and worse, info
// otherwise.
//
// Detection: access-log lines are the same for both servers, so only the
// apache format claims them (select nginx explicitly to label them
// nginx.access); a line with an unquoted token after the byte count (such
// as Squid's "TCP_MISS:HIER_DIRECT") is not claimed. Each error-log
// format claims only its own lines.
//
// nginx via syslog: AppendNginxMessage decodes the message part of a
// syslog record from program nginx, for the syslog decoder to call.
//
// Errors (*parse.SyntaxError): a line that is neither an access-log line
// with a valid [time], status (3 digits or "-") and byte count nor an
// error-log line of the format. A blank line is parse.ErrEmpty.
package weblog
