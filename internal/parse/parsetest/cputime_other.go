//go:build !unix

package parsetest

// CPUSeconds is not available here: it returns 0, and benchmarks report
// wall-clock figures only.
func CPUSeconds() float64 { return 0 }
