package syslog

import (
	"strings"

	"github.com/shoseki/shoseki/internal/event"
)

// Session, scheduler and mail-access programs (see the table in programs.go).

// logind normalizes systemd-logind session lines.
func logind(msg string, ev *event.Event) {
	switch {
	case strings.HasPrefix(msg, "New session "):
		// "New session 12 of user alice."
		rest := msg[len("New session "):]
		id, rest, ok := strings.Cut(rest, " of user ")
		if !ok {
			return
		}
		add(ev, "session.id", event.String(id))
		addUser(ev, strings.TrimSuffix(rest, "."))
		categorize(ev, catSession, typeStart, "session_opened", outcomeSuccess)
	case strings.HasPrefix(msg, "Removed session "):
		id := strings.TrimSuffix(msg[len("Removed session "):], ".")
		add(ev, "session.id", event.String(id))
		categorize(ev, catSession, typeEnd, "session_closed", outcomeSuccess)
	default:
		pam("systemd-logind", msg, ev)
	}
}

// cron normalizes "(user) CMD (command)".
func cron(msg string, ev *event.Event) {
	if !strings.HasPrefix(msg, "(") {
		pam("cron", msg, ev) // pam_unix(cron:session): session opened …
		return
	}
	user, rest, ok := strings.Cut(msg[1:], ") CMD (")
	if !ok || !strings.HasSuffix(rest, ")") {
		return
	}
	addUser(ev, user)
	add(ev, fieldCommandLine, event.String(rest[:len(rest)-1]))
	categorize(ev, catProcess, typeStart, "cron_command", outcomeSuccess)
}

// dovecot normalizes IMAP/POP3 login lines:
//
//	imap-login: Login: user=<alice>, method=PLAIN, rip=203.0.113.5, lip=10.0.0.2, mpid=4242, TLS, session=<…>
//	pop3-login: Disconnected (auth failed, 3 attempts in 12 secs): user=<bob>, method=PLAIN, rip=203.0.113.5, lip=10.0.0.2, TLS
func dovecot(msg string, ev *event.Event) {
	svc, rest, ok := strings.Cut(msg, "-login: ")
	if !ok || strings.ContainsAny(svc, " :") {
		pam("dovecot", msg, ev) // auth: pam_unix(dovecot:auth): authentication failure; …
		return
	}
	var outcome event.Value
	var typ event.Value
	switch {
	case strings.HasPrefix(rest, "Login: "):
		outcome, typ = outcomeSuccess, typeStart
	case strings.HasPrefix(rest, "Disconnected (auth failed"), strings.HasPrefix(rest, "Aborted login (auth failed"):
		outcome, typ = outcomeFailure, typeInfo
	default:
		return
	}
	user := between(rest, "user=<", ">")
	addUser(ev, user)
	addSource(ev, kvComma(rest, "rip="), "")
	add(ev, "network.protocol", event.String(svc))
	if m := kvComma(rest, "method="); m != "" {
		add(ev, "dovecot.auth.method", event.String(m))
	}
	categorize(ev, catAuthentication, typ, "dovecot_login", outcome)
}

// postfixSMTPD normalizes SMTP AUTH results and relay rejections of
// postfix's smtpd.
func postfixSMTPD(msg string, ev *event.Event) {
	switch {
	case strings.Contains(msg, "sasl_username="):
		// "4F3A2B: client=unknown[203.0.113.5], sasl_method=PLAIN, sasl_username=alice"
		host, ip := hostAddr(between(msg, "client=", ","))
		addSource(ev, ip, "")
		if host != "" && host != "unknown" {
			add(ev, "source.domain", event.String(host))
		}
		addUser(ev, kvComma(msg, "sasl_username="))
		if m := kvComma(msg, "sasl_method="); m != "" {
			add(ev, "postfix.sasl_method", event.String(m))
		}
		categorize(ev, catAuthentication, typeStart, "smtp_auth", outcomeSuccess)
	case strings.Contains(msg, "authentication failed"):
		// "warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
		rest := strings.TrimPrefix(msg, "warning: ")
		client, _, _ := strings.Cut(rest, ": ")
		_, ip := hostAddr(client)
		addSource(ev, ip, "")
		if m := between(rest, "SASL ", " authentication failed"); m != "" {
			add(ev, "postfix.sasl_method", event.String(m))
		}
		categorize(ev, catAuthentication, typeInfo, "smtp_auth", outcomeFailure)
	default:
		postfixReject(msg, ev)
	}
}

// postfixReject normalizes "NOQUEUE: reject: RCPT from host[IP]: 554 …".
func postfixReject(msg string, ev *event.Event) {
	i := strings.Index(msg, "reject: ")
	if i < 0 {
		return
	}
	rest := msg[i+len("reject: "):]
	if _, after, ok := strings.Cut(rest, " from "); ok {
		client, _, _ := strings.Cut(after, ": ")
		_, ip := hostAddr(client)
		addSource(ev, ip, "")
	}
	if from := between(rest, "from=<", ">"); from != "" {
		add(ev, "email.from.address", event.String(from))
	}
	if to := between(rest, "to=<", ">"); to != "" {
		add(ev, "email.to.address", event.String(to))
	}
	categorize(ev, catNetwork, typeDenied, "smtp_reject", outcomeFailure)
}

// hostAddr splits postfix's "host[address]".
func hostAddr(s string) (host, addr string) {
	h, rest, ok := strings.Cut(s, "[")
	if !ok {
		return s, ""
	}
	a, _, _ := strings.Cut(rest, "]")
	return h, a
}

// between returns the text of s between the first open and the next close.
func between(s, open, close string) string {
	_, rest, ok := strings.Cut(s, open)
	if !ok {
		return ""
	}
	v, _, ok := strings.Cut(rest, close)
	if !ok {
		return ""
	}
	return v
}

// kvComma returns the value of "key=value" in a comma-separated list.
func kvComma(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 || (i > 0 && s[i-1] != ' ' && s[i-1] != ',') {
		return ""
	}
	v := s[i+len(key):]
	if j := strings.IndexAny(v, ", "); j >= 0 {
		v = v[:j]
	}
	return v
}
