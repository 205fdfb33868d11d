package engine

import (
	"context"
	"testing"
	"time"

	"sluice/acl"
	"sluice/config"
	"sluice/engine/echo"
	"sluice/throttle"
)

func throttleVal(n int64, per time.Duration, scope string) *config.Value {
	return &config.Value{Kind: config.KindThrottle, Int: n, Dur: per, Scope: scope}
}

// TestConnLimits: per source address, the second concurrent connection and
// the fourth within the window are refused with the protocol's line, while
// another source keeps connecting; a closed connection gives its slot back.
func TestConnLimits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		tb := throttle.New(0)
		e, err := New(Options{Workers: 2, Backend: backend, Log: testLog(t), Limiter: tb})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			e.Shutdown(ctx)
		})
		f := &echo.Factory{Greeting: "HELLO\r\n"}
		port := freePort(t)
		s := tcpSpec("echo", "0.0.0.0:"+port, f)
		s.Peers = fixedPeers{&acl.Match{Policy: config.NewPolicy("Echo_Listener", "", map[string]*config.Value{
			"inbound_concurrent_connections": intVal(1, "echo_listener"),
			"inbound_throttle_connections":   throttleVal(3, time.Minute, "echo_listener"),
		})}}
		apply(t, e, 1, s)
		to := "127.0.0.1:" + port
		a := dialFrom(t, "127.0.0.2", to)
		if got := a.line(t); got != "HELLO" {
			t.Fatalf("first: %q", got)
		}
		if got := dialFrom(t, "127.0.0.2", to).line(t); got != "BUSY rate" {
			t.Fatalf("second concurrent: %q", got)
		}
		b := dialFrom(t, "127.0.0.3", to) // another source is not limited by it
		if got := b.line(t); got != "HELLO" {
			t.Fatalf("other source: %q", got)
		}
		b.Close()
		a.send(t, "QUIT\n")
		a.line(t)
		a.expectEOF(t)
		// The slot comes back. Every attempt counts against the rate (as
		// Postfix counts them), the refused one too: this is the third.
		eventually(t, 5*time.Second, "the concurrency slot back", func() bool {
			for _, st := range tb.Top(10, time.Now()) {
				if st.Key.Kind == throttle.Concurrent && st.Count != 0 {
					return false
				}
			}
			return true
		})
		third := dialFrom(t, "127.0.0.2", to)
		if got := third.line(t); got != "HELLO" {
			t.Fatalf("after close: %q", got)
		}
		third.send(t, "QUIT\n")
		third.line(t)
		third.expectEOF(t)
		if got := dialFrom(t, "127.0.0.2", to).line(t); got != "BUSY rate" {
			t.Fatalf("fourth in the window: %q", got)
		}
		if tb.Refused[throttle.Connections].Load() != 1 {
			t.Fatalf("rate refusals %d, want 1", tb.Refused[throttle.Connections].Load())
		}
		if tb.Refused[throttle.Concurrent].Load() < 1 {
			t.Fatal("no concurrency refusal counted")
		}
	})
}

// BenchmarkAcceptLimits: connect, "QUIT", "BYE", close per op (8 clients,
// one worker) with the per-source connection limits off and on (limits
// never reached, so every accept pays the rate count and the concurrency
// slot), in one run.
func BenchmarkAcceptLimits(b *testing.B) {
	for _, backend := range backends {
		for _, on := range []bool{false, true} {
			name := backend + "/off"
			if on {
				name = backend + "/on"
			}
			b.Run(name, func(b *testing.B) {
				if ok, why := uringUsable(); backend == "io_uring" && !ok {
					b.Skipf("io_uring unusable: %s", why)
				}
				o := Options{Workers: 1, Backend: backend, Log: testLog(b)}
				s := tcpSpec("bench", "127.0.0.1:0", &echo.Factory{})
				if on {
					o.Limiter = throttle.New(0)
					s.Peers = fixedPeers{&acl.Match{Policy: config.NewPolicy("Echo_Listener", "", map[string]*config.Value{
						"inbound_concurrent_connections": intVal(1<<30, "echo_listener"),
						"inbound_throttle_connections":   throttleVal(1<<40, time.Minute, "echo_listener"),
					})}}
				}
				e, err := New(o)
				if err != nil {
					b.Fatal(err)
				}
				defer e.Shutdown(context.Background())
				apply(b, e, 1, s)
				runLoad(b, "accept", addrOf(b, e, "bench"), 8)
			})
		}
	}
}
