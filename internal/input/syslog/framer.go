package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Framer splits a syslog TCP stream into messages (RFC 6587): each frame is
// either octet-counted ("MSG-LEN SP MSG", recognized by a leading digit) or
// terminated by LF (non-transparent framing). The two may be mixed.
//
// A frame longer than max is cut: the first max bytes are returned with
// Oversize set, and the rest is skipped. A stream that ends inside a frame
// returns what was received with Partial set. Buffers are bounded by max.
type Framer struct {
	r   io.Reader
	max int
	buf []byte
	beg int // start of unconsumed data in buf
	end int // end of data in buf
	err error

	skipLF    bool // discarding the rest of an over-long LF frame
	skipBytes int  // discarding the rest of an over-long octet-counted frame
}

// Frame is one message from the stream.
type Frame struct {
	Data     []byte // valid until the next call to Next
	Oversize int    // >0: the frame's declared or observed length, larger than max; Data is its head
	Partial  bool   // the stream ended (or failed) inside this frame
	Declared int    // for a partial octet-counted frame, the length it announced
}

// maxLenDigits bounds the MSG-LEN field: more digits than this is no length.
const maxLenDigits = 10

// NewFramer reads frames of at most max bytes from r.
func NewFramer(r io.Reader, max int) *Framer {
	return &Framer{r: r, max: max, buf: make([]byte, 0, min(max+maxLenDigits+1, 64<<10))}
}

// Buffered reports whether unconsumed bytes are held (a frame in progress).
func (f *Framer) Buffered() bool { return f.end > f.beg }

// Next returns the next frame. It returns the reader's error (io.EOF at a
// clean end) once no frame is left. A read error that is a timeout (see
// net.Error) is returned without losing buffered bytes: Next may be called
// again after it.
func (f *Framer) Next() (Frame, error) {
	for {
		if fr, ok := f.frame(); ok {
			return fr, nil
		}
		if f.err != nil {
			err := f.err
			if !isTimeout(err) {
				if f.end > f.beg {
					// The stream ended inside a frame: hand over what came.
					return f.partial(), nil
				}
			} else {
				f.err = nil
			}
			return Frame{}, err
		}
		f.fill()
	}
}

// isTimeout reports whether err is a deadline expiry that may be retried.
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// Drain returns the bytes of an unfinished frame, for a connection being
// closed while its sender is silent; ok is false when nothing is pending.
func (f *Framer) Drain() (Frame, bool) {
	if f.end <= f.beg {
		return Frame{}, false
	}
	fr := f.partial()
	fr.Partial = true
	return fr, len(fr.Data) > 0
}

func (f *Framer) partial() Frame {
	data := f.buf[f.beg:f.end]
	f.beg, f.end = 0, 0
	fr := Frame{Data: data, Partial: true}
	if n, hdr, ok := octetHeader(data); ok && hdr > 0 {
		fr.Data = data[hdr:]
		fr.Declared = n
	} else if f.skipLF || f.skipBytes > 0 {
		fr.Partial = false
		fr.Data = nil
	} else if len(data) > 0 && data[len(data)-1] != '\n' {
		// A final LF-framed message without its LF is a whole message
		// from a sender that closed the connection: not partial.
		fr.Partial = false
	}
	f.skipLF, f.skipBytes = false, 0
	if len(fr.Data) > f.max {
		// Digits that never became an octet-count header.
		fr.Oversize = len(fr.Data)
		fr.Data = fr.Data[:f.max]
	}
	if len(fr.Data) == 0 && !fr.Partial {
		return Frame{}
	}
	return fr
}

// frame tries to cut one frame from the buffer.
func (f *Framer) frame() (Frame, bool) {
	for {
		data := f.buf[f.beg:f.end]
		if f.skipBytes > 0 {
			n := min(f.skipBytes, len(data))
			f.skipBytes -= n
			f.beg += n
			if f.skipBytes > 0 {
				return Frame{}, false
			}
			continue
		}
		if f.skipLF {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				f.beg = f.end
				return Frame{}, false
			}
			f.beg += i + 1
			f.skipLF = false
			continue
		}
		if len(data) == 0 {
			return Frame{}, false
		}
		if data[0] == '\n' || data[0] == '\r' || data[0] == 0 {
			f.beg++ // stray terminators between frames
			continue
		}
		if n, hdr, ok := octetHeader(data); ok {
			if hdr == 0 {
				return Frame{}, false // header incomplete
			}
			if n > f.max {
				if len(data)-hdr < f.max {
					return Frame{}, false
				}
				fr := Frame{Data: data[hdr : hdr+f.max], Oversize: n}
				f.beg += hdr + f.max
				f.skipBytes = n - f.max
				return fr, true
			}
			if len(data)-hdr < n {
				return Frame{}, false
			}
			fr := Frame{Data: data[hdr : hdr+n]}
			f.beg += hdr + n
			return fr, true
		}
		i := bytes.IndexByte(data, '\n')
		if i >= 0 && i <= f.max {
			f.beg += i + 1
			return Frame{Data: data[:i]}, true
		}
		if len(data) >= f.max {
			fr := Frame{Data: data[:f.max], Oversize: -1}
			if i >= 0 {
				fr.Oversize = i
				f.beg += i + 1
			} else {
				f.beg = f.end
				f.skipLF = true
			}
			return fr, true
		}
		return Frame{}, false
	}
}

// octetHeader parses "MSG-LEN SP" at the start of data. ok is false when the
// data does not start like an octet count (then it is LF-framed); hdr is 0
// when more bytes are needed to tell.
func octetHeader(data []byte) (n, hdr int, ok bool) {
	if len(data) == 0 || data[0] < '1' || data[0] > '9' {
		return 0, 0, false
	}
	for i := 0; i < len(data) && i <= maxLenDigits; i++ {
		c := data[i]
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int(c-'0')
		case c == ' ' && i > 0:
			return n, i + 1, true
		default:
			return 0, 0, false
		}
	}
	if len(data) > maxLenDigits {
		return 0, 0, false
	}
	return 0, 0, true
}

// fill reads more data, compacting or growing the buffer within its bound.
func (f *Framer) fill() {
	if f.beg > 0 && (f.beg == f.end || f.end == cap(f.buf)) {
		copy(f.buf[:cap(f.buf)], f.buf[f.beg:f.end])
		f.end -= f.beg
		f.beg = 0
	}
	if f.end == cap(f.buf) {
		limit := f.max + maxLenDigits + 1
		if cap(f.buf) >= limit {
			// Cannot happen: frame() always consumes a full buffer.
			f.err = fmt.Errorf("syslog framer: buffer full at %d bytes", cap(f.buf))
			return
		}
		nb := make([]byte, f.end, min(limit, 2*cap(f.buf)))
		copy(nb, f.buf[:f.end])
		f.buf = nb
	}
	n, err := f.r.Read(f.buf[f.end:cap(f.buf)])
	f.buf = f.buf[:cap(f.buf)]
	f.end += n
	if err != nil {
		f.err = err
	}
}
