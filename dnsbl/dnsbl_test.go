package dnsbl

import (
	"net"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestParseZone(t *testing.T) {
	for _, c := range []struct {
		in     string
		domain string
		weight int
		match  []string
		miss   []string
		bad    bool
	}{
		{in: "zen.example.org", domain: "zen.example.org", weight: 1, match: []string{"127.0.0.2", "127.255.0.1"}, miss: []string{"10.0.0.2"}},
		{in: "bl.example.net=127.0.0.2", domain: "bl.example.net", weight: 1, match: []string{"127.0.0.2"}, miss: []string{"127.0.0.3"}},
		{in: "BL.Example.NET.*3", domain: "bl.example.net", weight: 3},
		{in: "wl.example=127.0.[0..255].[1;3..5]*-2", domain: "wl.example", weight: -2,
			match: []string{"127.0.9.1", "127.0.0.4"}, miss: []string{"127.0.9.2", "127.1.0.1"}},
		{in: "x=127.0.0", bad: true},
		{in: "x=127.0.0.[5..2]", bad: true},
		{in: "x=127.0.0.256", bad: true},
		{in: "x*heavy", bad: true},
		{in: "=127.0.0.2", bad: true},
		{in: "a..b", bad: true},
	} {
		z, err := ParseZone(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q parsed: %+v", c.in, z)
			}
			continue
		}
		if err != nil || z.Domain != c.domain || z.Weight != c.weight {
			t.Errorf("%q: %+v %v", c.in, z, err)
			continue
		}
		for _, m := range c.match {
			if !z.Matches(netip.MustParseAddr(m)) {
				t.Errorf("%q does not match %s", c.in, m)
			}
		}
		for _, m := range c.miss {
			if z.Matches(netip.MustParseAddr(m)) {
				t.Errorf("%q matches %s", c.in, m)
			}
		}
	}
}

func TestQueryName(t *testing.T) {
	if got := QueryName(netip.MustParseAddr("192.0.2.7"), "bl.test"); got != "7.2.0.192.bl.test." {
		t.Errorf("v4: %s", got)
	}
	if got := QueryName(netip.MustParseAddr("::ffff:192.0.2.7"), "bl.test"); got != "7.2.0.192.bl.test." {
		t.Errorf("mapped: %s", got)
	}
	want := "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test."
	if got := QueryName(netip.MustParseAddr("2001:db8::1"), "bl.test"); got != want {
		t.Errorf("v6: %s", got)
	}
}

func rrA(name, ip string, ttl uint32) dns.RR {
	return &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl}, A: net.ParseIP(ip)}
}

func TestParseReply(t *testing.T) {
	q := "7.2.0.192.bl.test."
	soa := &dns.SOA{Hdr: dns.RR_Header{Name: "bl.test.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 900}, Minttl: 300}
	for _, c := range []struct {
		name  string
		rcode int
		ans   []dns.RR
		ns    []dns.RR
		codes []string
		ttl   time.Duration
		err   bool
	}{
		{"listed", dns.RcodeSuccess, []dns.RR{rrA(q, "127.0.0.2", 120), rrA(q, "127.0.0.4", 600)}, nil, []string{"127.0.0.2", "127.0.0.4"}, 120 * time.Second, false},
		{"ttl clamped low", dns.RcodeSuccess, []dns.RR{rrA(q, "127.0.0.2", 1)}, nil, []string{"127.0.0.2"}, MinTTL, false},
		{"ttl clamped high", dns.RcodeSuccess, []dns.RR{rrA(q, "127.0.0.2", 86400)}, nil, []string{"127.0.0.2"}, MaxTTL, false},
		{"not 127/8 ignored", dns.RcodeSuccess, []dns.RR{rrA(q, "10.0.0.2", 120)}, nil, nil, MinTTL, false},
		{"other name ignored", dns.RcodeSuccess, []dns.RR{rrA("x.bl.test.", "127.0.0.2", 120)}, nil, nil, MinTTL, false},
		{"nxdomain with soa", dns.RcodeNameError, nil, []dns.RR{soa}, nil, 300 * time.Second, false},
		{"nxdomain bare", dns.RcodeNameError, nil, nil, nil, MinTTL, false},
		{"servfail", dns.RcodeServerFailure, nil, nil, nil, 0, true},
		{"refused", dns.RcodeRefused, nil, nil, nil, 0, true},
	} {
		m := new(dns.Msg)
		m.SetQuestion(q, dns.TypeA)
		m.Rcode, m.Answer, m.Ns = c.rcode, c.ans, c.ns
		a, err := ParseReply(m, q)
		if c.err {
			if err == nil {
				t.Errorf("%s: no error", c.name)
			}
			continue
		}
		var codes []string
		for _, x := range a.Codes {
			codes = append(codes, x.String())
		}
		if err != nil || !reflect.DeepEqual(codes, c.codes) || a.TTL != c.ttl {
			t.Errorf("%s: %v ttl %v err %v", c.name, codes, a.TTL, err)
		}
	}
}

// FuzzReply: any bytes a server sends are decoded or refused; a decoded
// reply never yields more than MaxAnswers codes, a code outside 127/8 or a
// TTL outside the clamp.
func FuzzReply(f *testing.F) {
	q := "2.0.0.127.bl.test."
	m := new(dns.Msg)
	m.SetQuestion(q, dns.TypeA)
	m.Answer = []dns.RR{rrA(q, "127.0.0.2", 300)}
	b, _ := m.Pack()
	f.Add(b)
	m.Rcode, m.Answer = dns.RcodeNameError, nil
	m.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: "bl.test.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 5}, Minttl: 7}}
	b, _ = m.Pack()
	f.Add(b)
	f.Add([]byte{0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(dns.Msg)
		if m.Unpack(b) != nil {
			return
		}
		a, err := ParseReply(m, q)
		if err != nil {
			return
		}
		if len(a.Codes) > MaxAnswers || a.TTL < MinTTL || a.TTL > MaxTTL {
			t.Fatalf("bounds broken: %+v", a)
		}
		for _, c := range a.Codes {
			if !c.Is4() || c.As4()[0] != 127 {
				t.Fatalf("code %s kept", c)
			}
		}
	})
}

// TestCacheBounded: a million distinct addresses never grow the cache past
// its size.
func TestCacheBounded(t *testing.T) {
	const size = 10_000
	c := newCache(size)
	now := time.Now()
	n := 1_000_000
	if raceBuild {
		n = 100_000
	}
	for i := 0; i < n; i++ {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		c.put(cacheKey{"bl.test", a}, Answer{TTL: time.Hour}, now)
	}
	if n := c.len(); n > size+len(c.shards) {
		t.Fatalf("cache holds %d, bound %d", n, size)
	}
	// Entries honour their TTL.
	k := cacheKey{"bl.test", netip.MustParseAddr("192.0.2.1")}
	c.put(k, Answer{TTL: MinTTL}, now)
	if _, ok := c.get(k, now.Add(MinTTL-time.Second)); !ok {
		t.Fatal("entry gone before its TTL")
	}
	if _, ok := c.get(k, now.Add(MinTTL+time.Second)); ok {
		t.Fatal("entry served after its TTL")
	}
}
