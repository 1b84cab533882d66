package vfs

import (
	"errors"
	"io/fs"
	"sync"
	"sync/atomic"
)

// ErrInjected is the error an ErrorFS returns when it fails on purpose.
var ErrInjected = errors.New("vfs: injected error")

// Op names an operation an ErrorFS may fail.
type Op uint8

// The operations that can be made to fail.
const (
	OpWrite Op = iota + 1
	OpSync
	OpCreate
	OpRename
)

// ErrorFS wraps an FS and fails chosen operations on purpose, for tests of
// error handling (ENOSPC, failed fsync). It is safe for concurrent use.
type ErrorFS struct {
	FS
	mu   sync.Mutex
	fail map[Op]func(name string) bool
	// Injected counts the failures returned so far.
	Injected atomic.Int64
}

// NewErrorFS returns an ErrorFS over fsys that fails nothing yet.
func NewErrorFS(fsys FS) *ErrorFS { return &ErrorFS{FS: fsys, fail: map[Op]func(string) bool{}} }

// FailWhen makes op fail with ErrInjected whenever pred(path) is true; a nil
// pred stops failing op.
func (e *ErrorFS) FailWhen(op Op, pred func(name string) bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if pred == nil {
		delete(e.fail, op)
		return
	}
	e.fail[op] = pred
}

func (e *ErrorFS) check(op Op, name string) error {
	e.mu.Lock()
	pred := e.fail[op]
	e.mu.Unlock()
	if pred != nil && pred(name) {
		e.Injected.Add(1)
		return &fs.PathError{Op: "injected", Path: name, Err: ErrInjected}
	}
	return nil
}

// Create implements FS.
func (e *ErrorFS) Create(name string) (File, error) {
	if err := e.check(OpCreate, name); err != nil {
		return nil, err
	}
	f, err := e.FS.Create(name)
	if err != nil {
		return nil, err
	}
	return &errorFile{File: f, fs: e, name: name}, nil
}

// OpenAppend implements FS.
func (e *ErrorFS) OpenAppend(name string) (File, error) {
	f, err := e.FS.OpenAppend(name)
	if err != nil {
		return nil, err
	}
	return &errorFile{File: f, fs: e, name: name}, nil
}

// OpenDir implements FS.
func (e *ErrorFS) OpenDir(name string) (File, error) {
	f, err := e.FS.OpenDir(name)
	if err != nil {
		return nil, err
	}
	return &errorFile{File: f, fs: e, name: name}, nil
}

// Rename implements FS.
func (e *ErrorFS) Rename(oldname, newname string) error {
	if err := e.check(OpRename, newname); err != nil {
		return err
	}
	return e.FS.Rename(oldname, newname)
}

type errorFile struct {
	File
	fs   *ErrorFS
	name string
}

func (f *errorFile) Write(p []byte) (int, error) {
	if err := f.fs.check(OpWrite, f.name); err != nil {
		return 0, err
	}
	return f.File.Write(p)
}

func (f *errorFile) Sync() error {
	if err := f.fs.check(OpSync, f.name); err != nil {
		return err
	}
	return f.File.Sync()
}
