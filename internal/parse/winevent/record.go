// Package winevent normalizes Windows events, whatever container they came
// in (evtx_dump-style JSON, Winlogbeat JSON, rendered XML, or the binary EVTX
// reader), into Shoseki events. Every container is first turned into a
// Record; Normalize maps a Record to ECS and winlog.* fields the same way for
// all of them, so a rule or query sees one shape.
package winevent

import (
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// Record is one Windows event, independent of its container.
type Record struct {
	Provider     string // System/Provider@Name
	ProviderGUID string // System/Provider@Guid
	EventSource  string // System/Provider@EventSourceName
	EventID      uint32 // System/EventID (without qualifiers)
	Qualifiers   uint32
	Version      uint8
	Level        uint8
	Task         uint16
	Opcode       uint8
	Keywords     string // hex, as rendered: "0x8020000000000000"
	TimeCreated  time.Time
	RecordID     uint64 // System/EventRecordID
	ActivityID   string
	RelatedID    string
	ProcessID    uint32 // System/Execution@ProcessID
	ThreadID     uint32
	Channel      string
	Computer     string
	UserID       string // System/Security@UserID (a SID)
	// Data holds EventData/Data items by Name (unnamed items as "param1",
	// "param2", …; a Binary element as "Binary"), or, for events with
	// UserData, its leaf elements flattened with dots below the root element
	// ("LogFileCleared.SubjectUserName" becomes "SubjectUserName" when unique).
	// Values keep their type: numbers as Int, everything else as String,
	// rendered exactly as the evtx_dump JSON twins in
	// shared/data/sigma/regression_data render them (that is the oracle).
	Data []event.Field
}
