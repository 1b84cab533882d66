package formats

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDetectRealCorpora: auto-detection picks the right format for every
// kind of real sample in ../shared/data, reading only the input's start as
// the ingest paths do.
func TestDetectRealCorpora(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..", "shared", "data")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("shared corpora not present at %s: %v", root, err)
	}
	cases := []struct{ glob, want string }{
		{"loghub/Linux/Linux_2k.log", "syslog"},
		{"loghub/OpenSSH/OpenSSH_2k.log", "syslog"},
		{"loghub/Apache/Apache_2k.log", "apache"},
		{"loghub/Proxifier/Proxifier_2k.log", "proxifier"},
		{"loghub/Windows/Windows_2k.log", "windows-cbs"},
		{"cloudtrail/ec2_proxy_s3_exfiltration/*.json", "cloudtrail"},
		{"evtx/*/*.evtx", "evtx"},
		{"sigma/regression_data/rules/windows/*/*/*/*.json", "winevent-json"},
		{"sigma/regression_data/rules/windows/*/*/*/*.evtx", "evtx"},
	}
	for _, c := range cases {
		files, _ := filepath.Glob(filepath.Join(root, c.glob))
		if len(files) == 0 {
			t.Errorf("%s: no file matches", c.glob)
			continue
		}
		for _, path := range files {
			data, err := readHead(path, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			f, ok := DetectInput(data)
			if !ok || f.Name != c.want {
				t.Errorf("%s: detected %q (ok=%v), want %s", path, f.Name, ok, c.want)
			}
		}
	}
}

func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	m, _ := f.Read(buf)
	return buf[:m], nil
}
