package engine

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"sluice/engine/echo"
	"sluice/proto"
)

// TestApplyLifecycle: add, remove and disable Listens and swap a Listen
// between a specific address and the wildcard, each in one Apply, while
// established connections keep working.
func TestApplyLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 2, nil)
		f := &echo.Factory{}
		p, q := freePort(t), freePort(t)
		spec1 := tcpSpec("a 127.0.0.1", "127.0.0.1:"+p, f)
		wild := tcpSpec("a 0.0.0.0", "0.0.0.0:"+p, f)
		keep := tcpSpec("keep", "127.0.0.1:"+q, f)
		apply(t, e, 1, spec1, keep)
		x, y := dial(t, "tcp", "127.0.0.1:"+q), dial(t, "tcp", "127.0.0.1:"+p)
		talk := func(c *client, s string) {
			t.Helper()
			c.send(t, s+"\n")
			if got := c.line(t); got != s {
				t.Fatalf("got %q want %q", got, s)
			}
		}
		talk(x, "x1")
		talk(y, "y1")
		if !refused("tcp", "127.0.0.2:"+p) {
			t.Fatal("specific Listen answers on another address")
		}

		apply(t, e, 2, wild, keep) // specific -> wildcard in one Apply
		ping(t, "tcp", "127.0.0.2:"+p)
		ping(t, "tcp", "127.0.0.1:"+p)
		talk(x, "x2")
		talk(y, "y2")

		apply(t, e, 3, spec1, keep) // and back
		ping(t, "tcp", "127.0.0.1:"+p)
		if !refused("tcp", "127.0.0.2:"+p) {
			t.Fatal("wildcard still bound after the swap back")
		}
		talk(x, "x3")

		r := freePort(t)
		added := tcpSpec("b", "127.0.0.1:"+r, f)
		off := keep
		off.Enabled = false
		apply(t, e, 4, spec1, off, added) // add b, disable keep
		ping(t, "tcp", "127.0.0.1:"+r)
		if !refused("tcp", "127.0.0.1:"+q) {
			t.Fatal("disabled Listen still accepts")
		}
		talk(x, "x4") // accepted on keep before it was disabled

		apply(t, e, 5, spec1) // remove b and keep
		if !refused("tcp", "127.0.0.1:"+r) {
			t.Fatal("removed Listen still accepts")
		}
		talk(x, "x5")
		talk(y, "y5")
		if n := len(e.Listeners()); n != 1 {
			t.Fatalf("%d listens after removal", n)
		}
		// a policy-only change keeps the socket
		spec1.Service = "OTHER"
		apply(t, e, 6, spec1)
		talk(y, "y6")
		if e.Generation() != 6 {
			t.Fatalf("generation %d", e.Generation())
		}
	})
}

// TestApplyBindFailure: a Listen that cannot be bound is reported with the
// cause and kept as failed; the others apply.
func TestApplyBindFailure(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		busy, err := net.Listen("tcp", "127.0.0.1:0") // no SO_REUSEPORT: a real conflict
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		e := newEngine(t, backend, 1, nil)
		f := &echo.Factory{}
		err = e.Apply(&Spec{Generation: 1, Listens: []ListenSpec{
			tcpSpec("busy", busy.Addr().String(), f),
			tcpSpec("ok", "127.0.0.1:0", f),
			tcpSpec("foreign", "192.0.2.1:2525", f),
		}})
		if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), "not an address of this host") {
			t.Fatalf("error %v", err)
		}
		ping(t, "tcp", addrOf(t, e, "ok"))
		for _, l := range e.Listeners() {
			if l.Key != "ok" && (l.State != "failed" || l.Reason == "") {
				t.Fatalf("%+v", l)
			}
		}
	})
}

// TestShutdown: sessions hear about the drain at their next command; one
// that never speaks is closed at the deadline.
func TestShutdown(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e, err := New(Options{Workers: 2, Backend: backend, Log: testLog(t)})
		if err != nil {
			t.Fatal(err)
		}
		f := &echo.Factory{}
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", f))
		addr := addrOf(t, e, "echo")
		talker, mute := dial(t, "tcp", addr), dial(t, "tcp", addr)
		talker.send(t, "hi\n")
		talker.line(t)
		// The mute client's handshake may still sit in the kernel backlog:
		// shutting down then would drop it with the listen socket.
		eventually(t, 2*time.Second, "both connections accepted", func() bool { return len(e.Conns()) == 2 })
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- e.Shutdown(ctx) }()
		eventually(t, time.Second, "draining", func() bool { return e.down.Load() })
		// The workers close their listen sockets on their own threads just
		// after the flag flips; a busy machine may take a moment.
		eventually(t, 2*time.Second, "refusing while draining", func() bool { return refused("tcp", addr) })
		var cs []ConnState
		for end := time.Now().Add(2 * time.Second); len(cs) != 2; time.Sleep(5 * time.Millisecond) {
			if cs = e.Conns(); len(cs) != 2 && time.Now().After(end) {
				t.Fatalf("Conns while draining: %+v", cs)
			}
		}
		talker.send(t, "more\n")
		if got := talker.line(t); got != "421 shutting down" {
			t.Fatalf("got %q", got)
		}
		talker.expectEOF(t)
		mute.expectEOF(t)
		if err := <-done; err == nil || !strings.Contains(err.Error(), "1 connections left") {
			t.Fatalf("shutdown: %v", err)
		}
		if f.Closed[proto.CloseShutdown].Load() != 1 || f.Closed[proto.CloseProtocol].Load() != 1 {
			t.Fatalf("closes %v %v", f.Closed[proto.CloseShutdown].Load(), f.Closed[proto.CloseProtocol].Load())
		}
		if e.Conns() != nil {
			t.Fatal("Conns after shutdown")
		}
	})
}

func TestConnsAndGo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 2, nil)
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", &echo.Factory{}))
		c := dial(t, "tcp", addrOf(t, e, "echo"))
		c.send(t, "GO hello\nafter\n")
		if a, b := c.line(t), c.line(t); a != "GO hello" || b != "after" {
			t.Fatalf("got %q %q", a, b)
		}
		cs := e.Conns()
		if len(cs) != 1 || cs[0].Listen != "127.0.0.1:0" || cs[0].State != "reading" || cs[0].Peer != c.LocalAddr().String() {
			t.Fatalf("conns %+v (client %s)", cs, c.LocalAddr())
		}
	})
}
