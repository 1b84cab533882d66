// Package auditd decodes Linux audit records as the audit daemon writes
// them to /var/log/audit/audit.log, the format "auditd":
//
//	type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e syscall=59 success=yes exit=0 … comm="ls" exe="/usr/bin/ls" key=(null)
//
// with an optional "node=<host> " prefix (name_format) and the ENRICHED
// log format's interpreted fields after a 0x1D byte (UID="root" AUID="alice"),
// also when forwarded by syslog (the audisp-syslog and audispd plugins:
// "Nov 21 10:00:00 web-01 audisp-syslog: type=…"; the syslog header gives
// host.name, unless node= does, and log.syslog.*).
//
// References: the Linux Audit documentation ("Understanding Audit Log
// Files", Red Hat Security Guide; the audit record types list of
// linux-audit/audit-documentation, "Audit event fields" and its encoding
// rules: untrusted strings are either double-quoted or hex-encoded);
// Elastic's Filebeat auditd module for the ECS mapping and event.action
// names.
//
// Events and records. One audit event is several records sharing the
// serial of msg=audit(<time>:<serial>): a SYSCALL with its EXECVE, CWD,
// PATH and PROCTITLE, ending with an EOE record. Decode sees one line, so it
// decodes each record alone and sets auditd.serial (with @timestamp, the
// pair identifies the event) so records can be correlated later. DecodeAll,
// for whole audit.log files, joins the records of each event (same node,
// time and serial) into one event whose event.original is its record lines
// joined by "\n", emitted in the order of each event's first record.
//
// Fields. The first (primary) record's fields are kept under
// auditd.log.<key>, with auditd.log.record_type; each other record's under
// auditd.log.<type>.<key> (type in lower case, e.g. auditd.log.path.name,
// an array when several PATH records carry it); auditd.serial;
// auditd.record_types (joined events). Hex-encoded values (proctitle, comm,
// exe, cwd, name, acct, cmd, key, data and EXECVE arguments, when not
// quoted) are decoded; NUL bytes in proctitle become spaces.
//
// ECS: @timestamp from msg=audit(…); event.module "auditd", event.dataset
// "auditd.log", event.kind "event"; event.action per record type
// (SYSCALL: the syscall's name for execve, else "syscall"; USER_LOGIN
// "logged-in", USER_AUTH "authenticated", USER_CMD "ran-command", ADD_USER
// "added-user-account" … see actions in auditd.go, else the type in lower
// case); event.category and event.type (authentication, session, iam,
// process); event.outcome from success=yes/no or res=success/failed;
// process.pid, process.parent.pid, process.name (comm),
// process.executable (exe), process.args, process.args_count and
// process.command_line (EXECVE, or USER_CMD's cmd), process.title
// (PROCTITLE), process.working_directory (CWD); file.path (first PATH
// name); user.id (uid), user.audit.id (auid), user.effective.id (euid),
// group.id (gid); user.name from acct (or the enriched AUID/UID names);
// for account management records (ADD_USER, DEL_USER, …) acct is
// user.target.name and the actor the enriched AUID; source.ip (addr),
// source.domain (hostname when not an address); host.name (node);
// related.user and related.ip.
//
// Errors: a record without "type=" and "msg=audit(<seconds>.<ms>:<serial>)"
// is a *parse.SyntaxError. A blank record is parse.ErrEmpty. Tokens that are
// not key=value (the free text of AVC records) are skipped.
package auditd
