package formats

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range All() {
		if f.Name == "" || f.Description == "" || f.Detect == nil || f.Decode == nil {
			t.Errorf("format %q is incomplete", f.Name)
		}
		if seen[f.Name] {
			t.Errorf("format %q listed twice", f.Name)
		}
		seen[f.Name] = true
		got, ok := ByName(f.Name)
		if !ok || got.Name != f.Name {
			t.Errorf("ByName(%q) = %q, %v", f.Name, got.Name, ok)
		}
	}
	if _, ok := ByName("no-such-format"); ok {
		t.Error("ByName found an unknown format")
	}
}

func lines(s string) [][]byte {
	var out [][]byte
	for _, l := range strings.Split(s, "\n") {
		out = append(out, []byte(l))
	}
	return out
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		samples string
		want    string // "" for no format
	}{
		{"ndjson", "{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"message\":\"a\"}\n\n{\"a\":1}\n", "json"},
		{"plain json", `{"a":1}`, "json"},
		{"auth.log", "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\nDec 10 06:55:46 LabSZ sshd[24200]: input_userauth_request: invalid user webmaster [preauth]\n", "syslog"},
		{"rfc5424", "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - msg\n", "syslog"},
		{"rfc3164", "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8\n", "syslog"},
		{"rsyslog precise", "2026-11-21T10:00:00.123456+01:00 host sshd[1]: hello\n", "syslog"},
		{"mostly json", "{\"a\":1}\n{\"a\":2}\nOct 11 22:14:15 host su: x\n", "json"},
		{"nothing", "\n  \n", ""},
		{"prose", "hello world\nthis is not a log format\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := Detect(lines(tt.samples))
			if got := map[bool]string{true: f.Name}[ok]; got != tt.want {
				t.Errorf("Detect = %q (ok %v), want %q", f.Name, ok, tt.want)
			}
		})
	}
}

// TestDetectRealData detects the format of the first lines of real files:
// syslog for the loghub samples, a JSON format (cloudtrail when it is in
// the table, else json) for CloudTrail NDJSON; and checks that the json and
// syslog decoders' Detect give 0 for each other's lines.
func TestDetectRealData(t *testing.T) {
	root := repoRoot(t)
	files := []struct{ path, want string }{
		{"loghub/OpenSSH/OpenSSH_2k.log", "syslog"},
		{"loghub/Linux/Linux_2k.log", "syslog"},
		{"cloudtrail/ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json", "json"},
	}
	other := map[string]string{"syslog": "json", "json": "syslog"}
	for _, f := range files {
		t.Run(filepath.Base(f.path), func(t *testing.T) {
			p := filepath.Join(root, "..", "shared", "data", f.path)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Skipf("test data %s absent (%v): the shared corpus is not next to the repository", f.path, err)
			}
			all := bytes.Split(data, []byte("\n"))
			want := f.want
			if _, ok := ByName("cloudtrail"); ok && strings.Contains(f.path, "cloudtrail") {
				want = "cloudtrail" // the more specific JSON format wins
			}
			got, ok := Detect(all[:min(len(all), 40)])
			if !ok || got.Name != want {
				t.Errorf("Detect = %q, %v; want %q", got.Name, ok, want)
			}
			self, _ := ByName(f.want)
			o, _ := ByName(other[f.want])
			for i, line := range all {
				if len(line) == 0 {
					continue
				}
				if s := o.Detect(line); s != 0 {
					t.Errorf("line %d: %s.Detect = %d, want 0", i+1, o.Name, s)
				}
				if s := self.Detect(line); s < 75 {
					t.Errorf("line %d: %s.Detect = %d, want at least 75", i+1, self.Name, s)
				}
			}
		})
	}
}

// repoRoot returns the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root (go.mod) not found")
		}
		dir = parent
	}
}
