package normalize

// Syslog facility codes (RFC 5424 section 6.2.1) mapped to their usual short
// names, as written in syslog.conf(5) and by rsyslog's %syslogfacility-text%.
// Codes 13 (log audit), 14 (log alert) and 15 (clock daemon) have no common
// short name; we use security, console and solaris-cron as rsyslog does.
var facilityNames = [24]string{
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
}

// Syslog severity codes (RFC 5424 section 6.2.1) mapped to the lower-case
// keywords ECS and Elastic's syslog processor use.
var severityNames = [8]string{
	"emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug",
}

// SyslogFacilityName returns the short name of a syslog facility code
// (0..23), or "" for any other code.
func SyslogFacilityName(code int) string {
	if code < 0 || code >= len(facilityNames) {
		return ""
	}
	return facilityNames[code]
}

// SyslogSeverityName returns the keyword of a syslog severity code (0..7), or
// "" for any other code.
func SyslogSeverityName(code int) string {
	if code < 0 || code >= len(severityNames) {
		return ""
	}
	return severityNames[code]
}

// Syslog facility codes that carry security and authorization messages.
const (
	FacilityAuth     = 4
	FacilityAuthPriv = 10
)
