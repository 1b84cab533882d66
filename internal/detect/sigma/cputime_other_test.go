//go:build !unix

package sigma

func cpuSeconds() float64 { return 0 }

func residentMB() (now, peak float64) { return 0, 0 }
