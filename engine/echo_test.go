package engine

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"sluice/engine/echo"
)

func TestEchoBasic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 2, nil)
		f := &echo.Factory{Greeting: "HELLO\r\n"}
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", f))
		c := dial(t, "tcp", addrOf(t, e, "echo"))
		if got := c.line(t); got != "HELLO" {
			t.Fatalf("greeting %q", got)
		}
		c.send(t, "one\r\ntwo\r\nthr")
		if a, b := c.line(t), c.line(t); a != "one" || b != "two" {
			t.Fatalf("got %q %q", a, b)
		}
		c.send(t, "ee\r\nQUIT\r\n")
		if a, b := c.line(t), c.line(t); a != "three" || b != "BYE" {
			t.Fatalf("got %q %q", a, b)
		}
		c.expectEOF(t)
		eventually(t, 2e9, "conn closed", func() bool { return openConns(e) == 0 })
	})
}

func TestIPv6Listen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 2, nil)
		s := tcpSpec("v6", "[::1]:0", &echo.Factory{})
		s.V6Only = true
		apply(t, e, 1, s)
		addr := addrOf(t, e, "v6")
		c := dial(t, "tcp", addr)
		c.send(t, "six\n")
		if got := c.line(t); got != "six" {
			t.Fatalf("got %q", got)
		}
		cs := e.Conns()
		if len(cs) != 1 || cs[0].Peer != c.LocalAddr().String() {
			t.Fatalf("conns %+v, client %s", cs, c.LocalAddr())
		}
	})
}

// TestWildcardsCoexist: the IPv4 and the v6-only IPv6 wildcard on one port.
func TestWildcardsCoexist(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 2, nil)
		p := freePort(t)
		f := &echo.Factory{}
		v6 := tcpSpec("v6", "[::]:"+p, f)
		v6.V6Only = true
		apply(t, e, 1, tcpSpec("v4", "0.0.0.0:"+p, f), v6)
		ping(t, "tcp", "127.0.0.1:"+p)
		ping(t, "tcp", "[::1]:"+p)
	})
}

func TestPinCPUs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e, err := New(Options{Workers: 2, Backend: backend, PinCPUs: true, Log: testLog(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Shutdown(t.Context())
		for i, w := range e.workers {
			ch := make(chan unix.CPUSet, 1)
			w.post(func(*worker) {
				var set unix.CPUSet
				unix.SchedGetaffinity(0, &set)
				ch <- set
			})
			set := <-ch
			if set.Count() != 1 || !set.IsSet(i%runtime.NumCPU()) {
				t.Fatalf("worker %d runs on %d CPUs", i, set.Count())
			}
		}
	})
}
