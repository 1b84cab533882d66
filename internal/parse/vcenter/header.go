package vcenter

import (
	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/syslog"
)

// syslogHeader decodes the syslog header of record into ev with the syslog
// format's decoder, keeping what describes the sender (@timestamp,
// host.name, log.syslog.*, process.*) and event.created and event.original
// (the whole record), and dropping what this decoder sets itself
// (event.kind, event.module, event.dataset, message). It returns the message, and whether a header
// with a timestamp was found (the syslog decoder keeps a line without one
// whole as message, stamped with the receive time).
func syslogHeader(record []byte, meta *parse.Meta, ev *event.Event) (msg string, header bool, err error) {
	base := len(ev.Fields)
	if err := syslog.Decode(record, meta, ev); err != nil {
		return "", false, err
	}
	keep := ev.Fields[:base]
	header = false
	for _, f := range ev.Fields[base:] {
		switch f.Name {
		case event.FieldMessage:
			msg = f.Value.Str()
		case event.FieldKind, event.FieldModule, event.FieldDataset:
		default:
			if f.Name == event.FieldHostName || f.Name == "process.name" || f.Name == "log.syslog.appname" {
				header = true
			}
			keep = append(keep, f)
		}
	}
	clear(ev.Fields[len(keep):])
	ev.Fields = keep
	return msg, header, nil
}
