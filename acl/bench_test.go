package acl

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gaissmai/bart"
)

// Benchmarks against github.com/gaissmai/bart on identical prefix sets and
// probes. Run as documented in BENCH.md.

var benchSizes = []int{10, 1000, 100000, 1000000}

type benchSet struct {
	pfx    []netip.Prefix
	probes []netip.Addr // 65,536: half inside a prefix, half random
}

var (
	benchMu   sync.Mutex
	benchSets = map[string]*benchSet{}
)

// getSet returns the (cached) set for size n; mixed adds 20% IPv6.
func getSet(n int, mixed bool) *benchSet {
	k := fmt.Sprint(n, mixed)
	benchMu.Lock()
	defer benchMu.Unlock()
	if s := benchSets[k]; s != nil {
		return s
	}
	r := rand.New(rand.NewPCG(uint64(n), 42))
	s := &benchSet{pfx: bgpPrefixes(r, n, mixed)}
	s.probes = probes(r, s.pfx, 1<<16)
	benchSets[k] = s
	return s
}

// impl is one table under test: build and lookup, with the same values.
type impl struct {
	name  string
	build func(ps []netip.Prefix) any
	look  func(t any) func(netip.Addr) (int, bool)
}

var impls = []impl{
	{"sluice", func(ps []netip.Prefix) any {
		var b Builder[int]
		for i, p := range ps {
			_ = b.Insert(p, i)
		}
		return b.Build()
	}, func(t any) func(netip.Addr) (int, bool) { return t.(*Trie[int]).Lookup }},
	{"bart.Table", func(ps []netip.Prefix) any {
		t := new(bart.Table[int])
		for i, p := range ps {
			t.Insert(p, i)
		}
		return t
	}, func(t any) func(netip.Addr) (int, bool) { return t.(*bart.Table[int]).Lookup }},
	{"bart.Fast", func(ps []netip.Prefix) any {
		t := new(bart.Fast[int])
		for i, p := range ps {
			t.Insert(p, i)
		}
		return t
	}, func(t any) func(netip.Addr) (int, bool) { return t.(*bart.Fast[int]).Lookup }},
}

func benchName(kind string, mixed bool, n int, im impl) string {
	fam := "v4"
	if mixed {
		fam = "mixed"
	}
	return fmt.Sprintf("%s/%s/N=%d/%s", kind, fam, n, im.name)
}

var sink int

// BenchmarkBuild measures building the whole table from the prefix list and
// reports its retained heap per prefix (heap after two GCs, minus before).
func BenchmarkBuild(b *testing.B) {
	for _, mixed := range []bool{false, true} {
		for _, n := range benchSizes {
			for _, im := range impls {
				b.Run(benchName("", mixed, n, im)[1:], func(b *testing.B) {
					s := getSet(n, mixed)
					before := heap()
					t := im.build(s.pfx)
					bytes := heap() - before
					runtime.KeepAlive(t)
					t = nil
					for b.Loop() {
						t = im.build(s.pfx)
					}
					runtime.KeepAlive(t)
					b.ReportMetric(float64(bytes)/float64(n), "B/pfx")
				})
			}
		}
	}
}

func heap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestBenchSetsAgree checks that sluice and bart give the same answers on
// the benchmark sets, so the benchmark compares equal work.
func TestBenchSetsAgree(t *testing.T) {
	for _, mixed := range []bool{false, true} {
		s := getSet(1000, mixed)
		a, c := impls[0].build(s.pfx), impls[1].build(s.pfx)
		la, lc := impls[0].look(a), impls[1].look(c)
		for _, p := range s.probes {
			va, oka := la(p)
			vc, okc := lc(p)
			if va != vc || oka != okc {
				t.Fatalf("%v: sluice %d,%v bart %d,%v", p, va, oka, vc, okc)
			}
		}
	}
}

// BenchmarkPaired times sluice and both bart tables on the same probes in
// interleaved chunks of 4,096 lookups, so that load from other processes on
// a shared machine hits all three alike. It reports ns per lookup for each
// (the ns/op of the benchmark itself is the sum of the three).
func BenchmarkPaired(b *testing.B) {
	for _, mixed := range []bool{false, true} {
		for _, n := range benchSizes {
			b.Run(benchName("", mixed, n, impl{name: "all"})[1:], func(b *testing.B) {
				s := getSet(n, mixed)
				looks := make([]func(netip.Addr) (int, bool), len(impls))
				for i, im := range impls {
					looks[i] = im.look(im.build(s.pfx))
				}
				spent := make([]time.Duration, len(impls))
				const chunk = 4096
				var lookups, acc int
				for b.Loop() {
					off := lookups & (len(s.probes) - 1)
					// Rotate who goes first: the first pass over a
					// chunk pulls the probes into cache for the others.
					for r := range looks {
						i := (r + lookups/chunk) % len(looks)
						look := looks[i]
						t0 := time.Now()
						for j := range chunk {
							v, _ := look(s.probes[(off+j)&(len(s.probes)-1)])
							acc += v
						}
						spent[i] += time.Since(t0)
					}
					lookups += chunk
				}
				sink = acc
				for i, im := range impls {
					b.ReportMetric(float64(spent[i].Nanoseconds())/float64(lookups), im.name+"-ns")
				}
				b.ReportMetric(float64(spent[0])/float64(spent[1]), "sluice/bart.Table")
			})
		}
	}
}
