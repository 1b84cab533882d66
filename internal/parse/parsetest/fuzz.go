package parsetest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
)

// MaxFuzzInput is the input size beyond which fuzz targets skip an input
// (decoders are given records and files of bounded size).
const MaxFuzzInput = 64 << 10

// ecsIP are the ECS fields that must hold IP values (or arrays of them).
// Other fields named *.ip may hold text (a pass-through JSON member).
var ecsIP = map[string]bool{"source.ip": true, "destination.ip": true, "observer.ip": true,
	"related.ip": true, "host.ip": true, "client.ip": true, "server.ip": true}

// AddGoldenSeeds adds each line of the inputs matching pattern to the seed
// corpus of f. It fails when nothing matches.
func AddGoldenSeeds(f *testing.F, pattern string) {
	f.Helper()
	for _, in := range inputs(f, pattern) {
		for _, line := range strings.Split(string(readFile(f, in)), "\n") {
			f.Add([]byte(line))
		}
	}
}

// AddGoldenFiles adds each input matching pattern, whole, to the seed
// corpus of f: seeds for whole-input decoders. It fails when nothing
// matches.
func AddGoldenFiles(f *testing.F, pattern string) {
	f.Helper()
	for _, in := range inputs(f, pattern) {
		f.Add(readFile(f, in))
	}
}

// CheckDecode checks the decoder contract of internal/parse on one record:
// no panic; a failure is parse.ErrEmpty or a *parse.SyntaxError with an
// offset inside the record, and leaves no fields behind; a success keeps
// the record exactly as event.original, passes CheckEvent, gives a valid
// UTF-8 message for a valid UTF-8 record, and is the same when repeated.
func CheckDecode(t testing.TB, decode DecodeFunc, meta *parse.Meta, rec []byte) {
	t.Helper()
	var ev event.Event
	if err := decode(rec, meta, &ev); err != nil {
		if errors.Is(err, parse.ErrEmpty) {
			return
		}
		var se *parse.SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("error %v is not a *parse.SyntaxError", err)
		}
		if se.Offset < 0 || se.Offset > len(rec) {
			t.Fatalf("error offset %d outside the record of %d bytes", se.Offset, len(rec))
		}
		if len(ev.Fields) != 0 {
			t.Fatalf("failed decode left %d fields", len(ev.Fields))
		}
		return
	}
	if got := ev.GetString(event.FieldOriginal); got != string(rec) {
		t.Fatalf("event.original %q differs from the record", got)
	}
	CheckEvent(t, &ev)
	if utf8.Valid(rec) && !utf8.ValidString(ev.GetString(event.FieldMessage)) {
		t.Fatalf("valid UTF-8 record gave an invalid message")
	}
	var again event.Event
	if err := decode(rec, meta, &again); err != nil || !bytes.Equal(again.AppendJSON(nil), ev.AppendJSON(nil)) {
		t.Fatalf("second decode differs (err %v)", err)
	}
}

// CheckDecodeAll checks the contract of a whole-input decoder on one
// input: no panic; every emitted event (pipeline_error events included)
// has an event.original whose lines are all in the input, and passes
// CheckEvent; decoding again emits the same events and the same error.
func CheckDecodeAll(t testing.TB, decodeAll DecodeAllFunc, meta *parse.Meta, data []byte) {
	t.Helper()
	run := func() (events []string, err error) {
		err = decodeAll(data, meta, func(ev *event.Event) error {
			if !ev.Has(event.FieldOriginal) {
				t.Fatalf("DecodeAll emitted an event without event.original: %s", ev.AppendJSON(nil))
			}
			for _, l := range strings.Split(ev.GetString(event.FieldOriginal), "\n") {
				if !bytes.Contains(data, []byte(l)) {
					t.Fatalf("event.original line %q is not in the input", l)
				}
			}
			CheckEvent(t, ev)
			events = append(events, string(ev.AppendJSON(nil)))
			return nil
		})
		return events, err
	}
	events, err := run()
	again, errAgain := run()
	if strings.Join(events, "\n") != strings.Join(again, "\n") || errString(err) != errString(errAgain) {
		t.Fatalf("second DecodeAll differs (err %v, then %v)", err, errAgain)
	}
}

// CheckEvent checks what every decoded event must satisfy: each field set
// once and never null, and the ECS ip fields (source.ip, related.ip …)
// holding IP values.
func CheckEvent(t testing.TB, ev *event.Event) {
	t.Helper()
	seen := make(map[string]bool, len(ev.Fields))
	for _, fl := range ev.Fields {
		if seen[fl.Name] {
			t.Fatalf("field %q set twice", fl.Name)
		}
		seen[fl.Name] = true
		if fl.Value.IsNull() {
			t.Fatalf("field %q is null", fl.Name)
		}
		if !ecsIP[fl.Name] {
			continue
		}
		vs := []event.Value{fl.Value}
		if fl.Value.Type() == event.TypeArray {
			vs = fl.Value.Elems()
		}
		for _, v := range vs {
			if v.Type() != event.TypeIP {
				t.Fatalf("%s holds a %v", fl.Name, v.Type())
			}
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
