package keyfactor

import (
	"context"
	"sync"
)

// keyLocks is a mutex per key (a role id), taken with a context so that a
// caller waiting for another's read-change-write gives up when its own
// context ends. Keys are forgotten once nobody holds or waits for them.
type keyLocks[K comparable] struct {
	mu sync.Mutex
	m  map[K]*keyLock
}

type keyLock struct {
	held chan struct{} // a token in the channel: someone holds the lock
	refs int           // holders and waiters
}

// lock takes k's lock, or returns ctx's error if ctx ends first. The
// returned function releases it.
func (l *keyLocks[K]) lock(ctx context.Context, k K) (unlock func(), err error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[K]*keyLock{}
	}
	e := l.m[k]
	if e == nil {
		e = &keyLock{held: make(chan struct{}, 1)}
		l.m[k] = e
	}
	e.refs++
	l.mu.Unlock()
	release := func() {
		l.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(l.m, k)
		}
		l.mu.Unlock()
	}
	select {
	case e.held <- struct{}{}:
		return func() { <-e.held; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
