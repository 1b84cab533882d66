//go:build linux

package syslog

import (
	"encoding/binary"
	"net"
	"syscall"
)

// enableDropCounter asks the kernel to attach the socket's cumulative drop
// count (SO_RXQ_OVFL) to every datagram read.
func enableDropCounter(c *net.UDPConn) {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1)
	})
}

// droppedCount extracts the SO_RXQ_OVFL count from a datagram's control data.
func droppedCount(oob []byte) (uint32, bool) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SO_RXQ_OVFL && len(m.Data) >= 4 {
			return binary.NativeEndian.Uint32(m.Data), true
		}
	}
	return 0, false
}
