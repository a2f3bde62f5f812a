package keyfactor

import (
	"context"
	"sync/atomic"
	"testing"
)

// TestForEachStartsAPrefix: whenever the context ends, f has run for exactly
// 0..started-1, never for more at once than the workers.
func TestForEachStartsAPrefix(t *testing.T) {
	for round := range 200 {
		ctx, cancel := context.WithCancel(context.Background())
		const n, workers = 100, 5
		var ran [n]atomic.Bool
		var inflight, peak, calls atomic.Int32
		stopAt := int32(round % n) // 0: never
		started := forEach(ctx, n, workers, func(i int) {
			now := inflight.Add(1)
			defer inflight.Add(-1)
			for old := peak.Load(); now > old && !peak.CompareAndSwap(old, now); old = peak.Load() {
			}
			ran[i].Store(true)
			if calls.Add(1) == stopAt {
				cancel()
			}
		})
		cancel()
		for i := range n {
			if ran[i].Load() != (i < started) {
				t.Fatalf("round %d: started %d, but index %d ran=%v", round, started, i, ran[i].Load())
			}
		}
		if peak.Load() > workers {
			t.Fatalf("round %d: %d at once, want at most %d", round, peak.Load(), workers)
		}
	}
}
