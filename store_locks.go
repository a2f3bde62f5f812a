package keyfactor

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// storeLocks serializes, within one Client, the requests that schedule
// jobs on the same stores while their jobs are being found: the wire names
// no certificate in a job, so two such requests on one store at once
// could each take the other's job. Locks are taken in sorted order (no
// deadlock), and waiting for one ends with ctx.
type storeLocks struct {
	mu   sync.Mutex
	held map[string]chan struct{} // store id (lower case): closed on unlock
}

// lock takes the locks of the stores, and returns the function that
// releases them.
func (l *storeLocks) lock(ctx context.Context, ids []string) (unlock func(), err error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = strings.ToLower(id)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var taken []string
	unlock = func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, k := range taken {
			close(l.held[k])
			delete(l.held, k)
		}
	}
	for _, k := range keys {
		for {
			l.mu.Lock()
			if l.held == nil {
				l.held = map[string]chan struct{}{}
			}
			busy, ok := l.held[k]
			if !ok {
				l.held[k] = make(chan struct{})
				l.mu.Unlock()
				taken = append(taken, k)
				break
			}
			l.mu.Unlock()
			select {
			case <-busy:
			case <-ctx.Done():
				unlock()
				return nil, ctx.Err()
			}
		}
	}
	return unlock, nil
}
