//go:build !linux

package syslog

import "net"

func enableDropCounter(*net.UDPConn) {}

func droppedCount([]byte) (uint32, bool) { return 0, false }
