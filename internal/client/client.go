// Package client talks to a running Shoseki server over its HTTP API, for
// the command line: sending files (`shoseki ingest`), searching and tailing.
// It authenticates with a bearer token and never logs it.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client is an API client.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// New returns a client for the server at base (e.g. http://127.0.0.1:8514).
// insecure skips TLS certificate verification (self-signed test servers).
func New(base, token string, insecure bool) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q must look like http://host:port", base)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by --insecure
	}
	return &Client{base: u, token: token, http: &http.Client{Transport: tr}}, nil
}

// APIError is an error answer from the server.
type APIError struct {
	Status  int
	Message string
	Body    []byte // the raw answer
}

func (e *APIError) Error() string {
	return fmt.Sprintf("server answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, body io.Reader, hdr http.Header) (*http.Response, error) {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func apiError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var e struct {
		Error string `json:"error"`
	}
	msg := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		msg = e.Error
	}
	return &APIError{Status: resp.StatusCode, Message: msg, Body: data}
}

// IngestResult is the server's answer to one ingest request.
type IngestResult struct {
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	Errors   []struct {
		Line   int    `json:"line"`
		Reason string `json:"reason"`
	} `json:"errors"`
}

// Ingest posts one batch. format "" lets the server detect it. A 429 is
// retried after the server's Retry-After, until ctx ends; a 400 (some
// records rejected) is a result, not an error.
func (c *Client) Ingest(ctx context.Context, format string, body []byte, gzipped bool) (IngestResult, error) {
	q := url.Values{}
	if format != "" {
		q.Set("format", format)
	}
	hdr := http.Header{"Content-Type": {"application/x-ndjson"}}
	if gzipped {
		hdr.Set("Content-Encoding", "gzip")
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.do(ctx, http.MethodPost, "/api/v1/ingest", q, bytes.NewReader(body), hdr)
		if err != nil {
			// A connection that failed before any answer is retried a few
			// times. Delivery is at least once: if the server stored the
			// batch and only its answer was lost, the retry stores it again.
			if attempt < 5 && ctx.Err() == nil {
				if !sleep(ctx, backoff(attempt)) {
					return IngestResult{}, ctx.Err()
				}
				continue
			}
			return IngestResult{}, err
		}
		switch resp.StatusCode {
		case http.StatusOK, http.StatusBadRequest:
			var res IngestResult
			data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
			resp.Body.Close()
			if err != nil {
				return res, err
			}
			if err := json.Unmarshal(data, &res); err != nil || (resp.StatusCode == http.StatusBadRequest && res.Accepted == 0 && res.Rejected == 0) {
				return res, &APIError{Status: resp.StatusCode, Message: strings.TrimSpace(string(data)), Body: data}
			}
			return res, nil
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			wait := time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			}
			resp.Body.Close()
			if !sleep(ctx, wait) {
				return IngestResult{}, ctx.Err()
			}
		default:
			err := apiError(resp)
			resp.Body.Close()
			return IngestResult{}, err
		}
	}
}

func backoff(attempt int) time.Duration {
	return time.Duration(200<<attempt) * time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// SearchRequest is one search.
type SearchRequest struct {
	Query    string
	From, To string // RFC 3339 or relative (now-15m); empty: server default
	Limit    int
	Format   string // json, csv or table
}

// Search runs a query and copies the server's answer (in req.Format) to w.
func (c *Client) Search(ctx context.Context, req SearchRequest, w io.Writer) error {
	q := url.Values{"q": {req.Query}}
	if req.From != "" {
		q.Set("from", req.From)
	}
	if req.To != "" {
		q.Set("to", req.To)
	}
	if req.Limit > 0 {
		q.Set("limit", strconv.Itoa(req.Limit))
	}
	if req.Format != "" {
		q.Set("format", req.Format)
	}
	resp, err := c.do(ctx, http.MethodGet, "/api/v1/search", q, nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return apiError(resp)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// Tail streams matching events as JSON lines to w until ctx ends.
func (c *Client) Tail(ctx context.Context, query string, w io.Writer) error {
	resp, err := c.do(ctx, http.MethodGet, "/api/v1/tail", url.Values{"q": {query}}, nil, http.Header{"Accept": {"text/event-stream"}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return apiError(resp)
	}
	return readSSE(resp.Body, func(kind string, data []byte) error {
		switch kind {
		case "event":
			_, err := w.Write(append(data, '\n'))
			return err
		case "dropped":
			fmt.Fprintf(w, "# the server dropped events for this slow reader: %s\n", data)
		}
		return nil
	})
}

func readSSE(r io.Reader, fn func(kind string, data []byte) error) error {
	buf := make([]byte, 0, 64<<10)
	tmp := make([]byte, 32<<10)
	kind := ""
	var data []byte
	for {
		n, err := r.Read(tmp)
		buf = append(buf, tmp[:n]...)
		for {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				break
			}
			line := buf[:i]
			switch {
			case len(line) == 0:
				if data != nil {
					if err := fn(kind, data); err != nil {
						return err
					}
				}
				kind, data = "", nil
			case bytes.HasPrefix(line, []byte("event: ")):
				kind = string(line[7:])
			case bytes.HasPrefix(line, []byte("data: ")):
				data = append(data[:0:0], line[6:]...)
			}
			buf = buf[i+1:]
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
	}
}

// Call sends one API request with an optional body and copies a 2xx answer
// to w; other answers are returned as *APIError.
func (c *Client) Call(ctx context.Context, method, path string, q url.Values, body []byte, w io.Writer) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	resp, err := c.do(ctx, method, path, q, r, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return apiError(resp)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}
