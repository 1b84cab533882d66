package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	cfg := Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		env     []string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{name: "empty file", yaml: "", check: func(t *testing.T, c Config) {
			if c.Listen != "127.0.0.1:8514" {
				t.Errorf("listen = %q", c.Listen)
			}
		}},
		{name: "file values", yaml: "data_dir: /var/lib/shoseki\nsyslog:\n  udp: \"\"\n  timezone: Asia/Tokyo\nstorage:\n  flush_interval: 3s\n", check: func(t *testing.T, c Config) {
			if c.DataDir != "/var/lib/shoseki" || c.Syslog.UDP != "" || c.Syslog.Timezone != "Asia/Tokyo" || c.Storage.FlushInterval != 3*time.Second {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "env overrides file", yaml: "listen: 127.0.0.1:9000\n", env: []string{"SHOSEKI_LISTEN=127.0.0.1:9100", "SHOSEKI_STORAGE_FSYNC=false", "SHOSEKI_INGEST_MAX_BODY_BYTES=8MiB", "SHOSEKI_TOKEN=ignored", "PATH=/bin"}, check: func(t *testing.T, c Config) {
			if c.Listen != "127.0.0.1:9100" || c.Storage.Fsync || c.Ingest.MaxBodyBytes != 8<<20 {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "unknown key", yaml: "lisen: x\n", wantErr: "field lisen not found"},
		{name: "unknown env", env: []string{"SHOSEKI_LISEN=x"}, wantErr: "SHOSEKI_LISEN: no such configuration key"},
		{name: "bad env value", env: []string{"SHOSEKI_STORAGE_FLUSH_INTERVAL=soon"}, wantErr: "SHOSEKI_STORAGE_FLUSH_INTERVAL"},
		{name: "bad listen", yaml: "listen: nowhere\n", wantErr: "config listen"},
		{name: "bad zone", yaml: "syslog:\n  timezone: Mars/Olympus\n", wantErr: "config syslog.timezone"},
		{name: "tls half set", yaml: "tls:\n  cert_file: a.pem\n", wantErr: "config tls"},
		{name: "bad level", yaml: "log:\n  level: loud\n", wantErr: "config log.level"},
		{name: "bad compression", env: []string{"SHOSEKI_STORAGE_COMPRESSION=max"}, wantErr: "config storage.compression"},
		{name: "compression", env: []string{"SHOSEKI_STORAGE_COMPRESSION=better"}, check: func(t *testing.T, c Config) {
			if c.Storage.Compression != "better" {
				t.Errorf("storage.compression = %q", c.Storage.Compression)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "shoseki.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path, tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestKeysCoverEveryField(t *testing.T) {
	keys := Keys()
	for _, want := range []string{"SHOSEKI_DATA_DIR", "SHOSEKI_LISTEN", "SHOSEKI_TLS_CERT_FILE", "SHOSEKI_SYSLOG_UDP", "SHOSEKI_STORAGE_RETENTION", "SHOSEKI_LOG_FORMAT"} {
		found := false
		for _, k := range keys {
			found = found || k == want
		}
		if !found {
			t.Errorf("Keys() lacks %s", want)
		}
	}
}
