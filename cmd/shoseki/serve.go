package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/shoseki/shoseki/internal/auth"
	"github.com/shoseki/shoseki/internal/config"
	"github.com/shoseki/shoseki/internal/server"
)

const serveAbout = `
Runs Shoseki: the HTTP API (default 127.0.0.1:8514), syslog over UDP and TCP
(default :5514), NetFlow v5/v9 and IPFIX over UDP (default :2055), streaming
Sigma detection, and the embedded store in the data directory.

Configuration comes from the YAML file given with --config (or SHOSEKI_CONFIG),
then SHOSEKI_* environment variables (one per key, e.g. SHOSEKI_DATA_DIR,
SHOSEKI_SYSLOG_UDP, SHOSEKI_STORAGE_FLUSH_INTERVAL), then these flags.
SHOSEKI_BOOTSTRAP_TOKEN, when set, is accepted as an admin token (not stored).

With --demo, a realistic demo data set (sshd, sudo, nginx, CloudTrail) is loaded
once, and a fresh admin token is printed.`

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", "serve [flags]", serveAbout, stderr)
	cfgFile := fs.String("config", os.Getenv("SHOSEKI_CONFIG"), "YAML configuration `file`")
	dataDir := fs.String("data", "", "data `directory` (overrides data_dir)")
	listen := fs.String("listen", "", "HTTP API `address` (overrides listen)")
	syslogUDP := fs.String("syslog-udp", "", "syslog UDP `address`, \"off\" to disable (overrides syslog.udp)")
	syslogTCP := fs.String("syslog-tcp", "", "syslog TCP `address`, \"off\" to disable (overrides syslog.tcp)")
	netflowUDP := fs.String("netflow-udp", "", "NetFlow/IPFIX UDP `address`, \"off\" to disable (overrides netflow.udp)")
	demoFlag := fs.Bool("demo", false, "load the demo data set and print an admin token")
	demoEvents := fs.Int("demo-events", 20000, "number of demo events to generate with --demo")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, err := config.Load(*cfgFile, os.Environ())
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return exitUsage
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "data":
			cfg.DataDir = *dataDir
		case "listen":
			cfg.Listen = *listen
		case "syslog-udp":
			cfg.Syslog.UDP = offOr(*syslogUDP)
		case "syslog-tcp":
			cfg.Syslog.TCP = offOr(*syslogTCP)
		case "netflow-udp":
			cfg.NetFlow.UDP = offOr(*netflowUDP)
		}
	})
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return exitUsage
	}
	log := newLogger(cfg.Log, stderr)
	slog.SetDefault(log)

	srv, err := server.Start(cfg, server.Options{
		Version:        version,
		BootstrapToken: os.Getenv("SHOSEKI_BOOTSTRAP_TOKEN"),
		Logger:         log,
	})
	if err != nil {
		log.Error("start failed", "err", err)
		return exitFailure
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *demoFlag {
		n, err := srv.LoadDemo(ctx, *demoEvents)
		if err != nil {
			log.Error("demo data not loaded", "err", err)
		} else if n > 0 {
			log.Info("demo data loaded", "events", n)
		}
		secret, _, err := srv.Tokens().Create("demo-admin", auth.RoleAdmin, true)
		if err != nil {
			log.Error("demo token not created", "err", err)
		} else {
			printDemoBanner(stdout, srv.URL(), secret)
		}
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-srv.Err():
		log.Error("http server failed", "err", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("shutdown", "err", err)
		return exitFailure
	}
	log.Info("stopped cleanly")
	return exitOK
}

func offOr(s string) string {
	if strings.EqualFold(s, "off") {
		return ""
	}
	return s
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func printDemoBanner(w io.Writer, url, token string) {
	fmt.Fprintf(w, `
Shoseki is running with demo data.

  URL:          %s
  Admin token:  %s

In another terminal:
  export SHOSEKI_SERVER=%s SHOSEKI_TOKEN=%s
  go run ./cmd/shoseki search 'event.outcome:failure | stats count() by source.ip | sort -count | head 5'
  go run ./cmd/shoseki search 'user.name:alice' --from now-1h
  curl -H "Authorization: Bearer $SHOSEKI_TOKEN" "%s/api/v1/search?q=sudo"

Press Ctrl-C to stop.
`, url, token, url, token, url)
}
