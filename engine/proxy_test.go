package engine

import (
	"bufio"
	"crypto/tls"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"sluice/acl"
	"sluice/config"
	"sluice/engine/echo"
	"sluice/proxyproto"
)

func boolVal(b bool) *config.Value { return &config.Value{Kind: config.KindBool, Bool: b} }

func secVal(d time.Duration) *config.Value { return &config.Value{Kind: config.KindSeconds, Dur: d} }

// proxyPeers: the balancer (127.0.0.1) must send a header; behind it,
// 192.0.2.66 is denied and 192.0.2.0/24 has a cap of one session in its
// own Peer block; every other client gets the Listen's policy.
type proxyPeers struct{ lb, deny, capped, other *acl.Match }

func (p proxyPeers) Lookup(a netip.Addr) *acl.Match {
	switch {
	case a == netip.MustParseAddr("127.0.0.1"):
		return p.lb
	case a == netip.MustParseAddr("192.0.2.66"):
		return p.deny
	case netip.MustParsePrefix("192.0.2.0/24").Contains(a):
		return p.capped
	}
	return p.other
}

func newProxyPeers(timeout time.Duration) proxyPeers {
	pol := func(v map[string]*config.Value) *config.Policy { return config.NewPolicy("Echo_Listener", "", v) }
	scope := "echo_listener peer 192.0.2.0/24"
	return proxyPeers{
		lb:     &acl.Match{Policy: pol(map[string]*config.Value{"proxy_protocol": boolVal(true), "proxy_protocol_timeout": secVal(timeout)})},
		deny:   &acl.Match{Policy: pol(map[string]*config.Value{"always_deny": boolVal(true)})},
		capped: &acl.Match{Chain: []string{scope}, Policy: pol(map[string]*config.Value{"listener_sessions": intVal(1, scope)})},
		other:  &acl.Match{Policy: pol(nil)},
	}
}

func v1(src string) string {
	h := proxyproto.Header{Src: netip.MustParseAddrPort(src), Dst: netip.MustParseAddrPort("198.51.100.1:25")}
	return string(proxyproto.AppendV1(nil, &h))
}

func v2(src string, local bool) string {
	h := proxyproto.Header{Local: local, Src: netip.MustParseAddrPort(src), Dst: netip.MustParseAddrPort("198.51.100.1:25"),
		TLV: proxyproto.TLVs{ALPN: "smtp", Authority: "mx.example.org"}}
	return string(proxyproto.AppendV2(nil, &h, true))
}

// silent reads to EOF and fails unless the server wrote nothing at all.
func (c *client) silent(t *testing.T) {
	t.Helper()
	rest, err := io.ReadAll(c.r)
	if len(rest) > 0 || err != nil {
		t.Fatalf("want a silent close, got %q err %v", rest, err)
	}
}

// TestProxyProtocol: the banner waits for the header; the header's address
// is the session's peer, the Peer policy and the cap block; a header split
// across writes and the bytes behind it in the same segment both work; no
// header, a bad header or a late one closes without a byte written.
func TestProxyProtocol(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 2, nil)
		f := &echo.Factory{Greeting: "HELLO\r\n"}
		s := tcpSpec("echo", "127.0.0.1:0", f)
		s.Peers = newProxyPeers(time.Second)
		apply(t, e, 1, s)
		addr := addrOf(t, e, "echo")
		ask := func(c *client) string { c.send(t, "PEER?\n"); return c.line(t) }

		c := dial(t, "tcp", addr)
		hdr := v1("192.0.2.7:40000")
		c.send(t, hdr[:9])
		time.Sleep(20 * time.Millisecond) // the first part arrives alone
		c.send(t, hdr[9:]+"PEER?\n")
		if g, p := c.line(t), c.line(t); g != "HELLO" || p != "peer 192.0.2.7:40000" {
			t.Fatalf("v1: %q %q", g, p)
		}
		// The cap of 192.0.2.0/24 is one session: the first one above holds it.
		c2 := dial(t, "tcp", addr)
		c2.send(t, v2("192.0.2.8:1", false))
		if got := c2.line(t); got != "BUSY cap" {
			t.Fatalf("second client of the capped block: %q", got)
		}
		c.Close()
		eventually(t, 5*time.Second, "the capped slot freed", func() bool {
			c3 := dial(t, "tcp", addr)
			c3.send(t, v2("192.0.2.8:1", false))
			return c3.line(t) == "HELLO" && ask(c3) == "peer 192.0.2.8:1"
		})

		c = dial(t, "tcp", addr) // another client: not capped
		c.send(t, v2("[2001:db8::5]:7", false))
		if g, p := c.line(t), ask(c); g != "HELLO" || p != "peer [2001:db8::5]:7" {
			t.Fatalf("v2: %q %q", g, p)
		}
		c = dial(t, "tcp", addr) // LOCAL keeps the balancer's address
		c.send(t, v2("192.0.2.9:1", true))
		if g, p := c.line(t), ask(c); g != "HELLO" || !strings.HasPrefix(p, "peer 127.0.0.1:") {
			t.Fatalf("local: %q %q", g, p)
		}
		c = dial(t, "tcp", addr) // a denied client behind the balancer
		c.send(t, v1("192.0.2.66:1"))
		if got := c.line(t); got != "BUSY acl" {
			t.Fatalf("denied client: %q", got)
		}

		for _, bad := range []string{"EHLO me\r\n", "PROXY TCP4 1.2.3 4.5.6.7 1 2\r\n", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n"} {
			c = dial(t, "tcp", addr)
			c.send(t, bad)
			c.silent(t)
		}
		start := time.Now()
		c = dial(t, "tcp", addr)
		c.send(t, "PROXY TCP4 ") // never finished
		c.silent(t)
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Fatalf("late header closed after %v, before Proxy_Protocol_Timeout", d)
		}
		var ok, badN, late uint64
		eventually(t, 5*time.Second, "the PROXY counters", func() bool {
			ok, badN, late = 0, 0, 0
			for _, wc := range e.Counters() {
				for _, l := range wc.Listens {
					ok += l.Counters.ProxyOK.Load()
					badN += l.Counters.ProxyBad.Load()
					late += l.Counters.ProxyLate.Load()
				}
			}
			return badN == 3 && late == 1 && ok >= 6
		})
	})
}

// TestProxyUseSSL: on an implicit-TLS Listen the header comes in clear,
// then the handshake, then the banner.
func TestProxyUseSSL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, nil)
		f := &echo.Factory{Greeting: "HELLO\r\n"}
		s := tcpSpec("echo", "127.0.0.1:0", f)
		s.Peers = newProxyPeers(5 * time.Second)
		s.TLS, s.UseSSL = testTLSConfig(t), true
		apply(t, e, 1, s)
		c := dial(t, "tcp", addrOf(t, e, "echo"))
		c.send(t, v2("203.0.113.4:99", false))
		tc := tls.Client(c.Conn, clientTLS())
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(tc)
		io.WriteString(tc, "PEER?\nTLS?\n")
		for _, want := range []string{"HELLO\r\n", "peer 203.0.113.4:99\r\n", "tls yes\r\n"} {
			if got, err := r.ReadString('\n'); got != want {
				t.Fatalf("got %q (%v), want %q", got, err, want)
			}
		}
	})
}

// TestProxyUnixSocket: on a Unix-socket Listen (looked up as 127.0.0.1,
// the balancer here) the header names the client, who then has neither
// the loopback address nor a peer uid.
func TestProxyUnixSocket(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, nil)
		f := &echo.Factory{Greeting: "HELLO\r\n"}
		path := t.TempDir() + "/proxy.sock"
		s := unixSpec("unix", path, 0o600, f)
		s.Peers = newProxyPeers(5 * time.Second)
		apply(t, e, 1, s)
		c := dial(t, "unix", path)
		c.send(t, v1("203.0.113.9:4242")+"PEER?\n")
		if g, p := c.line(t), c.line(t); g != "HELLO" || p != "peer 203.0.113.9:4242" {
			t.Fatalf("unix via PROXY: %q %q", g, p)
		}
		for _, st := range e.Conns() {
			if st.Peer != "203.0.113.9:4242" {
				t.Fatalf("show inbound peer %q", st.Peer)
			}
		}
	})
}
