package ingest

import (
	"context"
	"sync"
)

// Limiter bounds the bytes being ingested at once, so overload turns into
// back-pressure (blocked readers, HTTP 429) instead of unbounded memory.
type Limiter struct {
	mu    sync.Mutex
	cond  *sync.Cond
	max   int64
	inUse int64
}

// NewLimiter allows up to max bytes in flight.
func NewLimiter(max int64) *Limiter {
	l := &Limiter{max: max}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// TryAcquire reserves n bytes if they are free now. A request larger than
// the whole budget is granted when nothing else is in flight.
func (l *Limiter) TryAcquire(n int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inUse+n > l.max && l.inUse > 0 {
		return false
	}
	l.inUse += n
	return true
}

// Acquire waits until n bytes are free or ctx ends.
func (l *Limiter) Acquire(ctx context.Context, n int64) error {
	stop := context.AfterFunc(ctx, func() {
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	defer stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.inUse+n > l.max && l.inUse > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.cond.Wait()
	}
	l.inUse += n
	return nil
}

// Release returns n bytes.
func (l *Limiter) Release(n int64) {
	l.mu.Lock()
	l.inUse -= n
	l.cond.Broadcast()
	l.mu.Unlock()
}

// InUse returns the bytes in flight.
func (l *Limiter) InUse() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inUse
}
