package engine

import (
	"math/rand/v2"
	"testing"
)

// TestWheel: every armed conn fires no earlier than its deadline and no later
// than one tick after it; cancelled ones never fire; long deadlines (beyond
// one revolution) are re-filed until due.
func TestWheel(t *testing.T) {
	var w wheel
	w.init(0)
	const n = 2000
	conns := make([]*conn, n)
	fired := make([]int64, n)
	idx := map[*conn]int{}
	for i := range conns {
		c := &conn{}
		c.tl.slot = -1
		c.deadline = rand.Int64N(20e9) + 1 // up to 20 s: several revolutions
		conns[i], idx[c] = c, i
		w.arm(c, c.deadline)
	}
	for i := 0; i < n; i += 7 {
		w.cancel(conns[i])
		conns[i].deadline = 0
	}
	w.cancel(conns[0]) // cancelling twice is a no-op
	for now := int64(0); now <= 21e9; now += 3e6 {
		w.expire(now, func(c *conn) {
			if c.deadline > now {
				w.arm(c, c.deadline)
				return
			}
			fired[idx[c]] = now
		})
		if d := w.next(now); d < -1 {
			t.Fatalf("next %d", d)
		}
	}
	for i, c := range conns {
		switch {
		case c.deadline == 0 && fired[i] != 0:
			t.Fatalf("cancelled conn %d fired", i)
		case c.deadline != 0 && (fired[i] < c.deadline || fired[i] > c.deadline+wheelTick+3e6):
			t.Fatalf("conn %d: deadline %d fired %d", i, c.deadline, fired[i])
		}
	}
	if w.n != 0 || w.next(0) != -1 {
		t.Fatalf("%d left in the wheel", w.n)
	}
}
