package keyfactor

import (
	"context"
	"errors"
	"testing"
)

func TestStoreLocks(t *testing.T) {
	var l storeLocks
	ctx := context.Background()
	unlockA, err := l.lock(ctx, []string{"B-store", "a-store", "A-STORE"})
	if err != nil {
		t.Fatal(err)
	}
	// A lock on a store already held waits; its ctx ends the wait, and
	// what it took on the way is released.
	short, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.lock(short, []string{"c-store", "b-store"}); !errors.Is(err, context.Canceled) {
		t.Errorf("held store: %v", err)
	}
	unlockC, err := l.lock(ctx, []string{"c-store"})
	if err != nil {
		t.Fatalf("c-store was not released: %v", err)
	}
	unlockC()
	got := make(chan error, 1)
	go func() {
		unlock, err := l.lock(ctx, []string{"a-store"})
		if err == nil {
			unlock()
		}
		got <- err
	}()
	unlockA()
	if err := <-got; err != nil {
		t.Error(err)
	}
	if len(l.held) != 0 {
		t.Errorf("still held: %v", l.held)
	}
}
