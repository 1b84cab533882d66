// Package config is Shoseki's typed configuration: one YAML file, safe
// defaults, and an override for every key from SHOSEKI_* environment
// variables (and, in cmd/shoseki, from flags). Load builds a whole Config and
// validates it; a bad file or value is rejected with the key's path.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/shoseki/shoseki/internal/aggregate"
)

// Config is the whole configuration.
type Config struct {
	DataDir string  `yaml:"data_dir"`
	Listen  string  `yaml:"listen"`
	TLS     TLS     `yaml:"tls"`
	Syslog  Syslog  `yaml:"syslog"`
	NetFlow NetFlow `yaml:"netflow"`
	Ingest  Ingest  `yaml:"ingest"`
	Storage Storage `yaml:"storage"`
	Detect  Detect  `yaml:"detect"`
	// Aggregate folds identical events into one row with event.count.
	Aggregate []aggregate.Rule `yaml:"aggregate"`
	Log       Log              `yaml:"log"`
}

// Detect configures streaming detection.
type Detect struct {
	// RuleDirs are directories (or files) of Sigma rules, loaded at start
	// and on reload. Rules added through the API live in <data_dir>/rules.
	RuleDirs []string `yaml:"rule_dirs"`
	// Placeholders give values to Sigma |expand placeholders (%Admins%).
	Placeholders map[string][]string `yaml:"placeholders"`
	// MappingFiles extend the built-in logsource and field mappings
	// (docs/sigma.md describes the format).
	MappingFiles []string `yaml:"mapping_files"`
	// Enabled turns streaming detection on (default true).
	Enabled bool `yaml:"enabled"`
}

// TLS enables HTTPS for the API when both files are set.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Syslog configures the syslog listeners. An empty address disables one.
type Syslog struct {
	UDP             string `yaml:"udp"`
	TCP             string `yaml:"tcp"`
	MaxMessageBytes int    `yaml:"max_message_bytes"`
	// Timezone is the IANA zone for RFC 3164 timestamps, which carry none;
	// empty means the server's local zone (as rsyslog does).
	Timezone string `yaml:"timezone"`
	// HostTimezones overrides Timezone for the named hosts (as written in
	// the syslog header), for sources whose clocks run in another zone.
	HostTimezones map[string]string `yaml:"host_timezones"`
	// IdleTimeout closes a TCP connection that sends nothing for this long.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	MaxConns    int           `yaml:"max_connections"`
}

// NetFlow configures the NetFlow v5/v9 and IPFIX listener.
type NetFlow struct {
	UDP string `yaml:"udp"` // "" disables
}

// Ingest bounds what the ingest path accepts at once.
type Ingest struct {
	MaxBodyBytes     int64 `yaml:"max_body_bytes"`
	MaxInflightBytes int64 `yaml:"max_inflight_bytes"`
	MaxRecordBytes   int   `yaml:"max_record_bytes"`
	// MaxSkew flags events whose timestamp is further than this from their
	// receive time with event.ingested_skew_ms (and counts them).
	MaxSkew time.Duration `yaml:"max_skew"`
}

// Storage configures the embedded store.
type Storage struct {
	FlushInterval time.Duration `yaml:"flush_interval"`
	Retention     time.Duration `yaml:"retention"`
	MaxBytes      int64         `yaml:"max_bytes"`
	Fsync         bool          `yaml:"fsync"`
	// Compression is the zstd effort for parts: "fastest", "default" or
	// "better" (about a tenth smaller than default for about twice the
	// CPU of a flush's compression).
	Compression string `yaml:"compression"`
}

// Log configures Shoseki's own logs.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		DataDir: "./shoseki-data",
		Listen:  "127.0.0.1:8514",
		Syslog: Syslog{
			UDP:             ":5514",
			TCP:             ":5514",
			MaxMessageBytes: 1 << 20,
			IdleTimeout:     5 * time.Minute,
			MaxConns:        1024,
		},
		NetFlow: NetFlow{UDP: ":2055"},
		Ingest: Ingest{
			MaxBodyBytes:     64 << 20,
			MaxInflightBytes: 512 << 20,
			MaxRecordBytes:   1 << 20,
			MaxSkew:          2 * time.Minute,
		},
		Storage: Storage{
			FlushInterval: 10 * time.Second,
			Fsync:         true,
			Compression:   "default",
		},
		Detect:    Detect{Enabled: true},
		Aggregate: aggregate.DefaultRules(),
		Log:       Log{Level: "info", Format: "text"},
	}
}

// Load reads the YAML file at path (if path is not empty) over the defaults,
// then applies SHOSEKI_* environment overrides from env (os.Environ form),
// and validates the result.
func Load(path string, env []string) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := ApplyEnv(&cfg, env); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// Validate checks every value, naming the key of the first bad one.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config %s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	checkAddr := func(key, addr string, required bool) {
		if addr == "" {
			if required {
				bad(key, "must not be empty")
			}
			return
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(key, "%q is not host:port: %v", addr, err)
		}
	}
	checkAddr("listen", c.Listen, true)
	checkAddr("syslog.udp", c.Syslog.UDP, false)
	checkAddr("syslog.tcp", c.Syslog.TCP, false)
	checkAddr("netflow.udp", c.NetFlow.UDP, false)
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		bad("tls", "cert_file and key_file must be set together")
	}
	if c.Syslog.MaxMessageBytes < 480 || c.Syslog.MaxMessageBytes > 64<<20 {
		bad("syslog.max_message_bytes", "%d is outside 480..67108864", c.Syslog.MaxMessageBytes)
	}
	if c.Syslog.Timezone != "" {
		if _, err := time.LoadLocation(c.Syslog.Timezone); err != nil {
			bad("syslog.timezone", "%v", err)
		}
	}
	for host, zone := range c.Syslog.HostTimezones {
		if _, err := time.LoadLocation(zone); err != nil {
			bad("syslog.host_timezones."+host, "%v", err)
		}
	}
	if c.Ingest.MaxSkew <= 0 {
		bad("ingest.max_skew", "must be positive")
	}
	if c.Syslog.IdleTimeout <= 0 {
		bad("syslog.idle_timeout", "must be positive")
	}
	if c.Syslog.MaxConns <= 0 {
		bad("syslog.max_connections", "must be positive")
	}
	if c.Ingest.MaxBodyBytes <= 0 {
		bad("ingest.max_body_bytes", "must be positive")
	}
	if c.Ingest.MaxInflightBytes < c.Ingest.MaxBodyBytes {
		bad("ingest.max_inflight_bytes", "must be at least ingest.max_body_bytes")
	}
	if c.Ingest.MaxRecordBytes < 1024 {
		bad("ingest.max_record_bytes", "must be at least 1024")
	}
	if c.Storage.FlushInterval < 100*time.Millisecond {
		bad("storage.flush_interval", "must be at least 100ms")
	}
	if c.Storage.Retention < 0 {
		bad("storage.retention", "must not be negative")
	}
	if c.Storage.MaxBytes < 0 {
		bad("storage.max_bytes", "must not be negative")
	}
	switch c.Storage.Compression {
	case "fastest", "default", "better":
	default:
		bad("storage.compression", "must be fastest, default or better, not %q", c.Storage.Compression)
	}
	if err := aggregate.Validate(c.Aggregate); err != nil {
		bad("aggregate", "%v", err)
	}
	for i, d := range c.Detect.RuleDirs {
		if _, err := os.Stat(d); err != nil {
			bad(fmt.Sprintf("detect.rule_dirs[%d]", i), "%v", err)
		}
	}
	for i, f := range c.Detect.MappingFiles {
		if _, err := os.Stat(f); err != nil {
			bad(fmt.Sprintf("detect.mapping_files[%d]", i), "%v", err)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "%q is not text or json", c.Log.Format)
	}
	return errors.Join(errs...)
}

// ApplyEnv sets keys from SHOSEKI_<PATH> variables, where PATH is the YAML
// key path upper-cased with "_" between levels: SHOSEKI_DATA_DIR,
// SHOSEKI_SYSLOG_UDP, SHOSEKI_STORAGE_FLUSH_INTERVAL. Unknown SHOSEKI_*
// variables other than the documented non-config ones are an error, so a
// typo is not silently ignored.
func ApplyEnv(cfg *Config, env []string) error {
	keys := map[string]reflect.Value{}
	var order []string
	collectKeys(reflect.ValueOf(cfg).Elem(), "SHOSEKI", keys, &order)
	for _, kv := range env {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, "SHOSEKI_") || nonConfigEnv[name] {
			continue
		}
		f, ok := keys[name]
		if !ok {
			return fmt.Errorf("environment %s: no such configuration key", name)
		}
		if err := setFromString(f, val); err != nil {
			return fmt.Errorf("environment %s: %w", name, err)
		}
	}
	return nil
}

// nonConfigEnv are SHOSEKI_* variables read elsewhere, not config keys.
var nonConfigEnv = map[string]bool{
	"SHOSEKI_TOKEN":           true,
	"SHOSEKI_SERVER":          true,
	"SHOSEKI_BOOTSTRAP_TOKEN": true,
	"SHOSEKI_CONFIG":          true,
}

// Keys lists every configuration key as its environment variable name, in
// declaration order, for documentation and --help.
func Keys() []string {
	cfg := Default()
	keys := map[string]reflect.Value{}
	var order []string
	collectKeys(reflect.ValueOf(&cfg).Elem(), "SHOSEKI", keys, &order)
	return order
}

func collectKeys(v reflect.Value, prefix string, out map[string]reflect.Value, order *[]string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + "_" + strings.ToUpper(tag)
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			collectKeys(fv, name, out, order)
			continue
		}
		out[name] = fv
		*order = append(*order, name)
	}
}

var durationType = reflect.TypeOf(time.Duration(0))

func setFromString(f reflect.Value, s string) error {
	switch {
	case f.Type() == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.String:
		f.SetString(s)
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		f.Set(reflect.ValueOf(parts))
	case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
		n, err := ParseSize(s)
		if err != nil {
			return err
		}
		f.SetInt(n)
	default:
		return fmt.Errorf("this key cannot be set from the environment; use the configuration file")
	}
	return nil
}

// ParseSize parses an integer with an optional KiB/MiB/GiB/TiB (or K/M/G/T)
// suffix.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return n * mult, nil
}
