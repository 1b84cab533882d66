//go:build unix

package sigma

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// cpuSeconds returns the CPU time (user + system) this process has used, so
// benchmarks can report throughput per CPU-second, which stays meaningful
// on a machine shared with other work.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// residentMB returns the process's resident set size now (VmRSS, Linux)
// and at its peak (getrusage maxrss), in MiB; 0 when unknown.
func residentMB() (now, peak float64) {
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range bytes.Split(data, []byte("\n")) {
			if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
				f := bytes.Fields(rest)
				if len(f) > 0 {
					if kb, err := strconv.ParseFloat(string(f[0]), 64); err == nil {
						now = kb / 1024
					}
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		peak = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	return now, peak
}
