package throttle

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
)

var t0 = time.Unix(1_800_000_000, 0)

func addr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}

// TestRateWindow: N events fit in a fixed window; the next is refused with
// the time left; a new window starts fresh; sources and scopes are apart.
func TestRateWindow(t *testing.T) {
	tb := New(0)
	k := Key{Kind: Messages, Scope: "esmtp_listener", Addr: addr(1)}
	for i := 0; i < 3; i++ {
		if ok, _ := tb.Rate(k, 3, time.Minute, t0.Add(time.Duration(i)*time.Second)); !ok {
			t.Fatalf("event %d refused", i)
		}
	}
	ok, retry := tb.Rate(k, 3, time.Minute, t0.Add(10*time.Second))
	if ok || retry != 50*time.Second {
		t.Fatalf("4th: ok %v retry %v", ok, retry)
	}
	other := k
	other.Addr = addr(2)
	if ok, _ := tb.Rate(other, 3, time.Minute, t0.Add(10*time.Second)); !ok {
		t.Fatal("another source was refused")
	}
	scoped := k
	scoped.Scope = "esmtp_listener peer 10.0.0.0/8"
	if ok, _ := tb.Rate(scoped, 3, time.Minute, t0.Add(10*time.Second)); !ok {
		t.Fatal("the same source under another scope was refused")
	}
	if ok, _ := tb.Rate(k, 3, time.Minute, t0.Add(61*time.Second)); !ok {
		t.Fatal("refused in the next window")
	}
	if tb.Refused[Messages].Load() != 1 || tb.Allowed[Messages].Load() != 6 {
		t.Fatalf("counters allowed %d refused %d", tb.Allowed[Messages].Load(), tb.Refused[Messages].Load())
	}
	top := tb.Top(10, t0.Add(61*time.Second))
	if len(top) == 0 || top[0].Key != k || top[0].Refused != 1 {
		t.Fatalf("top %+v", top)
	}
}

func TestConcurrent(t *testing.T) {
	tb := New(0)
	k := Key{Kind: Concurrent, Addr: addr(1)}
	if !tb.Enter(k, 2) || !tb.Enter(k, 2) || tb.Enter(k, 2) {
		t.Fatal("max 2 not enforced")
	}
	tb.Leave(k)
	if !tb.Enter(k, 2) {
		t.Fatal("slot not given back")
	}
	tb.Leave(k)
	tb.Leave(k)
	tb.Leave(k) // one too many: must not go negative
	if !tb.Enter(k, 1) || tb.Enter(k, 1) {
		t.Fatal("count went wrong after an extra Leave")
	}
}

// TestBounded: a million distinct sources never hold more than the bound;
// finished windows make room again; the overflow is let through and
// counted.
func TestBounded(t *testing.T) {
	const bound = 4096
	tb := New(bound)
	n := 1_000_000
	if testing.Short() || raceBuild {
		n = 100_000
	}
	for i := 0; i < n; i++ {
		k := Key{Kind: Connections, Addr: addr(i)}
		if ok, _ := tb.Rate(k, 1, time.Second, t0); !ok {
			t.Fatalf("first event of source %d refused", i)
		}
	}
	if l := tb.Len(); l > bound+nShards {
		t.Fatalf("%d sources tracked, bound %d", l, bound)
	}
	if tb.Untracked.Load() == 0 {
		t.Fatal("overflow not counted")
	}
	// A second later every window is over: new sources are tracked again.
	k := Key{Kind: Connections, Addr: netip.MustParseAddr("192.0.2.1")}
	tb.Rate(k, 1, time.Second, t0.Add(2*time.Second))
	if ok, _ := tb.Rate(k, 1, time.Second, t0.Add(2*time.Second)); ok {
		t.Fatal("a source was not tracked after the sweep")
	}
}

// TestParallel hammers one key from many goroutines: exactly max enter.
func TestParallel(t *testing.T) {
	tb := New(0)
	k := Key{Kind: Concurrent, Addr: addr(7)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if tb.Enter(k, 10) {
					mu.Lock()
					got++
					mu.Unlock()
				}
				tb.Rate(Key{Kind: Messages, Addr: addr(i)}, 5, time.Second, time.Now())
			}
		}()
	}
	wg.Wait()
	if got != 10 {
		t.Fatalf("%d entered, max 10", got)
	}
}

func BenchmarkRate(b *testing.B) {
	tb := New(0)
	keys := make([]Key, 1024)
	for i := range keys {
		keys[i] = Key{Kind: Messages, Scope: fmt.Sprint("esmtp_listener listen 0.0.0.0:25"), Addr: addr(i)}
	}
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			tb.Rate(keys[i&1023], 1<<40, time.Minute, now)
			i++
		}
	})
}

// BenchmarkAllowMessage: what one MAIL pays for Inbound_Throttle_Messages,
// one goroutine, 1024 rotating sources (policy lookup, hash, lock, map).
func BenchmarkAllowMessage(b *testing.B) {
	pl := Policy{L: New(0)}
	p := config.NewPolicy("ESMTP_Listener", "0.0.0.0:25", map[string]*config.Value{
		"inbound_throttle_messages": {Kind: config.KindThrottle, Int: 1 << 40, Dur: time.Minute, Scope: "esmtp_listener"}})
	conns := make([]proto.ConnInfo, 1024)
	for i := range conns {
		conns[i] = proto.ConnInfo{Policy: p, Remote: netip.AddrPortFrom(addr(i), 25)}
	}
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		pl.AllowMessage(&conns[i&1023], now)
		i++
	}
}
