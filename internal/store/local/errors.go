package local

import (
	"errors"
	"fmt"
)

// corruptionError marks data on disk that is not what the store wrote: a bad
// checksum or an impossible encoding in the middle of a WAL segment or part.
type corruptionError struct {
	path string
	off  int64
	msg  string
	err  error
}

func (e *corruptionError) Error() string {
	s := "corruption"
	if e.path != "" {
		s += " in " + e.path
	}
	if e.off >= 0 {
		s += fmt.Sprintf(" at offset %d", e.off)
	}
	s += ": " + e.msg
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

func (e *corruptionError) Unwrap() error { return e.err }

// IsCorruption reports whether err (or an error it wraps) reports corrupt
// data on disk, as opposed to an I/O failure or a bad argument. Corruption is
// never skipped silently: Open and Search return it.
func IsCorruption(err error) bool {
	var ce *corruptionError
	return errors.As(err, &ce)
}

// corruptf builds a corruption error; off < 0 means no offset is known.
func corruptf(path string, off int64, format string, args ...any) error {
	return &corruptionError{path: path, off: off, msg: fmt.Sprintf(format, args...)}
}

// errFormat is the cause of a decoding failure inside an in-memory buffer;
// callers wrap it with the file and offset it came from.
var errFormat = errors.New("malformed encoding")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errFormat, fmt.Sprintf(format, args...))
}

// withPath turns a decoding failure into a corruption error naming where the
// bytes came from; other errors are returned unchanged.
func withPath(err error, path string, off int64) error {
	if err == nil || IsCorruption(err) {
		return err
	}
	if errors.Is(err, errFormat) {
		return &corruptionError{path: path, off: off, msg: "bad data", err: err}
	}
	return err
}
