package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/shoseki/shoseki/internal/client"
	"github.com/shoseki/shoseki/internal/parse/formats"
)

// clientFlags are the flags of every command that talks to a server.
type clientFlags struct {
	server   *string
	insecure *bool
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	def := os.Getenv("SHOSEKI_SERVER")
	if def == "" {
		def = "http://127.0.0.1:8514"
	}
	return clientFlags{
		server:   fs.String("server", def, "server `URL` (or SHOSEKI_SERVER); the token comes from SHOSEKI_TOKEN"),
		insecure: fs.Bool("insecure", false, "skip TLS certificate verification"),
	}
}

func (cf clientFlags) client(stderr io.Writer) (*client.Client, bool) {
	token := os.Getenv("SHOSEKI_TOKEN")
	if token == "" {
		fmt.Fprintln(stderr, "SHOSEKI_TOKEN is not set: create a token with 'shoseki user token create' and export it")
		return nil, false
	}
	c, err := client.New(*cf.server, token, *cf.insecure)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	return c, true
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func formatNames() string {
	s := ""
	for i, f := range formats.All() {
		if i > 0 {
			s += ", "
		}
		s += f.Name
	}
	return s
}

func runIngest(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("ingest", "ingest [flags] FILE...", `
Sends log files (plain or gzip) to a running server, line by line, in batches.
The format is detected from each file's first lines unless --format is given.
Lines the server cannot decode are stored as pipeline_error events and listed.`, stderr)
	cf := addClientFlags(fs)
	format := fs.String("format", "auto", "record `format`: auto or one of "+formatNames())
	quiet := fs.Bool("quiet", false, "no progress line")
	if code := parseFlags(fs, interspersed(fs, args)); code >= 0 {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	if *format != "auto" {
		if _, ok := formats.ByName(*format); !ok {
			fmt.Fprintf(stderr, "ingest: unknown format %q (known: %s)\n", *format, formatNames())
			return exitUsage
		}
	}
	c, ok := cf.client(stderr)
	if !ok {
		return exitUsage
	}
	ctx, stop := signalContext()
	defer stop()
	opts := client.IngestOptions{Format: *format, Log: stderr}
	if f, ok := stderr.(*os.File); ok && !*quiet && term.IsTerminal(int(f.Fd())) {
		opts.Progress = stderr
	}
	tot, err := c.IngestFiles(ctx, fs.Args(), opts)
	rate := 0.0
	if tot.Elapsed > 0 {
		rate = float64(tot.Lines) / tot.Elapsed.Seconds()
	}
	fmt.Fprintf(stdout, "%d files, %d lines: %d accepted, %d rejected (kept as pipeline_error) in %s (%.0f lines/s)\n",
		tot.Files, tot.Lines, tot.Accepted, tot.Rejected, tot.Elapsed.Round(1e6), rate)
	if err != nil {
		fmt.Fprintln(stderr, "ingest:", err)
		return exitFailure
	}
	return exitOK
}

func runSearch(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("search", "search [flags] QUERY", `
Runs a query (see docs/query.md) on a running server and prints the events or
the result table. Times are RFC 3339, a date, or relative (now-15m, -2h, now-7d).`, stderr)
	cf := addClientFlags(fs)
	from := fs.String("from", "now-24h", "start of the time range (inclusive)")
	to := fs.String("to", "now", "end of the time range (exclusive)")
	limit := fs.Int("limit", 100, "most events to return (up to 10000)")
	asJSON := fs.Bool("json", false, "print the answer as JSON")
	asCSV := fs.Bool("csv", false, "print the answer as CSV")
	if code := parseFlags(fs, interspersed(fs, args)); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "search: give exactly one QUERY argument (quote it)")
		return exitUsage
	}
	if *asJSON && *asCSV {
		fmt.Fprintln(stderr, "search: --json and --csv exclude each other")
		return exitUsage
	}
	c, ok := cf.client(stderr)
	if !ok {
		return exitUsage
	}
	format := "table"
	switch {
	case *asJSON:
		format = "json"
	case *asCSV:
		format = "csv"
	}
	ctx, stop := signalContext()
	defer stop()
	err := c.Search(ctx, client.SearchRequest{Query: fs.Arg(0), From: *from, To: *to, Limit: *limit, Format: format}, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "search:", err)
		if apiErr, ok := err.(*client.APIError); ok && apiErr.Status == 400 {
			return exitUsage
		}
		return exitFailure
	}
	return exitOK
}

func runTail(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("tail", "tail [flags] [FILTER]", `
Streams newly stored events that match FILTER (the filter part of a query; no
pipes) as JSON lines until interrupted.`, stderr)
	cf := addClientFlags(fs)
	if code := parseFlags(fs, interspersed(fs, args)); code >= 0 {
		return code
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "tail: give at most one FILTER argument (quote it)")
		return exitUsage
	}
	c, ok := cf.client(stderr)
	if !ok {
		return exitUsage
	}
	ctx, stop := signalContext()
	defer stop()
	if err := c.Tail(ctx, fs.Arg(0), stdout); err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "tail:", err)
		return exitFailure
	}
	return exitOK
}
