// Package demo generates realistic security log records for the demo data
// set (`shoseki serve --demo`) and for benchmarks: sshd and sudo auth lines
// and nginx access lines as syslog, and AWS CloudTrail records as JSON, with
// the patterns an analyst looks for (password spraying from a few external
// addresses, a successful login after failures, privilege use, web scanning,
// console logins without MFA). Output is deterministic for a seed.
package demo

import (
	"embed"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Record is one generated raw record and the format that decodes it.
type Record struct {
	Format string // "syslog" or "cloudtrail"
	Data   []byte
	Time   time.Time
}

// Generator produces records with timestamps spread over [From, To).
type Generator struct {
	rng      *rand.Rand
	from, to time.Time
	loc      *time.Location
	seq      int
	// ordered, when > 0, is the number of records the caller will take:
	// timestamps then advance through [from, to) in arrival order, as a
	// live feed's do, with a few seconds of jitter.
	ordered int

	// A brute-force campaign in progress: one address trying passwords
	// every few seconds.
	campaignLeft int
	campaignAt   time.Time
	campaignIP   string
}

// New returns a generator for the time span [from, to), writing syslog
// timestamps in loc (RFC 3164 carries no zone; the reader must use the
// same zone).
func New(seed uint64, from, to time.Time, loc *time.Location) *Generator {
	if loc == nil {
		loc = time.Local
	}
	return &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), from: from, to: to, loc: loc}
}

var (
	users        = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter", "deploy", "backup", "jenkins", "ansible"}
	invalidUsers = []string{"admin", "test", "oracle", "ubuntu", "postgres", "git", "user", "guest", "ftpuser", "support", "pi", "minecraft"}
	hosts        = []string{"web-01", "web-02", "web-03", "db-01", "db-02", "bastion", "ci-runner-1", "ci-runner-2", "mail-01", "vpn-gw"}
	attackers    = []string{"185.220.101.34", "45.155.205.233", "193.142.146.21", "89.248.165.72", "141.98.10.63"}
	paths        = []string{"/", "/index.html", "/login", "/api/v1/orders", "/api/v1/users/42", "/static/app.js", "/static/style.css", "/healthz", "/search?q=shoes", "/cart", "/checkout", "/favicon.ico"}
	scanPaths    = []string{"/wp-login.php", "/.env", "/phpmyadmin/", "/cgi-bin/luci", "/admin/config.php", "/.git/config", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/actuator/env"}
	agents       = []string{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "curl/8.5.0", "Go-http-client/1.1", "python-requests/2.32.3"}
	sudoCmds     = []string{"/usr/bin/systemctl restart nginx", "/usr/bin/apt-get upgrade -y", "/usr/bin/journalctl -u sshd", "/bin/cat /etc/shadow", "/usr/bin/docker ps", "/usr/sbin/iptables -L -n"}
	awsEvents    = []struct{ source, name, readOnly string }{
		{"s3.amazonaws.com", "GetObject", "true"}, {"s3.amazonaws.com", "PutObject", "false"}, {"s3.amazonaws.com", "ListBuckets", "true"},
		{"ec2.amazonaws.com", "DescribeInstances", "true"}, {"ec2.amazonaws.com", "RunInstances", "false"}, {"ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", "false"},
		{"iam.amazonaws.com", "CreateAccessKey", "false"}, {"iam.amazonaws.com", "AttachUserPolicy", "false"}, {"sts.amazonaws.com", "AssumeRole", "true"},
		{"kms.amazonaws.com", "Decrypt", "true"}, {"cloudtrail.amazonaws.com", "StopLogging", "false"},
	}
	regions = []string{"us-east-1", "eu-west-1", "ap-northeast-1"}
)

func (g *Generator) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *Generator) internalIP() string {
	return fmt.Sprintf("10.%d.%d.%d", g.rng.IntN(4), g.rng.IntN(256), 1+g.rng.IntN(254))
}

func (g *Generator) externalIP() string {
	return fmt.Sprintf("%d.%d.%d.%d", 11+g.rng.IntN(180), g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254))
}

// InOrder makes the next n records arrive in time order (each stamped at
// its share of the span, give or take up to two seconds of jitter), like a
// live feed, instead of at random instants across the span (a backfill).
func (g *Generator) InOrder(n int) { g.ordered = n }

// Next returns the next record.
func (g *Generator) Next() Record {
	g.seq++
	span := g.to.Sub(g.from)
	var t time.Time
	if g.ordered > 0 {
		at := time.Duration(float64(span) * float64(g.seq-1) / float64(g.ordered))
		t = g.from.Add(min(max(at+time.Duration(g.rng.Int64N(int64(4*time.Second)))-2*time.Second, 0), span-1))
	} else {
		t = g.from.Add(time.Duration(g.rng.Int64N(int64(span))))
	}
	if g.campaignLeft == 0 && g.rng.IntN(2000) == 0 {
		g.campaignLeft, g.campaignAt, g.campaignIP = 30+g.rng.IntN(30), t, g.pick(attackers)
	}
	if g.campaignLeft > 0 {
		g.campaignLeft--
		g.campaignAt = g.campaignAt.Add(time.Duration(1+g.rng.IntN(5)) * time.Second)
		if g.campaignAt.After(g.to) {
			g.campaignLeft = 0
		} else {
			buf := g.syslogHeader(nil, 38, g.campaignAt, "bastion", "sshd", 1000+g.rng.IntN(60000))
			buf = fmt.Appendf(buf, "Failed password for %s from %s port %d ssh2", g.pick(append(users[:4:4], "root", "admin")), g.campaignIP, 1024+g.rng.IntN(64000))
			return Record{Format: "syslog", Data: buf, Time: g.campaignAt}
		}
	}
	switch r := g.rng.IntN(100); {
	case r < 40:
		return Record{Format: "syslog", Data: g.web(t), Time: t}
	case r < 75:
		return Record{Format: "syslog", Data: g.auth(t), Time: t}
	default:
		return Record{Format: "cloudtrail", Data: g.cloudtrail(t), Time: t}
	}
}

func (g *Generator) syslogHeader(buf []byte, pri int, t time.Time, host, program string, pid int) []byte {
	buf = append(buf, '<')
	buf = strconv.AppendInt(buf, int64(pri), 10)
	buf = append(buf, '>')
	buf = t.In(g.loc).AppendFormat(buf, time.Stamp)
	buf = append(buf, ' ')
	buf = append(buf, host...)
	buf = append(buf, ' ')
	buf = append(buf, program...)
	if pid > 0 {
		buf = append(buf, '[')
		buf = strconv.AppendInt(buf, int64(pid), 10)
		buf = append(buf, ']')
	}
	return append(buf, ": "...)
}

func (g *Generator) auth(t time.Time) []byte {
	host := g.pick(hosts)
	pid := 1000 + g.rng.IntN(60000)
	port := 1024 + g.rng.IntN(64000)
	switch r := g.rng.IntN(100); {
	case r < 35: // spraying from known-bad addresses
		buf := g.syslogHeader(nil, 38, t, host, "sshd", pid)
		if g.rng.IntN(2) == 0 {
			return fmt.Appendf(buf, "Failed password for invalid user %s from %s port %d ssh2", g.pick(invalidUsers), g.pick(attackers), port)
		}
		return fmt.Appendf(buf, "Failed password for %s from %s port %d ssh2", g.pick(users), g.pick(attackers), port)
	case r < 45:
		buf := g.syslogHeader(nil, 38, t, host, "sshd", pid)
		return fmt.Appendf(buf, "Invalid user %s from %s port %d", g.pick(invalidUsers), g.pick(attackers), port)
	case r < 70:
		buf := g.syslogHeader(nil, 38, t, host, "sshd", pid)
		method := "publickey"
		if g.rng.IntN(4) == 0 {
			method = "password"
		}
		return fmt.Appendf(buf, "Accepted %s for %s from %s port %d ssh2", method, g.pick(users), g.internalIP(), port)
	case r < 80:
		buf := g.syslogHeader(nil, 86, t, host, "sshd", pid)
		return fmt.Appendf(buf, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)", g.pick(users), 1000+g.rng.IntN(30))
	case r < 90:
		buf := g.syslogHeader(nil, 38, t, host, "sshd", pid)
		return fmt.Appendf(buf, "Disconnected from user %s %s port %d", g.pick(users), g.internalIP(), port)
	default:
		buf := g.syslogHeader(nil, 85, t, host, "sudo", 0) // sudo logs without a pid
		return fmt.Appendf(buf, "%8s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s", g.pick(users), g.rng.IntN(5), g.pick(users), g.pick(sudoCmds))
	}
}

func (g *Generator) web(t time.Time) []byte {
	host := hosts[g.rng.IntN(3)]
	buf := g.syslogHeader(nil, 190, t, host, "nginx", 800+g.rng.IntN(50))
	client, path, status, agent := g.externalIP(), g.pick(paths), 200, g.pick(agents)
	switch r := g.rng.IntN(100); {
	case r < 8:
		client, path, status, agent = g.pick(attackers), g.pick(scanPaths), 404, "Mozilla/5.0 zgrab/0.x"
	case r < 12:
		status = 304
	case r < 15:
		status = 500
	case r < 18:
		status = 302
	}
	method := "GET"
	if g.rng.IntN(8) == 0 {
		method = "POST"
	}
	return fmt.Appendf(buf, `%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s" rt=%.3f`,
		client, t.In(g.loc).Format("02/Jan/2006:15:04:05 -0700"), method, path, status, 200+g.rng.IntN(40000), agent, g.rng.Float64()/2)
}

func (g *Generator) cloudtrail(t time.Time) []byte {
	ev := awsEvents[g.rng.IntN(len(awsEvents))]
	if ev.name == "StopLogging" && g.rng.IntN(40) != 0 {
		ev = awsEvents[0] // stopping the audit trail is rare, and alarming
	}
	user := g.pick(users)
	src := g.externalIP()
	errPart := ""
	if g.rng.IntN(20) == 0 {
		errPart = `,"errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::123456789012:user/` + user + ` is not authorized to perform: ` + ev.name + `"`
	}
	name, source, readOnly := ev.name, ev.source, ev.readOnly
	mfa := "true"
	if g.rng.IntN(10) == 0 {
		name, source, readOnly = "ConsoleLogin", "signin.amazonaws.com", "false"
		if g.rng.IntN(3) == 0 {
			mfa = "false"
		}
	}
	return fmt.Appendf(nil, `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDA%016X","arn":"arn:aws:iam::123456789012:user/%s","accountId":"123456789012","accessKeyId":"AKIA%016X","userName":"%s","sessionContext":{"attributes":{"creationDate":"%s","mfaAuthenticated":"%s"}}},"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"%s","sourceIPAddress":"%s","userAgent":"%s","requestParameters":{"bucketName":"corp-data-%d","key":"reports/%d.csv"},"responseElements":null,"requestID":"%08X-%04X","eventID":"%08x-%04x-%04x-%012x","readOnly":%s,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"%s}`,
		g.rng.Uint64(), user, g.rng.Uint64()&0xFFFFFFFF, user, t.Add(-time.Hour).UTC().Format(time.RFC3339), mfa, t.UTC().Format(time.RFC3339), source, name, g.pick(regions), src, g.pick(agents),
		g.rng.IntN(5), g.rng.IntN(100000), g.rng.Uint32(), g.rng.IntN(65536), g.rng.Uint32(), g.rng.IntN(65536), g.rng.IntN(65536), g.rng.Uint64()&0xFFFFFFFFFFFF, readOnly, errPart)
}

// Rules are Sigma rules that fire on the demo data (SSH brute force,
// shadow file read through sudo, CloudTrail logging stopped, console login
// without MFA), written to the server's rule directory by `serve --demo`.
//
//go:embed rules/*.yml
var Rules embed.FS
