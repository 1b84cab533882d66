//go:build !unix

package local

import (
	"os"
	"path/filepath"
)

// lockDir creates dir/LOCK; without flock it cannot exclude other processes.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o644)
}
