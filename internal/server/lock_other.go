//go:build !unix

package server

import "os"

func lockDataDir(dir string) (*os.File, error) { return nil, nil }

func unlockDataDir(*os.File) {}
