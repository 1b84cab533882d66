// Package ingest is the path every received record takes, whatever input it
// came from: decode (with a named or auto-detected format), keep what cannot
// be decoded as a pipeline_error event, flag clock skew, append durably to
// the store, then hand the stored events to live subscribers (tail,
// detection).
//
// Guarantees: Ingest returns nil only after every event of the batch is
// durable. No record is dropped: an undecodable one is stored as a
// pipeline_error event with its raw bytes and counted. Back-pressure is the
// caller's blocking on Ingest (TCP inputs) or a refused Reserve (HTTP 429).
package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/formats"
)

// Appender is the durable sink the pipeline writes to (a store.Store).
// Append returns after the events are durable and owns them afterwards.
type Appender interface {
	Append(ctx context.Context, events []*event.Event) error
}

// Options configure a Pipeline.
type Options struct {
	MaxRecordBytes int           // longer records are cut to this and stored as pipeline_error
	MaxSkew        time.Duration // events further than this from receive time get event.ingested_skew_ms (0: 2 minutes; negative: never)
	Registerer     prometheus.Registerer
	Logger         *slog.Logger
}

// Pipeline decodes and stores records. It is safe for concurrent use.
type Pipeline struct {
	sink    Appender
	opts    Options
	hub     *Hub
	metrics *metrics
	log     *slog.Logger
}

// New builds a pipeline writing to sink.
func New(sink Appender, opts Options) *Pipeline {
	if opts.MaxRecordBytes <= 0 {
		opts.MaxRecordBytes = 1 << 20
	}
	if opts.MaxSkew == 0 {
		opts.MaxSkew = 2 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Pipeline{sink: sink, opts: opts, hub: NewHub(), metrics: newMetrics(opts.Registerer), log: opts.Logger}
}

// Hub returns the hub stored events are published to.
func (p *Pipeline) Hub() *Hub { return p.hub }

// RecordError is one record that could not be decoded.
type RecordError struct {
	Index  int    // position of the record in the batch
	Reason string // what was wrong, for the sender
}

// Result says what became of a batch.
type Result struct {
	Accepted int           // records decoded and stored
	Rejected []RecordError // records kept as pipeline_error events
	Skipped  int           // blank records, ignored
}

// Ingest decodes records with format (auto-detected per batch when nil),
// stores them, and publishes them. meta is shared by the batch. The records
// may be reused by the caller once Ingest returns.
func (p *Pipeline) Ingest(ctx context.Context, input string, format *parse.Format, records [][]byte, meta parse.Meta) (Result, error) {
	var res Result
	if len(records) == 0 {
		return res, nil
	}
	if meta.Received.IsZero() {
		meta.Received = time.Now()
	}
	meta.Input = input
	if format == nil {
		f, ok := detect(records)
		if ok {
			format = &f
		}
	}
	m := p.metrics.forInput(input)
	events := make([]*event.Event, 0, len(records))
	for i, rec := range records {
		rec = bytes.TrimRight(rec, "\r\n")
		if len(bytes.TrimSpace(rec)) == 0 {
			res.Skipped++
			continue
		}
		m.received.Inc()
		m.bytes.Add(float64(len(rec)))
		ev, reason := p.decode(format, rec, &meta)
		if reason != "" {
			res.Rejected = append(res.Rejected, RecordError{Index: i, Reason: reason})
			m.rejected.Inc()
		} else {
			res.Accepted++
		}
		p.finish(ev, &meta)
		events = append(events, ev)
	}
	if len(events) == 0 {
		return res, nil
	}
	if err := p.sink.Append(ctx, events); err != nil {
		m.failed.Add(float64(len(events)))
		return Result{}, fmt.Errorf("store %d events from %s: %w", len(events), input, err)
	}
	m.stored.Add(float64(len(events)))
	p.hub.Publish(events)
	return res, nil
}

// IngestAll decodes a whole input (a file or request body) with a format
// whose records are not lines (format.DecodeAll), stores the events and
// publishes them. Records the decoder could not read arrive as
// pipeline_error events and are counted as rejected. An error means nothing
// of the input is acknowledged (part of it may be stored).
func (p *Pipeline) IngestAll(ctx context.Context, input string, format *parse.Format, data []byte, meta parse.Meta) (Result, error) {
	var res Result
	if !format.WholeInput() {
		return res, fmt.Errorf("format %s decodes lines, not whole inputs", format.Name)
	}
	if meta.Received.IsZero() {
		meta.Received = time.Now()
	}
	meta.Input = input
	m := p.metrics.forInput(input)
	m.bytes.Add(float64(len(data)))
	const chunk = 10000
	events := make([]*event.Event, 0, 1024)
	store := func() error {
		if len(events) == 0 {
			return nil
		}
		if err := p.sink.Append(ctx, events); err != nil {
			m.failed.Add(float64(len(events)))
			return storeError{fmt.Errorf("store %d events from %s: %w", len(events), input, err)}
		}
		m.stored.Add(float64(len(events)))
		p.hub.Publish(events)
		events = make([]*event.Event, 0, chunk)
		return nil
	}
	i := 0
	err := format.DecodeAll(data, &meta, func(ev *event.Event) error {
		m.received.Inc()
		if ev.GetString(event.FieldKind) == event.KindPipelineError {
			res.Rejected = append(res.Rejected, RecordError{Index: i, Reason: ev.GetString(event.FieldErrorMsg)})
			m.rejected.Inc()
		} else {
			res.Accepted++
		}
		i++
		p.finish(ev, &meta)
		events = append(events, ev)
		if len(events) == chunk {
			return store()
		}
		return nil
	})
	if err != nil {
		var se storeError
		if errors.As(err, &se) {
			return res, err
		}
		return res, &InputError{Err: fmt.Errorf("decode %s input: %w", format.Name, err)}
	}
	return res, store()
}

// InputError is an input that cannot be decoded at all (as opposed to a
// failure to store it): the sender's to fix, not to retry.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// storeError marks a failed append inside a decoder's emit callback.
type storeError struct{ error }

func (e storeError) Unwrap() error { return e.error }

// Store appends events built elsewhere (detection signals) through the same
// durable path, counting and publishing them like decoded records.
func (p *Pipeline) Store(ctx context.Context, input string, events []*event.Event) error {
	m := p.metrics.forInput(input)
	if err := p.sink.Append(ctx, events); err != nil {
		m.failed.Add(float64(len(events)))
		return fmt.Errorf("store %d events from %s: %w", len(events), input, err)
	}
	m.stored.Add(float64(len(events)))
	p.hub.Publish(events)
	return nil
}

// Reject stores record as a pipeline_error event with reason, for records an
// input already knows are bad (a frame cut at the size limit, a connection
// that ended mid-frame). It returns once the event is durable.
func (p *Pipeline) Reject(ctx context.Context, input string, record []byte, reason string, meta parse.Meta) error {
	if meta.Received.IsZero() {
		meta.Received = time.Now()
	}
	meta.Input = input
	m := p.metrics.forInput(input)
	m.received.Inc()
	m.bytes.Add(float64(len(record)))
	m.rejected.Inc()
	ev := p.pipelineError(truncateUTF8(record, p.opts.MaxRecordBytes), reason, &meta)
	p.finish(ev, &meta)
	if err := p.sink.Append(ctx, []*event.Event{ev}); err != nil {
		m.failed.Inc()
		return fmt.Errorf("store rejected record from %s: %w", input, err)
	}
	m.stored.Inc()
	p.hub.Publish([]*event.Event{ev})
	return nil
}

// detect picks a format from the first records of a batch.
func detect(records [][]byte) (parse.Format, bool) {
	samples := make([][]byte, 0, 20)
	for _, r := range records {
		if len(bytes.TrimSpace(r)) > 0 {
			samples = append(samples, r)
			if len(samples) == cap(samples) {
				break
			}
		}
	}
	return formats.Detect(samples)
}

// decode returns the event for rec and, if it could not be decoded, the
// reason (the event is then a pipeline_error keeping rec).
func (p *Pipeline) decode(format *parse.Format, rec []byte, meta *parse.Meta) (ev *event.Event, reason string) {
	if len(rec) > p.opts.MaxRecordBytes {
		reason = fmt.Sprintf("record of %d bytes exceeds the limit of %d bytes; its first %d bytes are kept", len(rec), p.opts.MaxRecordBytes, p.opts.MaxRecordBytes)
		return p.pipelineError(truncateUTF8(rec, p.opts.MaxRecordBytes), reason, meta), reason
	}
	if format == nil {
		reason = "no known format recognizes this record; pass a format"
		return p.pipelineError(rec, reason, meta), reason
	}
	ev = &event.Event{}
	err := safeDecode(format, rec, meta, ev)
	if err != nil {
		reason = err.Error()
		return p.pipelineError(rec, reason, meta), reason
	}
	return ev, ""
}

// safeDecode turns a decoder panic (a bug) into an error so one bad record
// cannot take the server down; the panic is logged as the bug it is.
func safeDecode(format *parse.Format, rec []byte, meta *parse.Meta, ev *event.Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("decoder panic: this is a bug, please report it", "format", format.Name, "panic", r)
			err = fmt.Errorf("%s decoder failed on this record (internal error)", format.Name)
		}
	}()
	return format.Decode(rec, meta, ev)
}

func (p *Pipeline) pipelineError(rec []byte, reason string, meta *parse.Meta) *event.Event {
	ev := event.NewPipelineError(rec, reason, meta.Received)
	return ev
}

// finish sets what every stored event carries whatever its decoder.
func (p *Pipeline) finish(ev *event.Event, meta *parse.Meta) {
	if ev.Time == 0 {
		ev.Time = meta.Received.UnixNano()
	}
	if !ev.Has(event.FieldCreated) {
		ev.Set(event.FieldCreated, event.Time(meta.Received))
	}
	ev.SetString(event.FieldInputType, meta.Input)
	ev.SetString(event.FieldLogSource, meta.Peer)
	if skew := time.Duration(ev.Time - meta.Received.UnixNano()); p.opts.MaxSkew > 0 && (skew > p.opts.MaxSkew || skew < -p.opts.MaxSkew) {
		ev.Set(event.FieldSkewMillis, event.Int(skew.Milliseconds()))
		p.metrics.skewed.Inc()
	}
}

// truncateUTF8 cuts b to at most n bytes without splitting a UTF-8 sequence.
func truncateUTF8(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	cut := n
	for cut > 0 && cut > n-utf8.UTFMax && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return b[:cut]
}

// DecodeInput decodes a whole input (a file's bytes) into events without
// storing them, the way the server would: a whole-input format decodes it
// whole; a line format (auto-detected from the first lines when format is
// nil) decodes it line by line. Undecodable records become pipeline_error
// events. It returns the format used.
func DecodeInput(data []byte, format *parse.Format, meta parse.Meta) ([]*event.Event, parse.Format, error) {
	if meta.Received.IsZero() {
		meta.Received = time.Now()
	}
	if format == nil {
		f, ok := formats.DetectInput(data)
		if !ok {
			return nil, parse.Format{}, fmt.Errorf("could not detect the format; name one")
		}
		format = &f
	}
	var events []*event.Event
	// Skew is not flagged here: files under test are old on purpose.
	p := &Pipeline{opts: Options{MaxRecordBytes: 1 << 20, MaxSkew: -1}, metrics: newMetrics(nil)}
	if format.WholeInput() {
		err := format.DecodeAll(data, &meta, func(ev *event.Event) error {
			p.finish(ev, &meta)
			events = append(events, ev)
			return nil
		})
		return events, *format, err
	}
	lines := bytes.Split(data, []byte{'\n'})
	for _, line := range lines {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		ev, _ := p.decode(format, line, &meta)
		p.finish(ev, &meta)
		events = append(events, ev)
	}
	return events, *format, nil
}
