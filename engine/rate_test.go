package engine

import (
	"testing"
	"time"
)

// TestCreditDeadline: the Postfix min-data-rate arithmetic. A trickle below
// the rate runs out after about idle; a faster client stays at now+idle.
func TestCreditDeadline(t *testing.T) {
	const s = int64(time.Second)
	idle := 300 * s
	cases := []struct {
		now, cur int64
		n        int
		want     int64
	}{
		{0, 0, 0, 300 * s},                  // no deadline yet: now + idle
		{10 * s, 300 * s, 500, 301 * s},     // 500 B at 500 B/s earn one second
		{10 * s, 300 * s, 1 << 20, 310 * s}, // capped at now + idle
		{10 * s, 400 * s, 0, 310 * s},       // a deadline past the cap is pulled in
	}
	for _, c := range cases {
		if got := creditDeadline(c.now, c.cur, idle, c.n, 500); got != c.want {
			t.Errorf("creditDeadline(%d, %d, n=%d) = %d, want %d", c.now/s, c.cur/s, c.n, got/s, c.want/s)
		}
	}
	// One byte per second from t=0: the deadline falls behind the clock.
	dl, now := int64(0), int64(0)
	for dl == 0 || now < dl {
		dl = creditDeadline(now, dl, idle, 1, 500)
		now += s
		if now > 3*idle {
			t.Fatal("a 1 B/s trickle outlived 3 × Idle_Time")
		}
	}
	if now < idle {
		t.Fatalf("the trickle ran out after %d s, before Idle_Time", now/s)
	}
	// 10 KB/s for 1000 s (a 10 MB message) never runs out.
	dl = 0
	for now = 0; now < 1000*s; now += s {
		if dl != 0 && now >= dl {
			t.Fatalf("a 10 KB/s client ran out at %d s", now/s)
		}
		dl = creditDeadline(now, dl, idle, 10<<10, 500)
	}
}
