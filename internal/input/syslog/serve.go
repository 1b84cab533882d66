package syslog

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/shoseki/shoseki/internal/parse"
)

func (s *Server) serveUDP() {
	defer s.wg.Done()
	const input = "syslog-udp"
	frames := s.mFrames.WithLabelValues("udp")
	oversize := s.mOversize.WithLabelValues("udp")
	buf := make([]byte, 64<<10)
	oob := make([]byte, 64)
	var b batch
	var lastDrops uint32
	peer := ""
	deadline := time.Time{}
	for {
		if deadline.IsZero() && (b.len() > 0 || s.isStopping()) {
			deadline = time.Now().Add(s.opts.BatchDelay)
			_ = s.udp.SetReadDeadline(deadline)
		}
		n, oobn, _, from, err := s.udp.ReadMsgUDP(buf, oob)
		if err != nil {
			if isTimeout(err) {
				s.flush(&b, input, peer)
				deadline = time.Time{}
				_ = s.udp.SetReadDeadline(time.Time{})
				if s.isStopping() {
					return
				}
				continue
			}
			s.flush(&b, input, peer)
			if !errors.Is(err, net.ErrClosed) {
				s.log.Error("syslog udp read", "err", err)
			}
			return
		}
		if drops, ok := droppedCount(oob[:oobn]); ok {
			if drops > lastDrops {
				s.mUDPDropped.Add(float64(drops - lastDrops))
			}
			lastDrops = drops
		}
		frames.Inc()
		data := buf[:n]
		if n > s.opts.MaxMessageBytes {
			oversize.Inc()
			meta := parse.Meta{Received: time.Now(), Peer: from.String(), Location: s.opts.Location}
			reason := fmt.Sprintf("syslog datagram of %d bytes exceeds max_message_bytes %d", n, s.opts.MaxMessageBytes)
			if err := s.sink.Reject(s.ctx, input, data, reason, meta); err != nil {
				s.log.Error("syslog udp reject not stored", "err", err)
			}
			continue
		}
		// One batch carries one peer so each event keeps its sender.
		if fromStr := from.String(); fromStr != peer {
			s.flush(&b, input, peer)
			peer = fromStr
		}
		b.add(data)
		if b.len() >= s.opts.BatchSize {
			s.flush(&b, input, peer)
			deadline = time.Time{}
			_ = s.udp.SetReadDeadline(time.Time{})
		}
	}
}

// isStopping reports whether Close has begun: loops then read only what is
// already queued (a short deadline) and return at the first quiet moment.
func (s *Server) isStopping() bool {
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}

func (s *Server) serveTCP() {
	defer s.wg.Done()
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Error("syslog tcp accept", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		s.connsMu.Lock()
		if len(s.conns) >= s.opts.MaxConns {
			s.connsMu.Unlock()
			s.mRefused.Inc()
			s.log.Warn("syslog tcp connection refused: max_connections reached", "peer", c.RemoteAddr().String(), "max", s.opts.MaxConns)
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.connsMu.Unlock()
		s.mConns.Inc()
		s.wg.Add(1)
		go s.serveConn(c)
	}
}

func (s *Server) serveConn(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		c.Close()
		s.connsMu.Lock()
		delete(s.conns, c)
		s.connsMu.Unlock()
		s.mConns.Dec()
	}()
	const input = "syslog-tcp"
	peer := c.RemoteAddr().String()
	frames := s.mFrames.WithLabelValues("tcp")
	oversize := s.mOversize.WithLabelValues("tcp")
	fr := NewFramer(c, s.opts.MaxMessageBytes)
	var b batch
	lastData := time.Now()
	for {
		wait := s.opts.IdleTimeout
		if b.len() > 0 || s.isStopping() {
			wait = s.opts.BatchDelay
		}
		_ = c.SetReadDeadline(time.Now().Add(wait))
		f, err := fr.Next()
		if err != nil {
			if isTimeout(err) {
				s.flush(&b, input, peer)
				stopping := s.isStopping()
				if stopping || time.Since(lastData) >= s.opts.IdleTimeout {
					if !stopping {
						s.log.Info("syslog tcp connection idle, closing", "peer", peer, "idle", s.opts.IdleTimeout)
					}
					if f, ok := fr.Drain(); ok {
						// Keep the half frame a hung or cut-off sender left.
						s.mPartial.Inc()
						s.reject(input, peer, f.Data, partialReason(f))
					}
					return
				}
				continue
			}
			s.flush(&b, input, peer)
			return
		}
		lastData = time.Now()
		frames.Inc()
		switch {
		case f.Oversize != 0:
			oversize.Inc()
			s.flush(&b, input, peer)
			reason := fmt.Sprintf("syslog message exceeds max_message_bytes %d; its first %d bytes are kept", s.opts.MaxMessageBytes, len(f.Data))
			if f.Oversize > 0 {
				reason = fmt.Sprintf("syslog message of %d bytes exceeds max_message_bytes %d; its first %d bytes are kept", f.Oversize, s.opts.MaxMessageBytes, len(f.Data))
			}
			s.reject(input, peer, f.Data, reason)
		case f.Partial:
			s.mPartial.Inc()
			s.flush(&b, input, peer)
			s.reject(input, peer, f.Data, partialReason(f))
		default:
			b.add(f.Data)
			if b.len() >= s.opts.BatchSize || len(b.arena) >= 4<<20 {
				s.flush(&b, input, peer)
			}
		}
	}
}

func (s *Server) reject(input, peer string, data []byte, reason string) {
	meta := parse.Meta{Received: time.Now(), Peer: peer, Location: s.opts.Location}
	if err := s.sink.Reject(s.ctx, input, data, reason, meta); err != nil {
		s.log.Error("syslog rejected record not stored", "peer", peer, "err", err)
	}
}

func partialReason(f Frame) string {
	if f.Declared > 0 {
		return fmt.Sprintf("connection ended inside an octet-counted frame: %d of %d bytes received", len(f.Data), f.Declared)
	}
	return fmt.Sprintf("connection ended inside a frame: %d bytes received", len(f.Data))
}
