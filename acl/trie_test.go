package acl

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"unsafe"
)

// scenario makes one random prefix set.
type scenario struct {
	name string
	gen  func(r *rand.Rand) []netip.Prefix
}

func uniform(r *rand.Rand, n int, v4, v6 bool) []netip.Prefix {
	var out []netip.Prefix
	for range n {
		is4 := v4 && (!v6 || r.IntN(2) == 0)
		max := 128
		if is4 {
			max = 32
		}
		out = append(out, netip.PrefixFrom(randAddr(r, is4), r.IntN(max+1)).Masked())
	}
	return out
}

// nested returns chains of prefixes of one address at many lengths, plus
// siblings that differ in one bit, so most lookups hit deep nesting.
func nested(r *rand.Rand, chains int, v4 bool) []netip.Prefix {
	var out []netip.Prefix
	max := 128
	if !v4 {
		max = 128
	} else {
		max = 32
	}
	for range chains {
		a := randAddr(r, v4)
		for l := 0; l <= max; l++ {
			if r.IntN(3) == 0 {
				continue
			}
			p := netip.PrefixFrom(a, l).Masked()
			out = append(out, p)
			if l > 0 && r.IntN(4) == 0 { // a sibling: flip bit l-1
				out = append(out, netip.PrefixFrom(flip(a, l-1), l).Masked())
			}
		}
	}
	return out
}

func flip(a netip.Addr, bit int) netip.Addr {
	b := a.AsSlice()
	b[bit/8] ^= 0x80 >> (bit % 8)
	x, _ := netip.AddrFromSlice(b)
	return x
}

// clustered packs prefixes of /16 to /32 into one /16, the worst case for
// overlap inside single nodes.
func clustered(r *rand.Rand, n int) []netip.Prefix {
	base := randAddr(r, true).As4()
	var out []netip.Prefix
	for range n {
		a := base
		a[2], a[3] = byte(r.IntN(256)), byte(r.IntN(256))
		out = append(out, netip.PrefixFrom(netip.AddrFrom4(a), 16+r.IntN(17)).Masked())
	}
	return out
}

func edges() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"),
		netip.MustParsePrefix("255.255.255.255/32"), netip.MustParsePrefix("0.0.0.0/32"),
		netip.MustParsePrefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"),
		netip.MustParsePrefix("::/128"), netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("10.0.0.1/32"), netip.MustParsePrefix("2001:db8::1/128"),
	}
}

var scenarios = []scenario{
	{"ipv4", func(r *rand.Rand) []netip.Prefix { return uniform(r, 1000, true, false) }},
	{"ipv6", func(r *rand.Rand) []netip.Prefix { return uniform(r, 1000, false, true) }},
	{"mixed", func(r *rand.Rand) []netip.Prefix { return uniform(r, 1000, true, true) }},
	{"bgp-mixed", func(r *rand.Rand) []netip.Prefix { return bgpPrefixes(r, 2000, true) }},
	{"nested4", func(r *rand.Rand) []netip.Prefix { return nested(r, 20, true) }},
	{"nested6", func(r *rand.Rand) []netip.Prefix { return nested(r, 8, false) }},
	{"clustered", func(r *rand.Rand) []netip.Prefix { return clustered(r, 800) }},
	{"edges+mixed", func(r *rand.Rand) []netip.Prefix {
		return append(edges(), uniform(r, 200, true, true)...)
	}},
	{"tiny", func(r *rand.Rand) []netip.Prefix { return uniform(r, 1+r.IntN(3), true, true) }},
}

// TestTrieAgainstNaive compares the trie with a linear scan on random sets:
// every scenario runs 20,000 lookups, so a run checks well over 100,000.
func TestTrieAgainstNaive(t *testing.T) {
	total := 0
	for si, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(si), 0x5eed))
			ps := sc.gen(r)
			tr, ref := buildBoth(t, ps, r)
			for i := range 20000 {
				a := probe(r, ps, i)
				got, gok := tr.Lookup(a)
				want, wok := ref.lookup(a)
				if got != want || gok != wok {
					t.Fatalf("Lookup(%v) = %d,%v; naive %d,%v", a, got, gok, want, wok)
				}
				total++
			}
		})
	}
	if total < 100000 {
		t.Fatalf("only %d lookups compared", total)
	}
}

func buildBoth(t testing.TB, ps []netip.Prefix, r *rand.Rand) (*Trie[int], *naive) {
	var b Builder[int]
	ref := &naive{}
	for _, p := range ps {
		v := r.IntN(1 << 30)
		if err := b.Insert(p, v); err != nil {
			t.Fatal(err)
		}
		ref.insert(p, v)
	}
	tr := b.Build()
	if tr.Len() != len(ref.pfx) {
		t.Fatalf("Len = %d, want %d", tr.Len(), len(ref.pfx))
	}
	return tr, ref
}

// probe picks a lookup address: inside a prefix, at its first or last
// address, IPv4-mapped, or random of either family.
func probe(r *rand.Rand, ps []netip.Prefix, i int) netip.Addr {
	p := ps[r.IntN(len(ps))]
	switch i % 6 {
	case 0, 1:
		return randIn(r, p)
	case 2:
		return p.Masked().Addr()
	case 3:
		last := p.Masked().Addr()
		for a := last; p.Contains(a); a = a.Next() {
			last = a
			if p.Bits() < p.Addr().BitLen()-8 {
				break // only walk small prefixes to their end
			}
		}
		return last
	case 4:
		a := randIn(r, p)
		if a.Is4() {
			return netip.AddrFrom16(a.As16()) // ::ffff:a.b.c.d
		}
		return a
	default:
		return randAddr(r, r.IntN(2) == 0)
	}
}

func TestBuilderSemantics(t *testing.T) {
	var b Builder[string]
	mustInsert := func(s, v string) {
		t.Helper()
		if err := b.Insert(netip.MustParsePrefix(s), v); err != nil {
			t.Fatal(err)
		}
	}
	mustInsert("10.1.2.3/8", "ten")          // host bits are cleared
	mustInsert("10.0.0.0/8", "ten-again")    // same prefix: replaces
	mustInsert("::ffff:192.0.2.0/120", "v4") // mapped: stored as 192.0.2.0/24
	mustInsert("fe80::/10", "ll")
	if err := b.Insert(netip.Prefix{}, "bad"); err == nil {
		t.Fatal("Insert(invalid prefix) succeeded")
	}
	tr := b.Build()
	cases := []struct {
		addr, want string
		ok         bool
	}{
		{"10.200.0.1", "ten-again", true},
		{"::ffff:10.0.0.1", "ten-again", true},
		{"192.0.2.77", "v4", true},
		{"192.0.3.1", "", false},
		{"fe80::1%eth0", "ll", true},
		{"2001:db8::1", "", false},
	}
	for _, c := range cases {
		got, ok := tr.Lookup(netip.MustParseAddr(c.addr))
		if got != c.want || ok != c.ok {
			t.Errorf("Lookup(%s) = %q,%v; want %q,%v", c.addr, got, ok, c.want, c.ok)
		}
	}
	if tr.Len() != 3 {
		t.Errorf("Len = %d, want 3", tr.Len())
	}
	var zero Trie[int]
	if _, ok := zero.Lookup(netip.MustParseAddr("1.2.3.4")); ok {
		t.Error("zero Trie matched")
	}
	if _, ok := tr.Lookup(netip.Addr{}); ok {
		t.Error("invalid address matched")
	}
}

func TestLookupAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ps := bgpPrefixes(r, 5000, true)
	tr, _ := buildBoth(t, ps, r)
	addrs := probes(r, ps, 1024)
	i := 0
	n := testing.AllocsPerRun(10000, func() {
		tr.Lookup(addrs[i%len(addrs)])
		i++
	})
	if n != 0 {
		t.Fatalf("Lookup allocates %.1f times per call", n)
	}
}

// The memory figures in BENCH.md assume 80-byte nodes and 24-byte leaves.
func TestNodeSize(t *testing.T) {
	if n, l := unsafe.Sizeof(node{}), unsafe.Sizeof(leaf{}); n != 80 || l != 24 {
		t.Fatalf("node %d bytes, leaf %d bytes; want 80 and 24", n, l)
	}
}
