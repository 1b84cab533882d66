package local

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// eventGen generates realistic events: sshd syslog lines, web access log
// lines and CloudTrail-like JSON records, each with its parsed ECS fields
// and event.original holding the raw line. Values follow skewed
// distributions (a few users and addresses are frequent, most are rare).
type sshSession struct {
	host, user, ip  string
	pid, port, left int
}

type eventGen struct {
	sessions []sshSession
	rng      *rand.Rand
	t        int64
	users    []string
	ips      []string
	hosts    []string
	paths    []string
	agents   []string
	actions  []string
	zUser    *rand.Zipf
	zIP      *rand.Zipf
	zPath    *rand.Zipf
	// RawBytes counts the bytes of event.original generated.
	RawBytes int64
	n        int64
}

var genStart = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC).UnixNano()

func newEventGen(seed uint64) *eventGen {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &eventGen{rng: rng, t: genStart}
	first := []string{"root", "admin", "oracle", "test", "ubuntu", "postgres", "git", "deploy", "backup", "nagios"}
	for _, f := range first {
		g.users = append(g.users, f)
	}
	for i := 0; len(g.users) < 5000; i++ {
		g.users = append(g.users, fmt.Sprintf("%s%c%d", []string{"j", "m", "a", "s", "k"}[i%5], 'a'+rune(i%26), i))
	}
	for i := 0; i < 100000; i++ {
		a := [4]byte{byte(1 + rng.IntN(222)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(1 + rng.IntN(254))}
		g.ips = append(g.ips, netip.AddrFrom4(a).String())
	}
	for i := 0; i < 40; i++ {
		g.hosts = append(g.hosts, fmt.Sprintf("srv-%s-%02d", []string{"web", "db", "app", "bastion"}[i%4], i))
	}
	for i := 0; i < 3000; i++ {
		g.paths = append(g.paths, fmt.Sprintf("/%s/%s/%d%s", []string{"api", "static", "images", "blog", "shop"}[i%5],
			[]string{"v1", "items", "users", "search", "css", "js"}[rng.IntN(6)], i, []string{"", ".png", ".js", ".html", "?q=" + strconv.Itoa(rng.IntN(1000))}[rng.IntN(5)]))
	}
	g.agents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
		"curl/8.4.0", "python-requests/2.31.0", "Go-http-client/1.1",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"aws-cli/2.13.0 Python/3.11.4 Linux/5.15.0 exe/x86_64.ubuntu.22", "console.amazonaws.com", "Boto3/1.28.0 Python/3.11",
	}
	g.actions = []string{"DescribeInstances", "GetObject", "PutObject", "ListBuckets", "AssumeRole", "ConsoleLogin",
		"CreateUser", "AttachRolePolicy", "DescribeSecurityGroups", "GetCallerIdentity", "ListObjects", "DeleteObject"}
	g.zUser = rand.NewZipf(rng, 1.1, 4, uint64(len(g.users)-1))
	g.zIP = rand.NewZipf(rng, 1.05, 8, uint64(len(g.ips)-1))
	g.zPath = rand.NewZipf(rng, 1.2, 2, uint64(len(g.paths)-1))
	return g
}

func (g *eventGen) user() string { return g.users[g.zUser.Uint64()] }
func (g *eventGen) ip() string   { return g.ips[g.zIP.Uint64()] }

func (g *eventGen) uuid() string {
	a, b := g.rng.Uint64(), g.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a), uint16(b>>48), b&0xffffffffffff)
}

// next returns a new event; time advances about 1 ms per event. As with
// real parsers of these formats, @timestamp has whole seconds (the raw
// lines carry no more) while event.created, the receive time, has
// nanoseconds.
func (g *eventGen) next() *event.Event {
	g.t += int64(g.rng.IntN(2000)) * int64(time.Microsecond)
	g.n++
	// Slightly out of order, as in real ingestion.
	t := g.t - int64(g.rng.IntN(500))*int64(time.Millisecond)
	t -= t % int64(time.Second)
	var e *event.Event
	switch r := g.rng.IntN(10); {
	case r < 4:
		e = g.sshd(t)
	case r < 8:
		e = g.web(t)
	default:
		e = g.cloudtrail(t)
	}
	orig, _ := e.Get(event.FieldOriginal)
	g.RawBytes += int64(len(orig.Str()))
	return e
}

func (g *eventGen) batch(n int) []*event.Event {
	out := make([]*event.Event, n)
	for i := range out {
		out[i] = g.next()
	}
	return out
}

func ipv(s string) event.Value { return event.IP(netip.MustParseAddr(s)) }

func (g *eventGen) common(e *event.Event, dataset, module string, t int64) {
	e.Time = t
	e.Set(event.FieldCreated, event.TimeNanos(g.t+int64(g.rng.IntN(3e9))))
	e.Set(event.FieldDataset, event.String(dataset))
	e.Set(event.FieldModule, event.String(module))
	e.Set(event.FieldKind, event.String("event"))
}

func (g *eventGen) sshd(t int64) *event.Event {
	e := &event.Event{}
	g.common(e, "system.auth", "system", t)
	// A connection logs a few lines with the same pid, peer and user.
	if len(g.sessions) < 64 {
		g.sessions = append(g.sessions, sshSession{})
	}
	k := g.rng.IntN(len(g.sessions))
	ss := &g.sessions[k]
	if ss.left <= 0 {
		*ss = sshSession{host: g.hosts[g.rng.IntN(len(g.hosts))], pid: 1000 + g.rng.IntN(60000), user: g.user(),
			ip: g.ip(), port: 1024 + g.rng.IntN(64000), left: 1 + g.rng.IntN(6)}
	}
	ss.left--
	host, pid, user, ip, port := ss.host, ss.pid, ss.user, ss.ip, ss.port
	ts := time.Unix(0, t).UTC().Format(time.Stamp)
	var msg, action, outcome string
	switch k := g.rng.IntN(10); {
	case k < 5:
		msg = fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", user, ip, port)
		action, outcome = "ssh_login", "failure"
	case k < 7:
		msg = fmt.Sprintf("Accepted publickey for %s from %s port %d ssh2: RSA SHA256:%x", user, ip, port, g.rng.Uint64())
		action, outcome = "ssh_login", "success"
	case k < 9:
		msg = fmt.Sprintf("Invalid user %s from %s port %d", user, ip, port)
		action, outcome = "ssh_login", "failure"
	default:
		msg = fmt.Sprintf("Received disconnect from %s port %d:11: Bye Bye [preauth]", ip, port)
		action, outcome = "disconnect", "unknown"
	}
	raw := fmt.Sprintf("%s %s sshd[%d]: %s", ts, host, pid, msg)
	e.Set(event.FieldOriginal, event.String(raw))
	e.Set(event.FieldMessage, event.String(msg))
	e.Set(event.FieldHostName, event.String(host))
	e.Set("process.name", event.String("sshd"))
	e.Set("process.pid", event.Int(int64(pid)))
	e.Set(event.FieldAction, event.String(action))
	e.Set(event.FieldOutcome, event.String(outcome))
	e.Set(event.FieldCategory, event.Array(event.String("authentication")))
	e.Set(event.FieldSourceIP, ipv(ip))
	e.Set("source.port", event.Int(int64(port)))
	if action == "ssh_login" {
		e.Set(event.FieldUserName, event.String(user))
		e.Set(event.FieldRelatedUser, event.Array(event.String(user)))
	}
	e.Set(event.FieldRelatedIP, event.Array(ipv(ip)))
	e.Set(event.FieldInputType, event.String("syslog"))
	e.Set("log.syslog.facility.name", event.String("auth"))
	e.Set("log.syslog.severity.name", event.String("info"))
	return e
}

func (g *eventGen) web(t int64) *event.Event {
	e := &event.Event{}
	g.common(e, "apache.access", "apache", t)
	ip := g.ip()
	method := []string{"GET", "GET", "GET", "GET", "POST", "HEAD", "PUT"}[g.rng.IntN(7)]
	path := g.paths[g.zPath.Uint64()]
	status := []int{200, 200, 200, 200, 200, 304, 404, 301, 500, 403}[g.rng.IntN(10)]
	// Static resources have a fixed size; a fifth of requests are dynamic.
	size := int(uint32(len(path))*2654435761%50000) + len(path)
	if g.rng.IntN(5) == 0 {
		size = g.rng.IntN(50000)
	}
	ref := []string{"-", "https://www.example.com/", "https://www.google.com/"}[g.rng.IntN(3)]
	ua := g.agents[g.rng.IntN(6)]
	user := "-"
	if g.rng.IntN(20) == 0 {
		user = g.user()
	}
	ts := time.Unix(0, t).UTC().Format("02/Jan/2006:15:04:05 -0700")
	raw := fmt.Sprintf(`%s - %s [%s] "%s %s HTTP/1.1" %d %d "%s" "%s"`, ip, user, ts, method, path, status, size, ref, ua)
	e.Set(event.FieldOriginal, event.String(raw))
	e.Set(event.FieldSourceIP, ipv(ip))
	e.Set("http.request.method", event.String(method))
	e.Set("url.original", event.String(path))
	e.Set("http.version", event.String("1.1"))
	e.Set("http.response.status_code", event.Int(int64(status)))
	e.Set("http.response.body.bytes", event.Int(int64(size)))
	if ref != "-" {
		e.Set("http.request.referrer", event.String(ref))
	}
	e.Set("user_agent.original", event.String(ua))
	if user != "-" {
		e.Set(event.FieldUserName, event.String(user))
	}
	e.Set(event.FieldCategory, event.Array(event.String("web")))
	outcome := "success"
	if status >= 400 {
		outcome = "failure"
	}
	e.Set(event.FieldOutcome, event.String(outcome))
	e.Set(event.FieldHostName, event.String(g.hosts[g.rng.IntN(8)]))
	e.Set(event.FieldInputType, event.String("file"))
	return e
}

func (g *eventGen) cloudtrail(t int64) *event.Event {
	e := &event.Event{}
	g.common(e, "aws.cloudtrail", "aws", t)
	user, ip := g.user(), g.ip()
	action := g.actions[g.rng.IntN(len(g.actions))]
	src := map[bool]string{true: "s3.amazonaws.com", false: "ec2.amazonaws.com"}[g.rng.IntN(2) == 0]
	region := []string{"us-east-1", "us-east-1", "eu-west-1", "ap-northeast-1"}[g.rng.IntN(4)]
	ua := g.agents[4+g.rng.IntN(5)]
	eid, rid := g.uuid(), g.uuid()
	uh := uint64(len(user))*0x9e3779b97f4a7c15 ^ uint64(user[0])<<32 ^ uint64(user[len(user)-1])
	key := fmt.Sprintf("ASIA%016X", (uh+uint64(g.rng.IntN(3)))%1e12) // a few keys per user
	acct := fmt.Sprintf("1234567891%02d", g.rng.IntN(5))
	errCode := ""
	if g.rng.IntN(15) == 0 {
		errCode = `,"errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this operation"`
	}
	ts := time.Unix(0, t).UTC().Format("2006-01-02T15:04:05Z")
	raw := fmt.Sprintf(`{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDA%X","arn":"arn:aws:iam::%s:user/%s","accountId":"%s","accessKeyId":"%s","userName":"%s","sessionContext":{"attributes":{"mfaAuthenticated":"false","creationDate":"%s"}}},"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"%s","sourceIPAddress":"%s","userAgent":"%s","requestParameters":{"bucketName":"corp-data-%d","key":"reports/%d.csv"},"responseElements":null,"requestID":"%s","eventID":"%s","readOnly":%t,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%s"%s}`,
		uint32(uh>>16), acct, user, acct, key, user, ts, ts, src, action, region, ip, ua, g.rng.IntN(20), g.rng.IntN(100000), rid, eid, g.rng.IntN(2) == 0, acct, errCode)
	e.Set(event.FieldOriginal, event.String(raw))
	e.Set(event.FieldAction, event.String(action))
	e.Set("event.provider", event.String(src))
	e.Set("cloud.provider", event.String("aws"))
	e.Set("cloud.region", event.String(region))
	e.Set("cloud.account.id", event.String(acct))
	e.Set(event.FieldSourceIP, ipv(ip))
	e.Set("user_agent.original", event.String(ua))
	e.Set(event.FieldUserName, event.String(user))
	e.Set("aws.cloudtrail.user_identity.type", event.String("IAMUser"))
	e.Set("aws.cloudtrail.user_identity.arn", event.String("arn:aws:iam::"+acct+":user/"+user))
	e.Set("aws.cloudtrail.user_identity.access_key_id", event.String(key))
	e.Set("aws.cloudtrail.request_id", event.String(rid))
	e.Set(event.FieldID, event.String(eid))
	e.Set("aws.cloudtrail.event_version", event.String("1.08"))
	outcome := "success"
	if errCode != "" {
		outcome = "failure"
		e.Set("aws.cloudtrail.error_code", event.String("AccessDenied"))
	}
	e.Set(event.FieldOutcome, event.String(outcome))
	e.Set(event.FieldRelatedUser, event.Array(event.String(user)))
	e.Set(event.FieldRelatedIP, event.Array(ipv(ip)))
	e.Set(event.FieldInputType, event.String("aws-s3"))
	return e
}
