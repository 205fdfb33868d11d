package engine

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/acl"
	"sluice/config"
	"sluice/engine/echo"
	"sluice/proto"
)

func intVal(n int64, scope string) *config.Value {
	return &config.Value{Kind: config.KindInt, Int: n, Raw: fmt.Sprint(n), Scope: scope}
}

// TestSessionCap: the N+1th connection is refused with the protocol's line,
// and the slot comes back when a connection is fully closed.
func TestSessionCap(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		for _, opt := range []string{"listener_sessions", "service_sessions"} {
			t.Run(opt, func(t *testing.T) {
				e := newEngine(t, backend, 2, nil)
				f := &echo.Factory{}
				s := tcpSpec("echo", "127.0.0.1:0", f)
				s.Peers = policy(map[string]*config.Value{opt: intVal(3, "echo_listener")})
				apply(t, e, 1, s)
				addr := addrOf(t, e, "echo")
				var open []*client
				for i := 0; i < 3; i++ {
					c := dial(t, "tcp", addr)
					c.send(t, "hi\n")
					c.line(t)
					open = append(open, c)
				}
				extra := dial(t, "tcp", addr)
				if got := extra.line(t); got != "BUSY cap" {
					t.Fatalf("N+1th got %q", got)
				}
				extra.expectEOF(t)
				open[0].send(t, "QUIT\n")
				open[0].line(t)
				open[0].expectEOF(t)
				eventually(t, 2e9, "slot returned", func() bool { return openConns(e) == 2 })
				again := dial(t, "tcp", addr)
				again.send(t, "back\n")
				if got := again.line(t); got != "back" {
					t.Fatalf("after a close got %q", got)
				}
				var refusedCap uint64
				for _, wc := range e.Counters() {
					refusedCap += wc.Listens[0].Counters.RefusedCap.Load()
				}
				if refusedCap != 1 {
					t.Fatalf("refused counter %d", refusedCap)
				}
			})
		}
	})
}

// peerPeers gives 127.0.0.2 a Peer scope with its own cap; others get the
// Listen's policy.
type peerPeers struct{ peer, other *acl.Match }

func (p peerPeers) Lookup(a netip.Addr) *acl.Match {
	if a == netip.MustParseAddr("127.0.0.2") {
		return p.peer
	}
	return p.other
}

// TestPeerScopedCap: a cap set in a Peer scope is that block's own budget.
func TestPeerScopedCap(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, nil)
		f := &echo.Factory{}
		scope := "echo_listener listen 0.0.0.0 peer 127.0.0.2/32"
		peer := &acl.Match{Chain: []string{scope}, Policy: config.NewPolicy("Echo_Listener", "",
			map[string]*config.Value{"listener_sessions": intVal(1, scope)})}
		other := &acl.Match{Policy: config.NewPolicy("Echo_Listener", "", nil)}
		port := freePort(t)
		s := tcpSpec("echo", "0.0.0.0:"+port, f)
		s.Peers = peerPeers{peer, other}
		apply(t, e, 1, s)
		first := dialFrom(t, "127.0.0.2", "127.0.0.1:"+port)
		first.send(t, "a\n")
		first.line(t)
		if got := dialFrom(t, "127.0.0.2", "127.0.0.1:"+port).line(t); got != "BUSY cap" {
			t.Fatalf("second from the capped peer got %q", got)
		}
		for i := 0; i < 3; i++ { // other peers are not capped
			ping(t, "tcp", "127.0.0.1:"+port)
		}
	})
}

func dialFrom(t *testing.T, src, addr string) *client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &client{Conn: c, r: bufio.NewReader(c)}
}

// TestCapAcrossWorkers: the budget is shared by all workers under a burst.
func TestCapAcrossWorkers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 4, nil)
		f := &echo.Factory{Greeting: "HI\r\n"}
		s := tcpSpec("echo", "127.0.0.1:0", f)
		s.Peers = policy(map[string]*config.Value{"service_sessions": intVal(10, "")})
		apply(t, e, 1, s)
		addr := addrOf(t, e, "echo")
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := dial(t, "tcp", addr)
				l, _ := c.r.ReadString('\n')
				mu.Lock()
				got[strings.TrimSpace(l)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if got["HI"] != 10 || got["BUSY cap"] != 30 {
			t.Fatalf("answers %v", got)
		}
		_ = proto.CloseClient
	})
}
