package daemon

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"sluice/acl"
	"sluice/config"
)

// fallbackConf is the seed's Peer example grown to exercise every rung of
// the fallback: Listen-level Peer, listener-level Peers by length, Listen,
// listener, global, default.
const fallbackConf = `
ESMTP_Listener {
  Max_Message_Size = 10M
  Idle_Time = 120
  Peer "10.0.0.0/16" {
    Max_Recipients_Per_Message = 50
    Idle_Time = 30
  }
  Peer 10.0.0.0/8 { Open_Relay = on }
  Peer "10.0.0.1" { Require_EHLO = true }
  Peer "2001:db8::/32" { Idle_Time = 7 }
  Listen ":25" {
    Max_Message_Size = 20M
    Peer "10.0.0.1" {
      Max_Recipients_Per_Message = 5
    }
  }
  Listen "[::1]:25" {
    Peer "::ffff:192.0.2.0/120" { Idle_Time = 9 }
  }
}
`

func parseListen(t *testing.T, addr string) (*config.Config, *config.Listen) {
	t.Helper()
	c, err := config.Parse("fallback.conf", []byte(fallbackConf))
	if err != nil {
		t.Fatal(err)
	}
	l := c.FindListen("esmtp_listener", addr)
	if l == nil {
		t.Fatalf("no Listen %s", addr)
	}
	return c, l
}

func TestBuildFallback(t *testing.T) {
	c, l := parseListen(t, ":25")
	tb, err := peerTable(c, l)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		addr    string
		chain   int   // number of Peers in the chain
		rcpts   int64 // 1000: the default Max_Recipients_Per_Message
		idle    time.Duration
		relay   bool
		ehlo    bool
		maxSize int64
	}{
		{"10.0.0.1", 4, 5, 30 * time.Second, true, true, 20 << 20},
		{"::ffff:10.0.0.1", 4, 5, 30 * time.Second, true, true, 20 << 20},
		{"10.0.5.5", 2, 50, 30 * time.Second, true, false, 20 << 20},
		{"10.200.0.1", 1, 1000, 120 * time.Second, true, false, 20 << 20},
		{"192.0.2.1", 0, 1000, 120 * time.Second, false, false, 20 << 20},
		{"2001:db8::1", 1, 1000, 7 * time.Second, false, false, 20 << 20},
	}
	for _, x := range cases {
		m := tb.Lookup(netip.MustParseAddr(x.addr))
		p := m.Policy
		if len(m.Chain) != x.chain || p.Int("max_recipients_per_message") != x.rcpts ||
			p.Duration("idle_time") != x.idle || p.Bool("open_relay") != x.relay ||
			p.Bool("require_ehlo") != x.ehlo || p.Int("max_message_size") != x.maxSize {
			t.Errorf("%s: chain %q rcpts %d idle %v relay %v ehlo %v size %d", x.addr, m.Chain,
				p.Int("max_recipients_per_message"), p.Duration("idle_time"), p.Bool("open_relay"),
				p.Bool("require_ehlo"), p.Int("max_message_size"))
		}
		if x.chain > 0 && (m.Policy.PeerScope != m.Chain[0] || m.Policy.Peer != m.Peer) {
			t.Errorf("%s: Match peer %v %q, policy peer %v %q", x.addr, m.Peer, m.Chain[0], p.Peer, p.PeerScope)
		}
	}
	m := tb.Lookup(netip.MustParseAddr("10.0.0.1"))
	if m.Peer != netip.MustParsePrefix("10.0.0.1/32") || l.Peers[0].Path != m.Chain[0] {
		t.Errorf("10.0.0.1 matched %v %q, want the Listen's own Peer %q", m.Peer, m.Chain, l.Peers[0].Path)
	}
	matched, src, scope := tb.Explain(netip.MustParseAddr("10.0.0.1"), "Idle_Time")
	if matched != l.Peers[0].Path || src.Line != 7 || scope == "" {
		t.Errorf("Explain idle_time = %q %v %q", matched, src, scope)
	}
	if _, src, _ := tb.Explain(netip.MustParseAddr("192.0.2.1"), "Require_EHLO"); !src.IsDefault() {
		t.Errorf("Explain require_ehlo (no peer) = %v, want default", src)
	}
}

// TestBuildMatchesResolve compares every Lookup with c.Resolve on the
// chain computed by a linear scan, on both Listens (the second has a
// mapped-form Peer and no Listen-level IPv4 Peer of its own).
func TestBuildMatchesResolve(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, addr := range []string{":25", "[::1]:25"} {
		c, l := parseListen(t, addr)
		tb, err := peerTable(c, l)
		if err != nil {
			t.Fatal(err)
		}
		peers := append(slices.Clone(l.Peers), l.Listener.Peers...) // Listen's own first
		for i := range 5000 {
			p := peers[r.IntN(len(peers))]
			a := randomIn(r, p.Prefix)
			if i%4 == 0 {
				a = randomIn(r, anyAddr[i%8 == 0])
			}
			var chain []*config.Peer
			for _, q := range peers {
				if n, _ := acl.NormalizePrefix(q.Prefix); n.Contains(a.Unmap()) {
					chain = append(chain, q)
				}
			}
			slices.SortStableFunc(chain, func(x, y *config.Peer) int {
				nx, _ := acl.NormalizePrefix(x.Prefix)
				ny, _ := acl.NormalizePrefix(y.Prefix)
				return ny.Bits() - nx.Bits()
			})
			want := c.Resolve(l, chain)
			got := tb.Lookup(a)
			if len(got.Chain) != len(chain) {
				t.Fatalf("%s %v: chain %q, want %d peers", addr, a, got.Chain, len(chain))
			}
			for _, name := range want.Names() {
				wv, _ := want.Value(name)
				gv, ok := got.Policy.Value(name)
				if !ok || gv.Raw != wv.Raw || gv.Src != wv.Src {
					t.Fatalf("%s %v: %s = %+v, want %+v", addr, a, name, gv, wv)
				}
			}
		}
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := peerTable(nil, nil); err == nil {
		t.Fatal("peerTable(nil, nil) succeeded")
	}
}

var anyAddr = map[bool]netip.Prefix{true: netip.MustParsePrefix("0.0.0.0/0"), false: netip.MustParsePrefix("::/0")}

// randomIn is a random address inside p.
func randomIn(r *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		if r.IntN(2) == 1 {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
