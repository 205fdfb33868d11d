package dnsbl

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"sluice/internal/dnsmasqtest"
)

// startDnsmasq: 192.0.2.7 is listed in bl.test (127.0.0.2) and in
// bl2.test (127.0.0.4), 198.51.100.9 in wl.test (127.0.10.1), everything
// else is NXDOMAIN.
func startDnsmasq(t *testing.T) string {
	return dnsmasqtest.Start(t, []string{"bl.test", "bl2.test", "wl.test"},
		"7.2.0.192.bl.test,127.0.0.2", "7.2.0.192.bl2.test,127.0.0.4", "9.100.51.198.wl.test,127.0.10.1")
}

func lookup(t *testing.T, c *Checker, zones []Zone, th int, timeout time.Duration, a string) Verdict {
	t.Helper()
	ch := make(chan Verdict, 1)
	c.Lookup(zones, th, timeout, netip.MustParseAddr(a), func(v Verdict) { ch <- v })
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("Lookup never called back")
	}
	return Verdict{}
}

// TestAgainstDnsmasq: weights, filters, threshold and allowlist scoring
// with answers from a real DNS server; answers are cached.
func TestAgainstDnsmasq(t *testing.T) {
	srv := startDnsmasq(t)
	c, err := New(Options{Servers: []string{srv}})
	if err != nil {
		t.Fatal(err)
	}
	zones := c.Zones([]string{"bl.test*2", "bl2.test=127.0.0.[3..5]", "wl.test=127.0.[0..255].[1..3]*-5", "bad=1.2.3"})
	if len(zones) != 3 {
		t.Fatalf("zones %+v", zones)
	}
	for _, tc := range []struct {
		addr string
		want Verdict
	}{
		{"192.0.2.7", Verdict{Score: 3, Listed: true, Zone: "bl.test"}},
		{"203.0.113.5", Verdict{}},
		{"198.51.100.9", Verdict{Score: -5, Allowed: true}},
	} {
		if v := lookup(t, c, zones, 3, 2*time.Second, tc.addr); v != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.addr, v, tc.want)
		}
	}
	// Threshold 4: the same listing is not enough.
	if v := lookup(t, c, zones, 4, 2*time.Second, "192.0.2.7"); v.Listed {
		t.Errorf("listed under threshold 4: %+v", v)
	}
	q := c.Queries.Load()
	if v, ok := c.Cached(zones, 3, netip.MustParseAddr("192.0.2.7"), time.Now()); !ok || !v.Listed {
		t.Fatalf("not served from the cache: %+v %v", v, ok)
	}
	if v, ok := c.Cached(zones, 3, netip.MustParseAddr("203.0.113.5"), time.Now()); !ok || v.Listed {
		t.Fatalf("negative answer not cached: %+v %v", v, ok)
	}
	if c.Queries.Load() != q {
		t.Fatal("a cached lookup queried the server")
	}
}

// TestTimeoutFailsOpen: a server that never answers makes the lookup end
// at its timeout with "not listed", counted; nothing is cached.
func TestTimeoutFailsOpen(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // reads nothing, answers nothing
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	c, err := New(Options{Servers: []string{pc.LocalAddr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	zones := c.Zones([]string{"bl.test"})
	start := time.Now()
	v := lookup(t, c, zones, 1, 300*time.Millisecond, "192.0.2.7")
	if v.Listed || time.Since(start) > 5*time.Second {
		t.Fatalf("verdict %+v after %v", v, time.Since(start))
	}
	if c.Timeouts.Load() != 1 {
		t.Fatalf("timeouts %d", c.Timeouts.Load())
	}
	if _, ok := c.Cached(zones, 1, netip.MustParseAddr("192.0.2.7"), time.Now()); ok {
		t.Fatal("a timeout was cached")
	}
}
