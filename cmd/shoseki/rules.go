package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/shoseki/shoseki/internal/detect/sigma"
	"github.com/shoseki/shoseki/internal/ingest"
	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/formats"
)

const rulesAbout = `
Works with Sigma detection rules.

  shoseki rules lint DIR|FILE...          check rules: parse and compile errors with file:line
  shoseki rules test RULE EVENTS [--json] run a rule over a log file (any format 'ingest' reads)
                                          and show which events match and why
  shoseki rules backtest RULE [--from --to] run a rule over stored history on the server
  shoseki rules list                      rules loaded by the server
  shoseki rules add RULE                  add a rule to the server (stored, active at once)
  shoseki rules reload                    make the server re-read its rule directories`

func runRules(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		w := stderr
		code := exitUsage
		if len(args) > 0 {
			w, code = stdout, exitOK
		}
		fmt.Fprintln(w, "Usage:"+rulesAbout)
		return code
	}
	switch args[0] {
	case "lint":
		return rulesLint(args[1:], stdout, stderr)
	case "test":
		return rulesTest(args[1:], stdout, stderr)
	case "backtest", "list", "add", "reload":
		return rulesRemote(args[0], args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "rules: unknown subcommand %q\n", args[0])
	return exitUsage
}

func rulesLint(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("rules lint", "rules lint DIR|FILE...", "Parses and compiles Sigma rules; prints each problem as file:line: message.", stderr)
	if code := parseFlags(fs, interspersed(fs, args)); code >= 0 {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	rs, loadErrs := sigma.LoadDir(fs.Args()...)
	for _, e := range loadErrs {
		fmt.Fprintln(stdout, e.Error())
	}
	eng, err := sigma.NewEngine(rs, sigma.Options{})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	nc := eng.NotCompiled()
	for _, e := range nc {
		fmt.Fprintln(stdout, e.Error())
	}
	fmt.Fprintf(stderr, "%d rules parsed, %d compiled, %d files with errors, %d rules not compiled\n", len(rs.Rules), len(eng.Rules()), len(loadErrs), len(nc))
	if len(loadErrs) > 0 || len(nc) > 0 {
		return exitFailure
	}
	return exitOK
}

func rulesTest(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("rules test", "rules test [flags] RULE EVENTS", `
Runs the rules of the RULE file over EVENTS (a log file in any format that
'shoseki ingest' reads, detected or given with --format) and prints, for each
matching event, which selection and which value matched. Correlation rules in
the file see the events in file order.`, stderr)
	format := fs.String("format", "auto", "format of EVENTS")
	asJSON := fs.Bool("json", false, "print one JSON document whose \"matches\" is the match count")
	if code := parseFlags(fs, interspersed(fs, args)); code >= 0 {
		return code
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return exitUsage
	}
	ruleData, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	rules, err := sigma.ParseRule(ruleData, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	eng, err := sigma.NewEngine(&sigma.RuleSet{Rules: rules}, sigma.Options{})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	for _, e := range eng.NotCompiled() {
		fmt.Fprintln(stderr, e.Error())
		return exitFailure
	}
	data, err := readMaybeGzip(fs.Arg(1))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	var f *parse.Format
	if *format != "auto" {
		ff, ok := formats.ByName(*format)
		if !ok {
			fmt.Fprintf(stderr, "rules test: unknown format %q (known: %s)\n", *format, formatNames())
			return exitUsage
		}
		f = &ff
	}
	events, used, err := ingest.DecodeInput(data, f, parse.Meta{Received: time.Now(), Input: "file"})
	if err != nil {
		fmt.Fprintf(stderr, "rules test: %s: %v\n", fs.Arg(1), err)
		return exitFailure
	}
	type match struct {
		Index   int                 `json:"index"` // 1-based position of the event in EVENTS
		RuleID  string              `json:"rule_id"`
		Rule    string              `json:"rule"`
		Matched []sigma.MatchDetail `json:"matched,omitempty"`
		Event   json.RawMessage     `json:"event"`
	}
	var matches []match
	var signals []json.RawMessage
	for i, ev := range events {
		for _, x := range eng.Explain(ev) {
			matches = append(matches, match{Index: i + 1, RuleID: x.Rule.ID, Rule: x.Rule.Title, Matched: x.Matched, Event: ev.AppendJSON(nil)})
		}
		eng.Process(ev, func(s sigma.Signal) {
			if s.Correlation != nil {
				signals = append(signals, s.ToEvent().AppendJSON(nil))
			}
		})
	}
	if *asJSON {
		out := map[string]any{"format": used.Name, "events": len(events), "matches": len(matches), "results": matches, "correlations": signals}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return exitFailure
		}
		return exitOK
	}
	for _, m := range matches {
		fmt.Fprintf(stdout, "event %d matches %q (%s)\n", m.Index, m.Rule, m.RuleID)
		for _, d := range m.Matched {
			fmt.Fprintf(stdout, "    %s\n", d.String())
		}
	}
	for _, s := range signals {
		fmt.Fprintf(stdout, "correlation: %s\n", s)
	}
	fmt.Fprintf(stdout, "%d events (%s), %d matches, %d correlation signals\n", len(events), used.Name, len(matches), len(signals))
	return exitOK
}

func readMaybeGzip(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		return gunzip(data)
	}
	return data, nil
}

func rulesRemote(sub string, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("rules "+sub, "rules "+sub+" [flags] [RULE]", rulesAbout, stderr)
	cf := addClientFlags(fs)
	from := fs.String("from", "now-24h", "backtest: start of the time range")
	to := fs.String("to", "now", "backtest: end of the time range")
	if code := parseFlags(fs, interspersed(fs, args)); code >= 0 {
		return code
	}
	needRule := sub == "backtest" || sub == "add"
	if needRule != (fs.NArg() == 1) || fs.NArg() > 1 {
		fs.Usage()
		return exitUsage
	}
	c, ok := cf.client(stderr)
	if !ok {
		return exitUsage
	}
	ctx, stop := signalContext()
	defer stop()
	var body []byte
	if needRule {
		var err error
		if body, err = os.ReadFile(fs.Arg(0)); err != nil {
			fmt.Fprintln(stderr, err)
			return exitFailure
		}
	}
	var method, path string
	q := url.Values{}
	switch sub {
	case "list":
		method, path = "GET", "/api/v1/rules"
	case "add":
		method, path = "POST", "/api/v1/rules"
	case "reload":
		method, path = "POST", "/api/v1/rules/reload"
	case "backtest":
		method, path = "POST", "/api/v1/rules/backtest"
		q.Set("from", *from)
		q.Set("to", *to)
	}
	var out bytes.Buffer
	if err := c.Call(ctx, method, path, q, body, &out); err != nil {
		fmt.Fprintln(stderr, "rules "+sub+":", err)
		return exitFailure
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, out.Bytes(), "", "  ") == nil {
		out = pretty
	}
	stdout.Write(out.Bytes())
	fmt.Fprintln(stdout)
	return exitOK
}
