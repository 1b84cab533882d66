//go:build !unix

package sigma

func cpuSeconds() float64 { return 0 }
