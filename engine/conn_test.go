package engine

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/engine/echo"
	"sluice/proto"
)

// TestManyConnections: 10,000 connections opened and closed by concurrent
// clients leave no fd and no goroutine behind.
func TestManyConnections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		fds0, gor0 := countFds(t), goroutines()
		e := newEngine(t, backend, 2, nil)
		f := &echo.Factory{}
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", f))
		addr := addrOf(t, e, "echo")
		fdsUp := countFds(t)
		const clients, each = 50, 200
		var wg sync.WaitGroup
		var fails atomic.Int64
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				buf := make([]byte, 64)
				for j := 0; j < each; j++ {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						fails.Add(1)
						continue
					}
					c.SetDeadline(time.Now().Add(10 * time.Second))
					msg := fmt.Sprintf("c%d-%d\n", i, j)
					if j%2 == 0 {
						msg += "QUIT\n" // server closes first on half of them
					}
					io.WriteString(c, msg)
					n, err := io.ReadAtLeast(c, buf, len(fmt.Sprintf("c%d-%d\n", i, j)))
					if err != nil || !strings.HasPrefix(string(buf[:n]), fmt.Sprintf("c%d-%d\n", i, j)) {
						fails.Add(1)
					}
					c.Close()
				}
			}(i)
		}
		wg.Wait()
		if n := fails.Load(); n != 0 {
			t.Fatalf("%d of %d connections failed", n, clients*each)
		}
		eventually(t, 10*time.Second, "all conns closed", func() bool { return openConns(e) == 0 })
		if got := f.Started.Load(); got != clients*each {
			t.Fatalf("sessions started %d, want %d", got, clients*each)
		}
		eventually(t, 2*time.Second, "fds back to the bound level", func() bool { return countFds(t) == fdsUp })
		var accepted uint64
		for _, wc := range e.Counters() {
			for _, l := range wc.Listens {
				accepted += l.Counters.Accepted.Load()
			}
		}
		if accepted != clients*each {
			t.Fatalf("accepted counter %d", accepted)
		}
		e.Shutdown(t.Context())
		eventually(t, 2*time.Second, "fds back to start", func() bool { return countFds(t) == fds0 })
		eventually(t, 2*time.Second, "goroutines back to start", func() bool { return goroutines() <= gor0 })
	})
}

// TestHalfClose: a peer that shuts its write side still gets every answer.
func TestHalfClose(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, nil)
		f := &echo.Factory{}
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", f))
		c := dial(t, "tcp", addrOf(t, e, "echo"))
		var want strings.Builder
		for i := 0; i < 2000; i++ {
			fmt.Fprintf(&want, "line %d of the half-closed conversation\n", i)
		}
		go func() {
			io.WriteString(c, want.String())
			c.Conn.(*net.TCPConn).CloseWrite()
		}()
		got, err := io.ReadAll(c.r)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want.String() {
			t.Fatalf("got %d bytes, want %d", len(got), want.Len())
		}
		eventually(t, 2*time.Second, "closed", func() bool { return f.Closed[proto.CloseClient].Load() == 1 })
	})
}

// TestResetMidSend: a peer that resets while the server is sending to it.
func TestResetMidSend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, nil)
		f := &echo.Factory{}
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", f))
		addr := addrOf(t, e, "echo")
		line := strings.Repeat("x", 1000) + "\n"
		for i := 0; i < 20; i++ {
			c := dial(t, "tcp", addr)
			tc := c.Conn.(*net.TCPConn)
			tc.SetReadBuffer(4096)
			for j := 0; j < 200; j++ {
				if _, err := io.WriteString(c, line); err != nil {
					break
				}
			}
			tc.SetLinger(0) // close sends RST
			tc.Close()
		}
		eventually(t, 5*time.Second, "all closed", func() bool { return openConns(e) == 0 })
		// the server is still healthy
		c := dial(t, "tcp", addr)
		c.send(t, "alive\n")
		if got := c.line(t); got != "alive" {
			t.Fatalf("got %q", got)
		}
	})
}

// TestNeverReadingClient: a pipelining client that never reads is stopped by
// flow control; server memory for it stays bounded.
func TestNeverReadingClient(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, nil)
		f := &echo.Factory{}
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", f))
		c := dial(t, "tcp", addrOf(t, e, "echo"))
		var written atomic.Int64
		line := []byte(strings.Repeat("p", 100) + "\n")
		go func() {
			for {
				n, err := c.Write(line)
				written.Add(int64(n))
				if err != nil {
					return
				}
			}
		}()
		// wait until the writer has stalled: no progress for 200 ms
		var last int64 = -1
		eventually(t, 20*time.Second, "writer stalls", func() bool {
			time.Sleep(200 * time.Millisecond)
			n := written.Load()
			stalled := n == last
			last = n
			return stalled
		})
		var in, out, unsent, found int
		done := make(chan struct{})
		e.workers[0].post(func(w *worker) {
			for _, c := range w.conns {
				if c != nil {
					found++
					in, out, unsent = cap(c.d.In), cap(c.d.Out), len(c.d.Out)-c.sendOff
				}
			}
			close(done)
		})
		<-done
		if found != 1 || unsent < highWater {
			t.Fatalf("want one stalled connection with output pending: %d conns, %d bytes unsent; closed %v %v %v %v", found, unsent, f.Closed[0].Load(), f.Closed[1].Load(), f.Closed[2].Load(), f.Closed[3].Load())
		}
		if in > hardIn || out > 2*(highWater+proto.FeedChunk) {
			t.Fatalf("server buffers grew: in %d out %d", in, out)
		}
		if written.Load() > 64<<20 {
			t.Fatalf("client wrote %d bytes: flow control did not hold", written.Load())
		}
		t.Logf("stalled after %d bytes; server in=%d out=%d unsent=%d", written.Load(), in, out, unsent)
	})
}

// TestSlowloris: a peer dribbling bytes that complete no line is reaped by
// the idle limit, while a peer making progress is not.
func TestSlowloris(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, nil)
		f := &echo.Factory{Timeout: 300 * time.Millisecond}
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", f))
		addr := addrOf(t, e, "echo")
		slow, busy := dial(t, "tcp", addr), dial(t, "tcp", addr)
		start := time.Now()
		stop := make(chan struct{})
		go func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				slow.Write([]byte("a"))
				fmt.Fprintf(busy, "tick %d\n", i)
			}
		}()
		defer close(stop)
		go io.Copy(io.Discard, busy)
		slow.expectEOF(t)
		took := time.Since(start)
		if took < 250*time.Millisecond || took > 2*time.Second {
			t.Fatalf("reaped after %v, want about 300ms", took)
		}
		eventually(t, 5*time.Second, "idle close counted", func() bool { return f.Closed[proto.CloseIdle].Load() == 1 })
		// The session hears Closed before the worker frees the slot: wait for
		// the count to drop, then the busy one must still be there.
		eventually(t, 5*time.Second, "the reaped slot freed", func() bool { return openConns(e) <= 1 })
		if openConns(e) != 1 {
			t.Fatalf("the busy connection should stay open: %d open", openConns(e))
		}
	})
}
