package acl

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"sluice/config"
)

// resolveNames is a stand-in for config.Resolve: the policy records the
// chain it was resolved from, so tests can check order and identity.
func resolveNames(gen string) func([]string) *config.Policy {
	return func(chain []string) *config.Policy {
		return config.NewPolicy("ESMTP_Listener", gen, map[string]*config.Value{
			"chain": {Raw: strings.Join(chain, ","), Src: config.Source{File: "t.conf", Line: len(chain)}, Scope: chain[0]},
		})
	}
}

func sc(pfx, path string, inListen bool) Scope[string] {
	return Scope[string]{Prefix: netip.MustParsePrefix(pfx), InListen: inListen, Path: path, Peer: path}
}

// The seed's example: a Listener-level Peer 10.0.0.0/16 and a Listen-level
// Peer 10.0.0.1; plus one prefix declared at both levels.
func seedTable(t testing.TB, gen string) *Table {
	def := config.NewPolicy("ESMTP_Listener", gen, nil)
	tb, err := NewTable([]Scope[string]{
		sc("10.0.0.0/16", "l peer 10.0.0.0/16", false),
		sc("10.0.0.1/32", "l listen :25 peer 10.0.0.1", true),
		sc("192.0.2.0/24", "l peer 192.0.2.0/24", false),
		sc("192.0.2.0/24", "l listen :25 peer 192.0.2.0/24", true),
		sc("2001:db8::/32", "l peer 2001:db8::/32", false),
	}, resolveNames(gen), def)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestTableSeedExample(t *testing.T) {
	tb := seedTable(t, "g1")
	cases := []struct {
		addr, peer, chain string
	}{
		{"10.0.0.1", "10.0.0.1/32", "l listen :25 peer 10.0.0.1,l peer 10.0.0.0/16"},
		{"::ffff:10.0.0.1", "10.0.0.1/32", "l listen :25 peer 10.0.0.1,l peer 10.0.0.0/16"},
		{"10.0.200.9", "10.0.0.0/16", "l peer 10.0.0.0/16"},
		{"192.0.2.7", "192.0.2.0/24", "l listen :25 peer 192.0.2.0/24,l peer 192.0.2.0/24"},
		{"2001:db8:1::25", "2001:db8::/32", "l peer 2001:db8::/32"},
		{"10.1.0.1", "invalid Prefix", ""},
		{"2001:db9::1", "invalid Prefix", ""},
	}
	for _, c := range cases {
		m := tb.Lookup(netip.MustParseAddr(c.addr))
		if m.Peer.String() != c.peer || strings.Join(m.Chain, ",") != c.chain {
			t.Errorf("Lookup(%s) = %v %q; want %s %q", c.addr, m.Peer, m.Chain, c.peer, c.chain)
		}
		if m.Policy == nil {
			t.Fatalf("Lookup(%s): nil policy", c.addr)
		}
		if got := m.Policy.String("chain"); got != c.chain {
			t.Errorf("Lookup(%s): policy resolved from %q, want %q", c.addr, got, c.chain)
		}
	}
	matched, src, scope := tb.Explain(netip.MustParseAddr("10.0.0.1"), "CHAIN")
	if matched != "l listen :25 peer 10.0.0.1" || src.Line != 2 || scope != matched {
		t.Errorf("Explain = %q %v %q", matched, src, scope)
	}
	matched, src, scope = tb.Explain(netip.MustParseAddr("10.9.9.9"), "chain")
	if matched != "" || !src.IsDefault() || scope != "" {
		t.Errorf("Explain(no peer) = %q %v %q", matched, src, scope)
	}
	if tb.Len() != 4 || tb.Default().Policy == nil {
		t.Errorf("Len = %d, Default = %+v", tb.Len(), tb.Default())
	}
}

// TestTableChainsRandom checks every Match against the definition: all
// Peers containing the address, longest first, Listen-level first on ties.
func TestTableChainsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var scopes []Scope[string]
	for i, p := range append(nested(r, 3, true), nested(r, 2, false)...) {
		scopes = append(scopes, Scope[string]{Prefix: p, InListen: r.IntN(2) == 0, Path: fmt.Sprint("p", i), Peer: fmt.Sprint("p", i)})
	}
	tb, err := NewTable(scopes, resolveNames("g"), config.NewPolicy("x", "y", nil))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20000 {
		a := probe(r, nested(r, 1, i%2 == 0), i)
		if i%3 == 0 {
			a = randIn(r, scopes[r.IntN(len(scopes))].Prefix)
		}
		var want []Scope[string]
		for _, s := range scopes {
			if s.Prefix.Contains(a.Unmap()) {
				want = append(want, s)
			}
		}
		slices.SortStableFunc(want, func(x, y Scope[string]) int {
			if x.Prefix.Bits() != y.Prefix.Bits() {
				return y.Prefix.Bits() - x.Prefix.Bits()
			}
			return boolRank(x.InListen) - boolRank(y.InListen)
		})
		var names []string
		for _, s := range want {
			names = append(names, s.Path)
		}
		m := tb.Lookup(a)
		if !slices.Equal(m.Chain, names) {
			t.Fatalf("Lookup(%v).Chain = %q, want %q", a, m.Chain, names)
		}
	}
}

func TestTableLookupAllocs(t *testing.T) {
	tb := seedTable(t, "g")
	addrs := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::ffff:10.0.3.4"),
		netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("8.8.8.8")}
	var ref Ref
	ref.Store(tb)
	i := 0
	if n := testing.AllocsPerRun(10000, func() { ref.Lookup(addrs[i%4]); i++ }); n != 0 {
		t.Fatalf("Table.Lookup allocates %.1f times per call", n)
	}
}

func TestNilTable(t *testing.T) {
	var ref Ref
	m := ref.Lookup(netip.MustParseAddr("10.0.0.1"))
	if m == nil || m.Policy != nil || m.Peer.IsValid() {
		t.Fatalf("nil table Lookup = %+v", m)
	}
	if _, _, scope := ref.Load().Explain(netip.MustParseAddr("10.0.0.1"), "x"); scope != "" {
		t.Fatal("nil table explained something")
	}
}

// TestRefSwapRace runs readers against a writer that swaps tables; run it
// with -race. Each reader checks that the Match it got is whole: its
// policy belongs to a generation that was published, and its chain matches.
func TestRefSwapRace(t *testing.T) {
	var ref Ref
	ref.Store(seedTable(t, "g0"))
	var stop atomic.Bool
	var wg sync.WaitGroup
	var lookups atomic.Int64
	addrs := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.9.9"),
		netip.MustParseAddr("::ffff:192.0.2.1"), netip.MustParseAddr("203.0.113.5")}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load() || i < 1000; i++ {
				m := ref.Lookup(addrs[i%len(addrs)])
				if m.Policy == nil || !strings.HasPrefix(m.Policy.Listen, "g") {
					t.Errorf("torn match %+v", m)
					return
				}
				if len(m.Chain) > 0 && m.Policy.String("chain") != strings.Join(m.Chain, ",") {
					t.Errorf("policy/chain mismatch %+v", m)
					return
				}
				lookups.Add(1)
			}
		}()
	}
	for g := 1; g <= 200; g++ {
		ref.Store(seedTable(t, fmt.Sprint("g", g)))
	}
	stop.Store(true)
	wg.Wait()
	if got := ref.Load().Default().Policy.Listen; got != "g200" {
		t.Fatalf("last table is %s", got)
	}
	t.Logf("%d lookups during 200 swaps", lookups.Load())
}
