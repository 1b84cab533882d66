package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/shoseki/shoseki/internal/auth"
	"github.com/shoseki/shoseki/internal/config"
)

const userAbout = `
Manages API tokens in the data directory (works beside a running server,
which picks changes up at once). Tokens are shown once, at creation; only
their SHA-256 is stored.

  shoseki user token create --role admin|analyst|ingest [--name NAME]
  shoseki user token list
  shoseki user token revoke ID|NAME`

func runUser(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || args[0] != "token" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fmt.Fprintln(stdout, "Usage:"+userAbout)
			return exitOK
		}
		fmt.Fprintln(stderr, "Usage:"+userAbout)
		return exitUsage
	}
	sub := args[1]
	fs := newFlags("user token "+sub, "user token "+sub+" [flags]", userAbout, stderr)
	cfgFile := fs.String("config", os.Getenv("SHOSEKI_CONFIG"), "YAML configuration `file` (for data_dir)")
	dataDir := fs.String("data", "", "data `directory` (overrides data_dir)")
	role := fs.String("role", "", "role of the new token: admin, analyst or ingest")
	name := fs.String("name", "", "a name to recognize the token by")
	if code := parseFlags(fs, interspersed(fs, args[2:])); code >= 0 {
		return code
	}
	cfg, err := config.Load(*cfgFile, os.Environ())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	store, err := auth.Open(cfg.DataDir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	switch sub {
	case "create":
		r, err := auth.ParseRole(*role)
		if err != nil {
			fmt.Fprintln(stderr, "user token create: --role:", err)
			return exitUsage
		}
		n := *name
		if n == "" {
			n = string(r) + "-" + time.Now().UTC().Format("20060102-150405")
		}
		secret, tok, err := store.Create(n, r, false)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitFailure
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "created %s token %q (id %s); it is shown only this once\n", tok.Role, tok.Name, tok.ID)
	case "list":
		toks, err := store.List()
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitFailure
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED")
		for _, t := range toks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Created.Format(time.RFC3339))
		}
		tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "user token revoke: give one token ID or NAME")
			return exitUsage
		}
		if err := store.Revoke(fs.Arg(0)); err != nil {
			fmt.Fprintln(stderr, err)
			return exitFailure
		}
	default:
		fmt.Fprintf(stderr, "user token: unknown subcommand %q\n", sub)
		return exitUsage
	}
	return exitOK
}
