package client

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/shoseki/shoseki/internal/parse/formats"
)

// IngestOptions configure sending files.
type IngestOptions struct {
	Format     string    // "" or "auto": detected per file from its first lines
	BatchBytes int       // request body size (default 4 MiB)
	Progress   io.Writer // when set (a terminal), a progress line is redrawn here
	Log        io.Writer // per-file notes and rejected lines (first few per file)
}

// IngestTotals sums what the server answered.
type IngestTotals struct {
	Files, Lines, Accepted, Rejected int
	Bytes                            int64
	Elapsed                          time.Duration
}

// maxLine bounds one line read from a file; longer lines are sent cut to
// this, and the server keeps them as pipeline_error events.
const maxLine = 4 << 20

// IngestFiles sends each file's lines (plain or gzip) to the server.
func (c *Client) IngestFiles(ctx context.Context, paths []string, opts IngestOptions) (IngestTotals, error) {
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = 4 << 20
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	var tot IngestTotals
	start := time.Now()
	var total int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			total += fi.Size()
		}
	}
	var pc progressCounters
	stop := startProgress(opts.Progress, total, &pc)
	defer stop()
	for _, p := range paths {
		if err := c.ingestFile(ctx, p, opts, &pc, &tot); err != nil {
			return tot, fmt.Errorf("%s: %w", p, err)
		}
		tot.Files++
	}
	tot.Elapsed = time.Since(start)
	return tot, nil
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progressCounters are shared with the progress line's goroutine.
type progressCounters struct {
	read, accepted atomic.Int64
}

func (c *Client) ingestFile(ctx context.Context, path string, opts IngestOptions, pc *progressCounters, tot *IngestTotals) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(countingReader{f, &pc.read}, 256<<10)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		src = zr
	}
	lr := bufio.NewReaderSize(src, 1<<20)

	format := opts.Format
	if format == "" || format == "auto" {
		head, _ := lr.Peek(formats.HeadBytes)
		if f, ok := formats.DetectWholeInput(head); ok {
			format = f.Name
			fmt.Fprintf(opts.Log, "%s: format %s (auto-detected, sent whole)\n", path, format)
		}
	}
	if f, ok := formats.ByName(format); ok && f.WholeInput() {
		return c.ingestWhole(ctx, path, format, lr, opts, pc, tot)
	}
	if format == "auto" {
		format = ""
	}
	var batch bytes.Buffer
	var batchLines []int // file line number of each line in the batch
	lineNo := 0
	reported := 0
	send := func() error {
		if batch.Len() == 0 {
			return nil
		}
		if format == "" {
			if f, ok := formats.DetectInput(batch.Bytes()); ok {
				format = f.Name
			}
			if format == "" {
				return errors.New("could not detect the format from the first lines; pass --format (shoseki ingest --help lists them)")
			}
			fmt.Fprintf(opts.Log, "%s: format %s (auto-detected)\n", path, format)
		}
		res, err := c.Ingest(ctx, format, batch.Bytes(), false)
		if err != nil {
			return err
		}
		tot.Accepted += res.Accepted
		pc.accepted.Add(int64(res.Accepted))
		tot.Rejected += res.Rejected
		for _, e := range res.Errors {
			if reported < 10 && e.Line >= 1 && e.Line <= len(batchLines) {
				fmt.Fprintf(opts.Log, "%s:%d: rejected (kept as pipeline_error): %s\n", path, batchLines[e.Line-1], e.Reason)
				reported++
			}
		}
		batch.Reset()
		batchLines = batchLines[:0]
		return nil
	}
	for {
		line, err := readLine(lr)
		if len(line) > 0 || (err == nil) {
			lineNo++
			if len(bytes.TrimSpace(line)) > 0 {
				batch.Write(line)
				batch.WriteByte('\n')
				batchLines = append(batchLines, lineNo)
				tot.Lines++
				tot.Bytes += int64(len(line)) + 1
			}
			if batch.Len() >= opts.BatchBytes {
				if err := send(); err != nil {
					return err
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
	}
	return send()
}

// ingestWhole sends a whole-input file in one request: its records are
// not lines, so the server decodes it whole.
func (c *Client) ingestWhole(ctx context.Context, path, format string, r io.Reader, opts IngestOptions, pc *progressCounters, tot *IngestTotals) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	res, err := c.Ingest(ctx, format, data, false)
	if err != nil {
		return err
	}
	tot.Lines += res.Accepted + res.Rejected
	tot.Bytes += int64(len(data))
	tot.Accepted += res.Accepted
	tot.Rejected += res.Rejected
	pc.accepted.Add(int64(res.Accepted))
	for i, e := range res.Errors {
		if i == 10 {
			break
		}
		fmt.Fprintf(opts.Log, "%s: record %d: rejected (kept as pipeline_error): %s\n", path, e.Line, e.Reason)
	}
	return nil
}

// readLine returns the next line without its terminator. A line longer
// than maxLine is cut, and the rest of it skipped.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(line)+len(frag) <= maxLine {
			line = append(line, frag...)
		} else if len(line) < maxLine {
			line = append(line, frag[:maxLine-len(line)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		return line, err
	}
}

func startProgress(w io.Writer, total int64, pc *progressCounters) func() {
	if w == nil {
		return func() {}
	}
	start := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	draw := func() {
		n := pc.read.Load()
		secs := time.Since(start).Seconds()
		rate := 0.0
		if secs > 0 {
			rate = float64(n) / secs
		}
		bar := ""
		if total > 0 {
			frac := min(float64(n)/float64(total), 1)
			filled := int(frac * 30)
			bar = fmt.Sprintf("[%s%s] %3.0f%% ", strings.Repeat("=", filled), strings.Repeat(" ", 30-filled), frac*100)
		}
		fmt.Fprintf(w, "\r%s%s read, %s/s, %d events accepted   ", bar, humanBytes(float64(n)), humanBytes(rate), pc.accepted.Load())
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				draw()
			case <-done:
				draw()
				fmt.Fprintln(w)
				return
			}
		}
	}()
	return func() { close(done); <-finished }
}

func humanBytes(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}
