package evtx

import (
	"bytes"
	"errors"
	"io"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/winevent"
)

// FormatName is the name of the EVTX format.
const FormatName = "evtx"

// ErrWholeFile is returned by the Format's Decode: EVTX records cannot be
// decoded one by one, since their names and templates live elsewhere in
// their chunk. Use DecodeFile (or Reader) on the whole file.
var ErrWholeFile = errors.New("evtx: records are decoded per file with evtx.DecodeFile, not one by one")

// Format returns the EVTX format for the format table. Detect recognizes
// the file signature "ElfFile\0" at the start of the data; Decode returns
// ErrWholeFile, and DecodeAll reads a whole file held in memory.
func Format() parse.Format {
	return parse.Format{
		Name:        FormatName,
		Description: "Windows XML Event Log file (.evtx), read with evtx.DecodeFile",
		Detect:      Detect,
		Decode: func([]byte, *parse.Meta, *event.Event) error {
			return ErrWholeFile
		},
		DecodeAll: func(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
			_, err := DecodeFile(bytes.NewReader(data), int64(len(data)), meta, emit)
			return err
		},
	}
}

// Detect scores data: 100 when it starts with the EVTX file signature.
func Detect(data []byte) int {
	if bytes.HasPrefix(data, fileMagic) {
		return 100
	}
	return 0
}

// Raw returns the bytes of the record last returned by Next, or of the
// chunk header or record region last skipped as corrupt. It aliases the
// Reader's buffer: it is valid until the next call to Next.
func (r *Reader) Raw() []byte { return r.raw }

// eventSlab is how many events DecodeFile allocates at once.
const eventSlab = 64

// DecodeFile reads every record of an EVTX file and emits one event per
// record: winevent.Normalize of its Record, with event.original the
// record's compact XML (see AppendXML). A corrupt chunk or record, or a
// record Normalize rejects, is emitted as a pipeline_error event holding
// the skipped bytes and the reason, and reading goes on. emit owns each
// event it is given; an error from emit stops DecodeFile and is returned.
// The returned Stats count what was read; the error is nil at the end of
// the file, or the first I/O error.
func DecodeFile(ra io.ReaderAt, size int64, meta *parse.Meta, emit func(*event.Event) error) (Stats, error) {
	r, err := NewReader(ra, size)
	if err != nil {
		return Stats{}, err
	}
	received := time.Now()
	if meta != nil && !meta.Received.IsZero() {
		received = meta.Received
	}
	var (
		rec winevent.Record
		xml []byte
		evs []event.Event
	)
	for {
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			return r.Stats(), nil
		}
		var ev *event.Event
		switch {
		case IsCorrupt(err):
			ev = event.NewPipelineError(r.Raw(), err.Error(), received)
		case err != nil:
			return r.Stats(), err
		default:
			xml = r.AppendXML(xml[:0])
			if len(evs) == 0 { // events come a slab at a time, each still emit's own
				evs = make([]event.Event, eventSlab)
			}
			ev, evs = &evs[0], evs[1:]
			if nerr := winevent.Normalize(&rec, xml, meta, ev); nerr != nil {
				ev = event.NewPipelineError(xml, nerr.Error(), received)
			}
		}
		if err := emit(ev); err != nil {
			return r.Stats(), err
		}
	}
}
