// Package cef decodes two security-appliance formats that share a shape (a
// pipe-delimited header followed by key=value attributes): ArcSight Common
// Event Format, the format "cef", and IBM QRadar Log Event Extended Format,
// the format "leef". Either may be preceded by a syslog header (RFC 3164,
// RFC 5424 or a bare timestamp and host), which is decoded with the syslog
// format's decoder into @timestamp, host.name, log.syslog.* and process.*.
//
// References: "Micro Focus Security ArcSight Common Event Format, Version
// 25" (header and extension escaping, the extension dictionary and its
// full key names, custom labels cs1Label/cs1 … flexNumber1Label); IBM
// "Log Event Extended Format (LEEF) Version 2" (LEEF 1.0 tab-delimited
// attributes, LEEF 2.0 delimiter field as a character or hex "x09"/"0x09",
// predefined keys src, dst, srcPort, usrName, devTime, devTimeFormat …);
// Elastic's Filebeat CEF decoder for the ECS mapping of extension keys.
//
// CEF: "CEF:Version|Device Vendor|Device Product|Device Version|Signature
// ID|Name|Severity|Extension". In the header "\|" is a pipe and "\\" a
// backslash. In the extension "\=" is "=", "\\" a backslash, "\n" and "\r"
// newline and carriage return; values may contain spaces: a key starts at
// the last space before an unescaped "=" whose preceding word is a valid
// key name (letters, digits, "_", ".", "-", "[", "]"), so "request=http://h/?a=b"
// keeps "a=b" in the value. Fields: cef.version, cef.device.vendor/product/
// version/event_class_id, cef.name, cef.severity; observer.vendor/product/
// version; event.code (the signature ID); event.severity (0..10; the names
// Low, Medium, High, Very-High as 3, 6, 8, 10); message (msg, else the
// name). Extensions with an ECS meaning become ECS fields (see cefECS in
// cef.go: src/dst/spt/dpt, suser/duser, shost/dhost, act, outcome, request,
// requestMethod, rt/start/end, proto, msg, dvc, fname, in/out …); a custom
// field with its label (cs1Label=Policy cs1=x) becomes cef.label.Policy;
// every other key is kept as written under cef.extensions.<key>.
// @timestamp is rt, else the syslog header time, else meta.Received.
// user.name is duser, else suser (the account the event is about).
//
// LEEF: "LEEF:1.0|Vendor|Product|Version|EventID|attrs" with tab-separated
// attributes, and "LEEF:2.0|Vendor|Product|Version|EventID|Delim|attrs".
// Fields: leef.version, leef.vendor, leef.product, leef.product_version,
// leef.event_id, leef.delimiter (2.0); observer.*; event.code; predefined
// attributes mapped to ECS (src, dst, srcPort, dstPort, usrName, proto,
// sev, devTime, srcBytes, dstBytes, srcPackets, dstPackets, srcMAC, dstMAC,
// srcPreNAT/srcPostNAT, url, domain, identHostName); every attribute is also
// kept under leef.<key> unless mapped. devTime is read as epoch
// milliseconds, RFC 3339, or "MMM dd yyyy HH:mm:ss[.SSS][ zone]".
//
// Both formats: event.kind "event" (CEF: "alert" when the severity is 7 or
// more is not assumed; the kind stays "event"), event.module "cef"/"leef",
// event.dataset "cef.log"/"leef.log", event.original the record exactly,
// event.created meta.Received, related.ip and related.user.
//
// Errors (a *parse.SyntaxError): no "CEF:"/"LEEF:" marker where the record
// or its syslog message starts; a header with fewer fields than required;
// a version that is not a number. A blank record is parse.ErrEmpty.
// Unparseable values of typed keys (a port that is not a number, an address
// that is not an IP) are not errors: they are kept under cef.extensions /
// leef.* as text.
package cef
