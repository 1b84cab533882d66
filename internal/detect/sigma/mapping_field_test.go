package sigma

import (
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

// TestDottedProductFieldsUseDefaults: a Sigma field naming a path inside a
// product's record (CloudTrail's userIdentity.…) reaches the event field
// the product's default template names (aws.cloudtrail.userIdentity.…).
func TestDottedProductFieldsUseDefaults(t *testing.T) {
	rules, err := ParseRule([]byte(`title: console login without MFA
id: 0f3b8a52-6c1e-4c1b-9a53-5e0d2a9f7005
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventName: ConsoleLogin
    userIdentity.sessionContext.attributes.mfaAuthenticated: 'false'
  condition: selection
`), "t.yml")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := NewEngine(&RuleSet{Rules: rules}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := &event.Event{Time: 1}
	ev.Set(event.FieldDataset, event.String("aws.cloudtrail"))
	ev.Set("aws.cloudtrail.eventName", event.String("ConsoleLogin"))
	ev.Set("aws.cloudtrail.userIdentity.sessionContext.attributes.mfaAuthenticated", event.String("false"))
	n := 0
	eng.Process(ev, func(Signal) { n++ })
	if n != 1 {
		t.Fatalf("%d signals, want 1", n)
	}
	ev.Set("aws.cloudtrail.userIdentity.sessionContext.attributes.mfaAuthenticated", event.String("true"))
	eng.Process(ev, func(Signal) { n++ })
	if n != 1 {
		t.Fatalf("an MFA login matched")
	}
}
