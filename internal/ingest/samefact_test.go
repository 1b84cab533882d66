package ingest

import (
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/filter"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/formats"
	"github.com/shoseki/shoseki/internal/query"
)

// TestSameFactWhateverTheSource checks the point of normalization: one
// query finds Alice's successful logins whether they came from Linux sshd,
// a Windows 4624 event or an AWS console login.
func TestSameFactWhateverTheSource(t *testing.T) {
	inputs := []struct {
		source, format, record string
	}{
		{"linux sshd", "syslog", `<38>1 2026-11-21T09:00:00Z web-01 sshd 4242 - - Accepted publickey for alice from 10.0.0.5 port 50022 ssh2`},
		{"windows 4624", "winevent-json", `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"54849625-5478-4994-A5BA-3E3B0328C30D"}},"EventID":4624,"Version":2,"Level":0,"Task":12544,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2026-11-21T09:05:00.000000Z"}},"EventRecordID":1001,"Correlation":null,"Execution":{"#attributes":{"ProcessID":640,"ThreadID":700}},"Channel":"Security","Computer":"WS-01.corp.example","Security":null},"EventData":{"SubjectUserSid":"S-1-5-18","SubjectUserName":"WS-01$","SubjectDomainName":"CORP","SubjectLogonId":"0x3e7","TargetUserSid":"S-1-5-21-1-2-3-1104","TargetUserName":"alice","TargetDomainName":"CORP","TargetLogonId":"0x2a1b3c","LogonType":10,"LogonProcessName":"User32","AuthenticationPackageName":"Negotiate","WorkstationName":"WS-01","LogonGuid":"00000000-0000-0000-0000-000000000000","TransmittedServices":"-","LmPackageName":"-","KeyLength":0,"ProcessId":"0x2e4","ProcessName":"C:\\Windows\\System32\\svchost.exe","IpAddress":"10.0.0.9","IpPort":"0","ImpersonationLevel":"%%1833"}}}`},
		{"aws console login", "cloudtrail", `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","userName":"alice"},"eventTime":"2026-11-21T09:10:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.20","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"Yes"},"eventID":"3c5a1f9e-0000-4000-8000-000000000001","eventType":"AwsConsoleSignIn","recipientAccountId":"123456789012"}`},
	}
	q, err := query.Parse("event.category:authentication event.outcome:success user.name:alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		f, ok := formats.ByName(in.format)
		if !ok {
			t.Errorf("%s: format %s is not registered", in.source, in.format)
			continue
		}
		evs, _, err := DecodeInput([]byte(in.record), &f, parse.Meta{Received: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)})
		if err != nil || len(evs) != 1 {
			t.Errorf("%s: decode: %v (%d events)", in.source, err, len(evs))
			continue
		}
		ev := evs[0]
		if ev.GetString(event.FieldKind) == event.KindPipelineError {
			t.Errorf("%s: not decoded: %s", in.source, ev.GetString(event.FieldErrorMsg))
			continue
		}
		if !filter.Match(q.Filter, ev) {
			t.Errorf("%s: the query does not find the login:\n%s", in.source, ev.AppendJSON(nil))
		}
	}
}
