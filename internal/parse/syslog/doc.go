// Package syslog decodes syslog records, the format "syslog": RFC 5424,
// RFC 3164 as sent on the wire, RFC 3164 without PRI as written to
// /var/log/auth.log and /var/log/syslog, and rsyslog's high-precision file
// format (RFC 3339 timestamp in place of the RFC 3164 one). Program-specific
// normalization (sshd, sudo, su and PAM lines) is in programs.go.
//
// Fields (ECS): @timestamp; log.syslog.priority, log.syslog.facility.code
// and .name, log.syslog.severity.code and .name when there is a PRI;
// log.syslog.version, log.syslog.msgid and
// log.syslog.structured_data.<SD-ID>.<PARAM> for RFC 5424 (a repeated
// PARAM gives an array); host.name; log.syslog.appname (the tag exactly as
// written, e.g. "sshd(pam_unix)"), process.name (the program: the tag
// without a path or a "(pam_unix)"-style suffix), process.pid when the
// PROCID is a number, else log.syslog.procid; message (without a leading
// BOM and trailing white space); event.original (the record exactly);
// event.created (meta.Received); event.kind "event"; event.module
// "system"; event.dataset "system.auth" for authentication programs and the
// auth/authpriv facilities, "system.syslog" otherwise.
//
// Timestamps are returned in UTC. RFC 3164 timestamps have no zone and no
// year: they are read in meta.Loc(), and the year is the one (of the
// receive year and its neighbours) that puts the timestamp closest to
// meta.Received, so that a Dec 31 23:59 line received on Jan 1 gets the
// previous year. An RFC 3339 timestamp without an offset is read in
// meta.Loc() too. When meta.Received is zero, the current time stands in for
// it.
//
// What is an error (the caller keeps the record as a pipeline_error):
//   - a PRI that is not 1 to 3 digits between '<' and '>' or is above 191
//     ("<999>", "<abc>", an unterminated "<12");
//   - an RFC 5424 header (a PRI followed by a version number and a space)
//     that does not follow the RFC: an empty or over-long field, a bad
//     timestamp, malformed structured data, or no space before MSG.
//
// What is not an error: a record with no recognizable header at all (or a
// PRI followed by no recognizable timestamp) is kept as message, stamped
// with the receive time, since syslog senders are sloppy; an RFC 3164
// header without a hostname or a tag gives what it has. Invalid UTF-8 is
// kept byte for byte. A blank record is parse.ErrEmpty.
//
// Decode allocates the record string once and makes every string field a
// substring of it, except structured-data names and escaped values. Once
// it knows the program, and before adding a field, it grows ev.Fields (when
// it has less room) to an estimate of the record's fields plus those the
// ingest pipeline adds next: the server decodes into fresh events, which
// appending alone grew five times per line.
package syslog
