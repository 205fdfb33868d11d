package cluster

import (
	"testing"
	"time"
)

// Two nodes' rate tables exchanging gossip: together they admit the limit,
// a window that ends frees it, and only changed keys travel between full
// snapshots.
func TestRatesAcrossNodes(t *testing.T) {
	a, b := newRates(), newRates()
	now := time.Unix(1000, 0)
	exchange := func() {
		b.put("a", a.snapshot(now), now)
		a.put("b", b.snapshot(now), now)
	}
	for i := 0; i < 6; i++ {
		if ok, _, _ := a.take("k", 10, time.Minute, now); !ok {
			t.Fatalf("a refused message %d", i)
		}
	}
	exchange()
	for i := 0; i < 4; i++ {
		if ok, _, _ := b.take("k", 10, time.Minute, now); !ok {
			t.Fatalf("b refused message %d with 6 counted on a", i)
		}
	}
	ok, retry, _ := b.take("k", 10, time.Minute, now)
	if ok || retry != time.Minute {
		t.Fatalf("b admitted the 11th message (ok %v, retry %v)", ok, retry)
	}
	exchange()
	if ok, _, _ := a.take("k", 10, time.Minute, now); ok {
		t.Fatal("a admitted the 11th message after the exchange")
	}
	if ok, _, _ := a.take("other", 10, time.Minute, now); !ok {
		t.Fatal("another key is limited")
	}
	// Only the changed key goes out before the next full snapshot.
	a.lastFull = now
	if s := a.snapshot(now.Add(50 * time.Millisecond)); len(s) != 1 || s["other"].N != 1 {
		t.Fatalf("the changed key: %v", s)
	}
	if s := a.snapshot(now.Add(100 * time.Millisecond)); len(s) != 0 {
		t.Fatalf("unchanged keys gossiped again: %v", s)
	}
	// The windows end: both admit again.
	later := now.Add(time.Minute + time.Second)
	if ok, _, _ := a.take("k", 10, time.Minute, later); !ok {
		t.Fatal("a still refuses after the window")
	}
	if ok, _, _ := b.take("k", 10, time.Minute, later); !ok {
		t.Fatal("b still refuses after a's window ended")
	}
}
