package keyfactor

import (
	"context"
	"strings"
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

// TestNameKeyFoldsAsEqualFold: two names share a key exactly when
// strings.EqualFold holds, so prune, plan and the duplicate check agree.
func TestNameKeyFoldsAsEqualFold(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"Sales", "sales", true}, {"ſales", "Sales", true}, {"K", "\u212a", true}, // Kelvin sign
		{"Ops", "Ops ", false}, {"Ops", "Ops\r", false}, {"ß", "ss", false},
	} {
		if got := nameKey(tt.a) == nameKey(tt.b); got != tt.same || got != strings.EqualFold(tt.a, tt.b) {
			t.Errorf("%q ~ %q: %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

func FuzzNameKey(f *testing.F) {
	f.Add("Sales", "ſALES")
	f.Add("Ops", "ops\r")
	f.Fuzz(func(t *testing.T, a, b string) {
		if (nameKey(a) == nameKey(b)) != strings.EqualFold(a, b) {
			t.Fatalf("nameKey and EqualFold disagree on %q and %q", a, b)
		}
	})
}

func TestCheckNameRefusesWhatComparesTwoWays(t *testing.T) {
	for name, bad := range map[string]bool{"Ops": false, "PKI Operators (EU)": false, "ſales": false,
		"": true, " ": true, "Ops ": true, " Ops": true, "Ops\r": true, "O\x00ps": true, "Ops\u0085": true} {
		v := newValidator("t")
		checkName(v, "Name", name)
		if (v.err() != nil) != bad {
			t.Errorf("%q: %v", name, v.err())
		}
	}
}
