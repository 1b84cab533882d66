//go:build !unix

package winevent

// cpuSeconds is unknown here; benchmarks then omit events/cpu-s.
func cpuSeconds() float64 { return 0 }
