//go:build unix

package winevent

import "syscall"

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
