package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/shoseki/shoseki/internal/ingest"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/formats"
)

// maxReportedErrors bounds the errors listed in one ingest answer.
const maxReportedErrors = 100

type ingestError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

type ingestResponse struct {
	Accepted int           `json:"accepted"`
	Rejected int           `json:"rejected"`
	Errors   []ingestError `json:"errors,omitempty"`
}

// ingest accepts NDJSON, a JSON array, or lines of any format (format=…),
// optionally gzip-compressed (Content-Encoding: gzip). It answers 200 when
// every record was decoded, 400 with line numbers when some were not (those
// are stored as pipeline_error events: nothing is dropped), 413 for a body
// over the limit, 429 when the server is saturated.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request) {
	var format *parse.Format
	if name := r.URL.Query().Get("format"); name != "" && name != "auto" {
		f, ok := formats.ByName(name)
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown format %q; GET /api/v1/formats lists them", name))
			return
		}
		format = &f
	}
	reserve := s.opts.MaxBodyBytes
	if r.ContentLength > 0 && r.ContentLength < reserve && r.Header.Get("Content-Encoding") == "" {
		reserve = r.ContentLength
	}
	if !s.opts.Limiter.TryAcquire(reserve) {
		s.mTooBusy.Inc()
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "ingest is saturated; retry after 1 second")
		return
	}
	defer s.opts.Limiter.Release(reserve)

	body, err := readBody(r, s.opts.MaxBodyBytes)
	if err != nil {
		var tooBig *tooLargeError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, err.Error())
			return
		}
		writeError(w, http.StatusBadRequest, "read request body: "+err.Error())
		return
	}
	meta := parse.Meta{Received: time.Now(), Peer: r.RemoteAddr}
	if format == nil {
		if f, ok := formats.DetectWholeInput(body); ok {
			format = &f
		}
	}
	if format != nil && format.WholeInput() {
		res, err := s.opts.Ingest.IngestAll(r.Context(), "http", format, body, meta)
		if err != nil {
			var ie *ingest.InputError
			if errors.As(err, &ie) {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
			s.log.Error("ingest failed", "err", err, "format", format.Name)
			writeError(w, errStatus(err), "events were not all stored; retry the request")
			return
		}
		// Whole inputs have no lines: a record's position is its 1-based
		// index in the input.
		writeIngestResult(w, res, func(i int) int { return i + 1 }, nil)
		return
	}
	records, lines, splitErr := splitRecords(body, format)
	res, err := s.opts.Ingest.Ingest(r.Context(), "http", format, records, meta)
	if err != nil {
		s.log.Error("ingest failed", "err", err, "records", len(records))
		writeError(w, errStatus(err), "events were not stored; nothing of this request was acknowledged, retry it")
		return
	}
	writeIngestResult(w, res, func(i int) int { return lines[i] }, splitErr)
}

// writeIngestResult answers {accepted, rejected, errors:[{line, reason}]}:
// 200 when every record was decoded, else 400. position maps a record's
// index to the line (or record number) the sender knows it by; extra is a
// framing error of the body itself.
func writeIngestResult(w http.ResponseWriter, res ingest.Result, position func(int) int, extra *ingestError) {
	resp := ingestResponse{Accepted: res.Accepted, Rejected: len(res.Rejected)}
	for _, re := range res.Rejected {
		if len(resp.Errors) == maxReportedErrors {
			break
		}
		resp.Errors = append(resp.Errors, ingestError{Line: position(re.Index), Reason: re.Reason})
	}
	if extra != nil {
		resp.Rejected++
		resp.Errors = append(resp.Errors, *extra)
	}
	code := http.StatusOK
	if resp.Rejected > 0 {
		code = http.StatusBadRequest
	}
	writeJSON(w, code, resp)
}

type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string {
	return "request body exceeds the limit of " + strconv.FormatInt(e.limit, 10) + " bytes; send smaller batches"
}

func readBody(r *http.Request, limit int64) ([]byte, error) {
	var src io.Reader = r.Body
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q (use gzip)", enc)
	}
	// A body of declared length (within the limit, and reserved from the
	// in-flight budget by the caller) is read into one allocation rather
	// than a buffer doubled a dozen times.
	var buf bytes.Buffer
	if src == r.Body && r.ContentLength > 0 && r.ContentLength <= limit {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(src, limit+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if int64(len(data)) > limit {
		return nil, &tooLargeError{limit: limit}
	}
	return data, nil
}

// splitRecords cuts a body into records with their 1-based line numbers: a
// JSON array into its elements (when the format is json or unset), else
// lines. A JSON array broken beyond recovery yields the elements before the
// break and an error for the rest, which is kept as one record.
func splitRecords(body []byte, format *parse.Format) ([][]byte, []int, *ingestError) {
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '[' && (format == nil || format.Name == "json") {
		return splitJSONArray(body)
	}
	var recs [][]byte
	var lines []int
	line := 0
	for len(body) > 0 {
		line++
		i := bytes.IndexByte(body, '\n')
		var rec []byte
		if i < 0 {
			rec, body = body, nil
		} else {
			rec, body = body[:i], body[i+1:]
		}
		recs = append(recs, rec)
		lines = append(lines, line)
	}
	return recs, lines, nil
}

func splitJSONArray(body []byte) ([][]byte, []int, *ingestError) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		return nil, nil, &ingestError{Line: 1, Reason: "invalid JSON array: " + err.Error()}
	}
	var recs [][]byte
	var lines []int
	counted, line := 0, 1
	lineAt := func(off int) int { // incremental: offsets only grow
		off = min(off, len(body))
		line += bytes.Count(body[counted:off], []byte{'\n'})
		counted = off
		return line
	}
	for dec.More() {
		start := skipSpace(body, int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			// Keep the unreadable rest as one record so it is stored as a
			// pipeline_error with its bytes.
			line := lineAt(start)
			recs = append(recs, body[start:])
			lines = append(lines, line)
			return recs, lines, nil
		}
		recs = append(recs, raw)
		lines = append(lines, lineAt(start))
	}
	if _, err := dec.Token(); err != nil {
		return recs, lines, &ingestError{Line: lineAt(int(dec.InputOffset())), Reason: "JSON array is not closed: " + err.Error()}
	}
	return recs, lines, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n' || b[i] == ',') {
		i++
	}
	return i
}
