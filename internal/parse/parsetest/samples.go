package parsetest

// Samples returns typical records of the formats of the table (and of
// formats planned for it), by format name, as a new map on every call.
// Each format's Detect must give 0 to the records of every other format
// (DetectsNothingElse), and formats.Detect must pick the format for its
// own (DetectPicks).
func Samples() map[string][][]byte {
	out := make(map[string][][]byte, len(samples))
	for name, recs := range samples {
		for _, r := range recs {
			out[name] = append(out[name], []byte(r))
		}
	}
	return out
}

var samples = map[string][]string{
	"syslog": {
		"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
		"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - msg",
		"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
		"2026-11-21T10:00:00.123456+01:00 host nginx[1]: 10.0.0.1 - - [21/Nov/2026:10:00:00 +0100] \"GET / HTTP/1.1\" 200 5",
	},
	"json": {
		`{"@timestamp":"2026-01-01T00:00:00Z","message":"a","source":{"ip":"10.0.0.1"}}`,
		`{"level":"info","msg":"started","ts":1700000000}`,
	},
	"cloudtrail": {
		`{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"Alice"},"eventTime":"2023-07-19T21:25:09Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.0"}`,
		`{"version":"0","id":"6f8ab8b2","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","detail":{"eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy"}}`,
	},
	"vpcflow": {
		"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
		"2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK",
		"2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - NODATA",
		"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
	},
	"alb": {
		`http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"`,
		`h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "-" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-"`,
	},
	"elb": {
		`2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -`,
		`2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2`,
	},
	"cloudfront": {
		"#Version: 1.0",
		"#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end",
		"2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-",
	},
	"s3access": {
		`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.2 - -`,
		`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 891CE47D2EXAMPLE REST.GET.LOGGING_STATUS - "GET /awsexamplebucket1?logging HTTP/1.1" 403 AccessDenied 243 - 18 - "-" "S3Console/0.4" -`,
	},
	"apache": {
		`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
		`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`,
		`www.example.com:443 203.0.113.9 - - [21/Nov/2026:10:00:00 +0000] "POST /login HTTP/1.1" 401 512 "-" "curl/8.0"`,
		"[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
		"[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:51234] AH00037: File does not exist: /usr/local/apache2/htdocs/favicon.ico",
	},
	"nginx": {
		`2024/01/01 12:00:00 [error] 1234#1234: *1 open() "/usr/share/nginx/html/x" failed (2: No such file or directory), client: 10.0.0.1, server: _, request: "GET /x HTTP/1.1", host: "h"`,
		"2024/01/01 12:00:01 [notice] 1#1: start worker processes",
	},
	"squid": {
		"1157689324.156   1372 10.105.21.199 TCP_MISS/200 399 GET http://www.google-analytics.com/__utm.gif? badeyek DIRECT/66.102.9.147 image/gif",
		"1157689320.327   2864 10.105.21.199 TCP_DENIED/407 1780 CONNECT login.yahoo.com:443 - NONE/- text/html",
		`192.168.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET http://example.com/ HTTP/1.0" 200 2326 TCP_MISS:HIER_DIRECT`,
	},
	"k8s-audit": {
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"3f5b0e4e-1c2d-4b1a-9a4e-1f2d3c4b5a6f","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods","verb":"create","user":{"username":"alice","groups":["system:authenticated"]},"sourceIPs":["10.0.0.5"],"userAgent":"kubectl/v1.29.0","objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestReceivedTimestamp":"2024-01-01T00:00:00.000000Z","stageTimestamp":"2024-01-01T00:00:00.010000Z"}`,
	},
	"proxifier": {
		"[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
		"[10.30 16:49:07] chrome.exe - proxy.cse.cuhk.edu.hk:5070 close, 0 bytes sent, 0 bytes received, lifetime 00:01",
		"[10.30 17:07:17] chrome.exe *64 - play.google.com:443 error : Could not connect through proxy proxy.cse.cuhk.edu.hk:5070 - Proxy server cannot establish a connection with the target, status code 403",
	},
	"windows-cbs": {
		`2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505 with Core: C:\Windows\winsxs\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_6.1.7601.23505_none_681aa442f6fed7f0\cbscore.dll`,
		"2016-09-28 04:30:31, Info                  CSI    00000001@2016/9/27:20:30:31.455 WcpInitialize (wcp.dll version 0.0.0.6) called (stack @0x7fed806eb5d @0x7fef9fb9b6d)",
		"2016-09-29 02:04:40, Error                 CBS    Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]",
	},
}
