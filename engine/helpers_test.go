package engine

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"sluice/acl"
	"sluice/config"
	"sluice/engine/echo"
)

// backends is the table every engine test runs over.
var backends = []string{"epoll", "io_uring"}

func forEachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			if b == "io_uring" {
				if ok, why := uringUsable(); !ok {
					t.Skipf("io_uring unusable here: %s", why)
				}
			}
			fn(t, b)
		})
	}
}

func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newEngine(t testing.TB, backend string, workers int, spool SpoolFactory) *Engine {
	t.Helper()
	e, err := New(Options{Workers: workers, Backend: backend, Log: testLog(t), Spool: spool})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.Shutdown(ctx)
	})
	return e
}

// fixedPeers answers every lookup with one Match.
type fixedPeers struct{ m *acl.Match }

func (p fixedPeers) Lookup(netip.Addr) *acl.Match { return p.m }

func policy(vals map[string]*config.Value) PeerTable {
	return fixedPeers{&acl.Match{Policy: config.NewPolicy("Echo_Listener", "", vals)}}
}

func tcpSpec(key, addr string, f *echo.Factory) ListenSpec {
	return ListenSpec{Socket: config.Socket{Network: "tcp", Address: addr, NoDelay: true}, Key: key, Listener: "Echo_Listener", Service: "ECHO", Enabled: true, Factory: f}
}

func apply(t testing.TB, e *Engine, gen uint64, ls ...ListenSpec) {
	t.Helper()
	if err := e.Apply(&Spec{Generation: gen, Listens: ls}); err != nil {
		t.Fatal(err)
	}
}

// addrOf is where Listen key is bound.
func addrOf(t testing.TB, e *Engine, key string) string {
	t.Helper()
	for _, l := range e.Listeners() {
		if l.Key == key {
			if l.State != "bound" {
				t.Fatalf("%s is %s (%s)", key, l.State, l.Reason)
			}
			return l.Bound
		}
	}
	t.Fatalf("no listen %s", key)
	return ""
}

type client struct {
	net.Conn
	r *bufio.Reader
}

func dial(t testing.TB, network, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &client{Conn: c, r: bufio.NewReader(c)}
}

func (c *client) line(t testing.TB) string {
	t.Helper()
	s, err := c.r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, s)
	}
	return strings.TrimRight(s, "\r\n")
}

func (c *client) send(t testing.TB, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
}

// expectEOF reads until EOF or error and fails on a timeout.
func (c *client) expectEOF(t testing.TB) {
	t.Helper()
	rest, err := io.ReadAll(c.r)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("no EOF, got %q", rest)
	}
}

func countFds(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// eventually polls cond for up to d.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func openConns(e *Engine) int64 { return e.openConns() }

func goroutines() int { return runtime.NumGoroutine() }

var _ = fmt.Sprintf

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
