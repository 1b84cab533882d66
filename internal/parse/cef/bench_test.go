package cef

import (
	"testing"

	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

// typicalCEF is a mix of typical CEF records from firewalls, IDS and
// proxies, with and without a syslog header.
var typicalCEF = [][]byte{
	[]byte("<134>Nov 21 10:00:00 fw01 CEF:0|Check Point|VPN-1 & FireWall-1|R81|Log|Drop|5|act=Drop src=198.51.100.23 spt=51544 dst=10.1.2.3 dpt=3389 proto=6 deviceDirection=0 rt=1763719198000"),
	[]byte("CEF:0|Vendor|IDS|3.2|2100498|GPL ATTACK_RESPONSE id check returned root|8|src=192.0.2.1 dst=10.0.0.2 spt=80 dpt=49200 proto=TCP cat=/Attack/Response cs4Label=Rule Group cs4=attack-responses"),
	[]byte("<134>Nov 21 10:00:00 proxy01 CEF:0|Vendor|Web Gateway|2.1|access|Web request|3|request=http://example.com/search?q=a requestMethod=GET src=192.0.2.55 suser=bob in=512 out=20480 outcome=success"),
	[]byte("CEF:0|Microsoft|ATA|1.9.0.0|LdapBruteForceSuspiciousActivity|Brute force attack using LDAP simple bind|5|start=2018-12-12T17:52:10.2350665Z app=Ldap msg=10000 password guess attempts were made on 100 accounts from W2012R2-000000-Server. externalId=2004 cs1Label=url cs1=https://192.168.0.220/suspiciousActivity/5c114acb8ca1ec1250cacdcb"),
}

var typicalLEEF = [][]byte{
	[]byte("LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black"),
	[]byte("<13>Jan 18 11:07:53 192.168.1.1 LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=192.0.2.0^dst=172.50.123.1^sev=5^cat=anomaly^srcPort=81^dstPort=21^usrName=joe.black"),
}

// BenchmarkDecodeCEF decodes typical CEF records.
func BenchmarkDecodeCEF(b *testing.B) { parsetest.BenchmarkLines(b, Decode, testMeta, typicalCEF) }

// BenchmarkDecodeLEEF decodes typical LEEF 1.0 and 2.0 records.
func BenchmarkDecodeLEEF(b *testing.B) {
	parsetest.BenchmarkLines(b, DecodeLEEF, testMeta, typicalLEEF)
}
