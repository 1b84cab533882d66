package syslog

import (
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse/weblog"
)

// Program-specific normalization: one table, one function per program.
//
// Each function reads the message of one program and adds ECS fields to the
// event: event.category, event.type, event.action, event.outcome,
// user.name, user.target.name, source.ip, source.port, related.ip,
// related.user, process.command_line, system.auth.*. It recognizes only the
// messages it knows and leaves any other message alone. It adds each field
// at most once (the decoder appends fields without looking for duplicates).
//
// The categorization, per message:
//
//	sshd Accepted <method> for U from IP port P       authentication/start   ssh_login         success
//	sshd Failed <method> for [invalid user ]U ...     authentication/info    ssh_login         failure
//	sshd Invalid user U from IP [port P]              authentication/info    ssh_invalid_user  failure
//	sshd Connection closed by / Disconnected from /
//	     Received disconnect from ...                 session/end            ssh_disconnect
//	PAM  authentication failure; ... rhost= user=     authentication/info    authentication_failure failure
//	PAM  session opened for user U [by V]             session/start          session_opened    success
//	PAM  session closed for user U                    session/end            session_closed    success
//	sudo U : TTY=.. ; PWD=.. ; USER=T ; COMMAND=C     process/start          sudo_command      success
//	sudo U : <failure> ; TTY=.. ; ...                 authentication/info    sudo_command      failure
//	su   (to T) U on TTY, Successful su for T by U    authentication/start   su                success
//	su   FAILED SU (to T) U on TTY, FAILED su for ..  authentication/info    su                failure
//	nginx access or error line (weblog.AppendNginxMessage)  web/access  nginx.access, nginx.error
//	systemd-logind New session N of user U.          session/start          session_opened    success
//	systemd-logind Removed session N.                session/end            session_closed    success
//	cron (U) CMD (C)                                 process/start          cron_command      success
//	dovecot <proto>-login: Login: user=<U>, … rip=IP authentication/start   dovecot_login     success
//	dovecot <proto>-login: Disconnected (auth failed …): user=<U> … rip=IP   authentication/info  dovecot_login  failure
//	postfix smtpd client=H[IP], sasl_username=U      authentication/start   smtp_auth         success
//	postfix smtpd warning: H[IP]: SASL X authentication failed  authentication/info  smtp_auth  failure
//	postfix NOQUEUE: reject: RCPT from H[IP]: …      network/denied         smtp_reject       failure
//	kernel <prefix> IN=.. SRC=.. DST=.. PROTO=..     network/connection+denied|allowed  drop|reject|accept (iptables.log dataset; see iptables.go)
//
// PAM lines ("pam_unix(svc:kind): ..." or a "prog(pam_unix)" tag) are
// recognized for every program. For su and sudo, the PAM user (the account
// switched to) is user.target.name and the caller is user.name.

// program describes how one program's messages are normalized.
type program struct {
	// auth marks programs whose events belong to the system.auth dataset.
	auth bool
	// normalize adds the fields of one message; nil for programs with only
	// PAM lines.
	normalize func(msg string, ev *event.Event)
}

// programs is the table of programs with specific normalization, by
// program name (process.name).
var programs = map[string]program{
	"sshd":           {auth: true, normalize: sshd},
	"sshd-session":   {auth: true, normalize: sshd}, // OpenSSH ≥ 9.8 per-session binary
	"sshd-auth":      {auth: true, normalize: sshd},
	"sudo":           {auth: true, normalize: sudo},
	"su":             {auth: true, normalize: su},
	"login":          {auth: true},
	"passwd":         {auth: true},
	"chpasswd":       {auth: true},
	"chage":          {auth: true},
	"useradd":        {auth: true},
	"userdel":        {auth: true},
	"usermod":        {auth: true},
	"groupadd":       {auth: true},
	"groupdel":       {auth: true},
	"groupmod":       {auth: true},
	"gpasswd":        {auth: true},
	"unix_chkpwd":    {auth: true},
	"systemd-logind": {auth: true, normalize: logind},
	"cron":           {normalize: cron},
	"CRON":           {normalize: cron},
	"crond":          {normalize: cron},
	"dovecot":        {auth: true, normalize: dovecot},
	"smtpd":          {auth: true, normalize: postfixSMTPD}, // postfix/smtpd, postfix/submission/smtpd
	"postscreen":     {normalize: postfixReject},
	"cleanup":        {normalize: postfixReject},
	"polkitd":        {auth: true},
	"pkexec":         {auth: true},
	"gdm-password":   {auth: true},
	"doas":           {auth: true},
}

// normalizeProgram adds the program-specific fields of msg and returns the
// event's dataset when the program decides it: datasetAuth for auth
// programs, datasetIptables for packet-filter log lines, "" otherwise.
func normalizeProgram(prog, msg string, ev *event.Event, loc *time.Location) string {
	if prog == "nginx" && weblog.AppendNginxMessage(ev, msg, loc) {
		return datasetSelf
	}
	p, known := programs[prog]
	if p.normalize != nil {
		p.normalize(msg, ev)
		if p.auth || strings.HasPrefix(msg, pamUnixPrefix) {
			return datasetAuth // a program's PAM lines are auth events too
		}
		return ""
	}
	if pam(prog, msg, ev) {
		return datasetAuth
	}
	if prog == "kernel" && packetFilter(msg, ev) {
		return datasetIptables
	}
	if known && p.auth {
		return datasetAuth
	}
	return ""
}

// Estimates of the fields normalizeProgram adds, for sizing Fields.
const (
	programMaxFields  = 14 // sshd's most: event.count, 4 categorization, signature, method, event, user, related.user, source.ip, related.ip, source.port
	pamMaxFields      = 9  // categorization, user, target, 2 related.user, source
	nginxMaxFields    = 24
	iptablesMaxFields = 24
)

// programFields estimates how many fields normalizeProgram adds for a
// message of prog (msg may still have its leading spaces).
func programFields(prog, msg string) int {
	switch prog {
	case "nginx":
		return nginxMaxFields
	case "kernel":
		if strings.Contains(msg, "SRC=") {
			return iptablesMaxFields
		}
		return 0
	}
	if p, ok := programs[prog]; ok && p.normalize != nil {
		return programMaxFields
	}
	if strings.Contains(msg, pamUnixPrefix) || strings.Contains(msg, "authentication failure") || strings.Contains(msg, "session ") {
		return pamMaxFields
	}
	return 0
}

// Shared values (immutable).
var (
	catAuthentication = event.Array(event.String("authentication"))
	catSession        = event.Array(event.String("session"))
	catProcess        = event.Array(event.String("process"))
	typeStart         = event.Array(event.String("start"))
	typeEnd           = event.Array(event.String("end"))
	typeInfo          = event.Array(event.String("info"))
	outcomeSuccess    = event.String("success")
	outcomeFailure    = event.String("failure")
)

// Field names used by the program functions.
const (
	fieldCategory      = event.FieldCategory
	fieldType          = event.FieldType
	fieldAction        = event.FieldAction
	fieldOutcome       = event.FieldOutcome
	fieldUserName      = event.FieldUserName
	fieldTargetUser    = "user.target.name"
	fieldSourceIP      = event.FieldSourceIP
	fieldSourcePort    = "source.port"
	fieldSourceDomain  = "source.domain"
	fieldCommandLine   = "process.command_line"
	fieldWorkingDir    = "process.working_directory"
	fieldSSHMethod     = "system.auth.ssh.method"
	fieldSSHEvent      = "system.auth.ssh.event"
	fieldSSHSignature  = "system.auth.ssh.signature"
	fieldSudoError     = "system.auth.sudo.error"
	fieldSudoTTY       = "system.auth.sudo.tty"
	fieldEventCount    = event.FieldCount
	messageRepeated    = "message repeated "
	pamUnixPrefix      = "pam_unix("
	sshFor             = " for "
	sshFrom            = " from "
	sshPort            = " port "
	sshInvalidUser     = "invalid user "
	sshAuthenticating  = "authenticating user "
	sshUser            = "user "
	sshPreauthSuffix   = " [preauth]"
	sudoFieldSeparator = " ; "
)

func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

func addString(ev *event.Event, name, s string) {
	if s != "" {
		add(ev, name, event.String(s))
	}
}

// categorize adds event.category, event.type, event.action and, when set,
// event.outcome.
func categorize(ev *event.Event, category, typ event.Value, action string, outcome event.Value) {
	add(ev, fieldCategory, category)
	add(ev, fieldType, typ)
	add(ev, fieldAction, event.String(action))
	if !outcome.IsNull() {
		add(ev, fieldOutcome, outcome)
	}
}

// addUser adds user.name and related.user.
func addUser(ev *event.Event, name string) {
	if name != "" {
		add(ev, fieldUserName, event.String(name))
		normalize.AddRelatedUser(ev, name)
	}
}

// addTarget adds user.target.name and related.user.
func addTarget(ev *event.Event, name string) {
	if name != "" {
		add(ev, fieldTargetUser, event.String(name))
		normalize.AddRelatedUser(ev, name)
	}
}

// addSource adds source.ip (or source.domain for a name), source.port and
// related.ip.
func addSource(ev *event.Event, host, port string) {
	if v, ok := normalize.IPValue(host); ok {
		add(ev, fieldSourceIP, v)
		normalize.AddRelatedIP(ev, v)
	} else if host != "" {
		add(ev, fieldSourceDomain, event.String(host))
	}
	if p, ok := atoi(port, 5); ok && p <= 65535 {
		add(ev, fieldSourcePort, event.Int(p))
	}
}

// repeated unwraps rsyslog's "message repeated N times: [ MSG]", returning
// MSG and N, or msg and 0.
func repeated(msg string) (string, int64) {
	if !strings.HasPrefix(msg, messageRepeated) || !strings.HasSuffix(msg, "]") {
		return msg, 0
	}
	rest := msg[len(messageRepeated):]
	sp := strings.IndexByte(rest, ' ')
	if sp < 0 {
		return msg, 0
	}
	n, ok := atoi(rest[:sp], 9)
	if !ok || !strings.HasPrefix(rest[sp:], " times: [") {
		return msg, 0
	}
	inner := rest[sp+len(" times: [") : len(rest)-1]
	return strings.TrimPrefix(inner, " "), n
}

// sshd normalizes OpenSSH server messages.
func sshd(msg string, ev *event.Event) {
	if inner, n := repeated(msg); n > 0 {
		add(ev, fieldEventCount, event.Int(n))
		msg = inner
	}
	switch {
	case strings.HasPrefix(msg, "Accepted "):
		sshLogin(ev, msg[len("Accepted "):], "Accepted", typeStart, outcomeSuccess)
	case strings.HasPrefix(msg, "Failed "):
		sshLogin(ev, msg[len("Failed "):], "Failed", typeInfo, outcomeFailure)
	case strings.HasPrefix(msg, "Invalid user "):
		sshInvalid(ev, msg[len("Invalid user "):])
	case strings.HasPrefix(msg, "Connection closed by "):
		sshDisconnect(ev, msg[len("Connection closed by "):])
	case strings.HasPrefix(msg, "Disconnected from "):
		sshDisconnect(ev, msg[len("Disconnected from "):])
	case strings.HasPrefix(msg, "Received disconnect from "):
		sshDisconnect(ev, msg[len("Received disconnect from "):])
	default:
		pam("sshd", msg, ev)
	}
}

// sshLogin handles "<method> for [invalid user ]U from IP port P ssh2[: SIG]".
func sshLogin(ev *event.Event, rest, what string, typ, outcome event.Value) {
	sp := strings.Index(rest, sshFor)
	if sp <= 0 || strings.IndexByte(rest[:sp], ' ') >= 0 {
		return
	}
	method := rest[:sp]
	rest = rest[sp+len(sshFor):]
	portAt := strings.LastIndex(rest, sshPort)
	if portAt < 0 {
		return
	}
	head, tail := rest[:portAt], rest[portAt+len(sshPort):]
	fromAt := strings.LastIndex(head, sshFrom)
	if fromAt < 0 {
		return
	}
	user, host := head[:fromAt], head[fromAt+len(sshFrom):]
	user = strings.TrimPrefix(user, sshInvalidUser)
	port := tail
	if sp := strings.IndexByte(tail, ' '); sp >= 0 {
		port = tail[:sp]
		// "ssh2: RSA SHA256:..." for publickey logins
		if c := strings.Index(tail[sp:], ": "); c >= 0 {
			addString(ev, fieldSSHSignature, tail[sp+c+2:])
		}
	}
	categorize(ev, catAuthentication, typ, "ssh_login", outcome)
	add(ev, fieldSSHMethod, event.String(method))
	add(ev, fieldSSHEvent, event.String(what))
	addUser(ev, user)
	addSource(ev, host, port)
}

// sshInvalid handles "U from IP[ port P]" after "Invalid user ".
func sshInvalid(ev *event.Event, rest string) {
	var host, port string
	if portAt := strings.LastIndex(rest, sshPort); portAt >= 0 {
		rest, port = rest[:portAt], rest[portAt+len(sshPort):]
	}
	fromAt := strings.LastIndex(rest, sshFrom)
	if fromAt < 0 {
		// "Invalid user  from" has an empty user and a single space.
		if !strings.HasPrefix(rest, "from ") {
			return
		}
		fromAt = -1
	}
	user := ""
	if fromAt >= 0 {
		user, host = rest[:fromAt], rest[fromAt+len(sshFrom):]
	} else {
		host = rest[len("from "):]
	}
	categorize(ev, catAuthentication, typeInfo, "ssh_invalid_user", outcomeFailure)
	add(ev, fieldSSHEvent, event.String("Invalid"))
	addUser(ev, user)
	addSource(ev, host, port)
}

// sshDisconnect handles what follows "Connection closed by ",
// "Disconnected from " or "Received disconnect from ":
// "[authenticating user U |invalid user U |user U ]IP[ port P][: ...][ [preauth]]".
func sshDisconnect(ev *event.Event, rest string) {
	rest = strings.TrimSuffix(rest, sshPreauthSuffix)
	user := ""
	for _, p := range [...]string{sshAuthenticating, sshInvalidUser, sshUser} {
		if strings.HasPrefix(rest, p) {
			rest = rest[len(p):]
			sp := strings.LastIndex(rest, " ")
			if k := strings.Index(rest, sshPort); k >= 0 {
				sp = strings.LastIndex(rest[:k], " ")
			}
			if sp < 0 {
				return
			}
			user, rest = rest[:sp], rest[sp+1:]
			break
		}
	}
	host, port := rest, ""
	if k := strings.Index(rest, sshPort); k >= 0 {
		host, port = rest[:k], rest[k+len(sshPort):]
		if c := strings.IndexAny(port, ": "); c >= 0 {
			port = port[:c]
		}
	} else if c := strings.IndexAny(rest, ": "); c >= 0 {
		host = rest[:c]
	}
	categorize(ev, catSession, typeEnd, "ssh_disconnect", event.Value{})
	addUser(ev, user)
	addSource(ev, host, port)
}

// pam normalizes pam_unix messages of any program: "pam_unix(svc:kind): X"
// or X itself when the tag was "prog(pam_unix)". It reports whether it
// recognized the message.
func pam(prog, msg string, ev *event.Event) bool {
	switching := prog == "su" || prog == "sudo"
	if strings.HasPrefix(msg, pamUnixPrefix) {
		end := strings.Index(msg, "): ")
		if end < 0 {
			return false
		}
		svc := msg[len(pamUnixPrefix):end]
		if c := strings.IndexByte(svc, ':'); c >= 0 {
			svc = svc[:c]
		}
		switching = switching || svc == "su" || svc == "su-l" || svc == "sudo" || svc == "sudo-i"
		msg = msg[end+3:]
	}
	switch {
	case strings.HasPrefix(msg, "authentication failure;"), strings.HasPrefix(msg, "PAM ") && strings.Contains(msg, " more authentication failure"):
		kv := msg[strings.IndexByte(msg, ';')+1:]
		user, ruser, logname, rhost := pamValue(kv, "user="), pamValue(kv, "ruser="), pamValue(kv, "logname="), pamValue(kv, "rhost=")
		categorize(ev, catAuthentication, typeInfo, "authentication_failure", outcomeFailure)
		if switching {
			caller := ruser
			if caller == "" {
				caller = logname
			}
			addUser(ev, caller)
			addTarget(ev, user)
		} else {
			addUser(ev, user)
		}
		addSource(ev, rhost, "")
		return true
	case strings.HasPrefix(msg, "session opened for user "):
		rest := msg[len("session opened for user "):]
		user, by := rest, ""
		if k := strings.Index(rest, " by "); k >= 0 {
			user, by = rest[:k], rest[k+len(" by "):]
		}
		user, by = stripUID(user), stripUID(by)
		categorize(ev, catSession, typeStart, "session_opened", outcomeSuccess)
		if switching {
			addUser(ev, by)
			addTarget(ev, user)
		} else {
			addUser(ev, user)
		}
		return true
	case strings.HasPrefix(msg, "session closed for user "):
		user := stripUID(strings.TrimRight(msg[len("session closed for user "):], " "))
		categorize(ev, catSession, typeEnd, "session_closed", outcomeSuccess)
		if switching {
			addTarget(ev, user)
		} else {
			addUser(ev, user)
		}
		return true
	}
	return false
}

// pamValue returns the value of key ("user=") in PAM's "k=v k=v" list.
func pamValue(kv, key string) string {
	for i := 0; i+len(key) <= len(kv); {
		k := strings.Index(kv[i:], key)
		if k < 0 {
			return ""
		}
		at := i + k
		if at > 0 && kv[at-1] != ' ' {
			i = at + len(key) // "ruser=" when looking for "user="
			continue
		}
		v := kv[at+len(key):]
		if sp := strings.IndexByte(v, ' '); sp >= 0 {
			v = v[:sp]
		}
		return v
	}
	return ""
}

// stripUID turns "alice(uid=1000)" into "alice" and "(uid=0)" into "".
func stripUID(s string) string {
	s = strings.TrimSpace(s)
	if k := strings.IndexByte(s, '('); k >= 0 && strings.HasSuffix(s, ")") {
		s = s[:k]
	}
	return s
}

// sudo normalizes sudo's command log lines.
func sudo(msg string, ev *event.Event) {
	if pam("sudo", msg, ev) {
		return
	}
	msg = strings.TrimLeft(msg, " ")
	sep := strings.Index(msg, " : ")
	if sep <= 0 {
		return
	}
	user, rest := msg[:sep], msg[sep+3:]
	var failure, tty, pwd, target, command string
	for rest != "" {
		part := rest
		if strings.HasPrefix(rest, "COMMAND=") {
			rest = "" // the command is last and may itself contain " ; "
		} else if k := strings.Index(rest, sudoFieldSeparator); k >= 0 {
			part, rest = rest[:k], rest[k+len(sudoFieldSeparator):]
		} else {
			rest = ""
		}
		switch {
		case strings.HasPrefix(part, "TTY="):
			tty = part[len("TTY="):]
		case strings.HasPrefix(part, "PWD="):
			pwd = part[len("PWD="):]
		case strings.HasPrefix(part, "USER="):
			target = part[len("USER="):]
		case strings.HasPrefix(part, "COMMAND="):
			command = part[len("COMMAND="):]
		case strings.HasPrefix(part, "GROUP="), strings.HasPrefix(part, "ENV="), strings.HasPrefix(part, "TSID="):
		default:
			if failure == "" && tty == "" {
				failure = part // "3 incorrect password attempts", "user NOT in sudoers", ...
			}
		}
	}
	if tty == "" && command == "" {
		return // not a command line
	}
	if failure != "" {
		categorize(ev, catAuthentication, typeInfo, "sudo_command", outcomeFailure)
		add(ev, fieldSudoError, event.String(failure))
	} else {
		categorize(ev, catProcess, typeStart, "sudo_command", outcomeSuccess)
	}
	addUser(ev, user)
	addTarget(ev, target)
	addString(ev, fieldSudoTTY, tty)
	addString(ev, fieldWorkingDir, pwd)
	addString(ev, fieldCommandLine, command)
}

// su normalizes su's messages (util-linux and shadow's su).
func su(msg string, ev *event.Event) {
	if pam("su", msg, ev) {
		return
	}
	outcome, typ := outcomeSuccess, typeStart
	rest := msg
	switch {
	case strings.HasPrefix(rest, "FAILED SU "):
		outcome, typ, rest = outcomeFailure, typeInfo, rest[len("FAILED SU "):]
	case strings.HasPrefix(rest, "FAILED su for "):
		suFor(ev, rest[len("FAILED su for "):], outcomeFailure, typeInfo)
		return
	case strings.HasPrefix(rest, "Successful su for "):
		suFor(ev, rest[len("Successful su for "):], outcomeSuccess, typeStart)
		return
	}
	// "(to root) alice on pts/0"
	if !strings.HasPrefix(rest, "(to ") {
		return
	}
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		return
	}
	target := rest[len("(to "):end]
	user := strings.TrimLeft(rest[end+1:], " ")
	if k := strings.Index(user, " on "); k >= 0 {
		user = user[:k]
	}
	categorize(ev, catAuthentication, typ, "su", outcome)
	addUser(ev, user)
	addTarget(ev, target)
}

// suFor handles shadow su's "T by U".
func suFor(ev *event.Event, rest string, outcome, typ event.Value) {
	k := strings.Index(rest, " by ")
	if k < 0 {
		return
	}
	categorize(ev, catAuthentication, typ, "su", outcome)
	addUser(ev, rest[k+len(" by "):])
	addTarget(ev, rest[:k])
}
