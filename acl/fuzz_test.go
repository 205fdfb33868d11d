package acl

import (
	"net/netip"
	"testing"
)

// reader decodes fuzz bytes into prefixes and addresses; running out of
// input yields zeros, so every input is valid.
type reader struct{ b []byte }

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// addr reads a flag byte (bit 0: IPv6, bit 1: IPv4-mapped form) and the
// address bytes.
func (r *reader) addr() netip.Addr {
	f := r.byte()
	if f&1 != 0 {
		var a [16]byte
		for i := range a {
			a[i] = r.byte()
		}
		return netip.AddrFrom16(a)
	}
	var a [4]byte
	for i := range a {
		a[i] = r.byte()
	}
	if f&2 != 0 {
		return netip.AddrFrom16(netip.AddrFrom4(a).As16())
	}
	return netip.AddrFrom4(a)
}

// FuzzTrie builds a trie from fuzzed prefixes and compares every lookup,
// at fuzzed addresses and at each prefix's edges, with the linear scan.
func FuzzTrie(f *testing.F) {
	f.Add([]byte{2, 0, 10, 0, 0, 0, 8, 0, 10, 1, 2, 3, 32, 0, 10, 1, 2, 3})
	f.Add([]byte{1, 1, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 128, 2, 1, 2, 3, 4})
	f.Add([]byte{3, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 192, 0, 2, 0, 120, 0, 192, 0, 2, 9})
	f.Add([]byte{4, 0, 10, 0, 0, 0, 9, 0, 10, 128, 0, 0, 9, 0, 10, 64, 0, 0, 10, 0, 10, 0, 0, 0, 31})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &reader{b: data}
		n := int(r.byte() % 48)
		var b Builder[int]
		ref := &naive{}
		var ps []netip.Prefix
		for i := range n {
			a := r.addr()
			p := netip.PrefixFrom(a, int(r.byte())%(a.BitLen()+1))
			if err := b.Insert(p, i+1); err != nil {
				t.Fatalf("Insert(%v): %v", p, err)
			}
			ref.insert(p, i+1)
			ps = append(ps, p)
		}
		tr := b.Build()
		check := func(a netip.Addr) {
			got, gok := tr.Lookup(a)
			want, wok := ref.lookup(a)
			if got != want || gok != wok {
				t.Fatalf("Lookup(%v) = %d,%v; naive %d,%v", a, got, gok, want, wok)
			}
		}
		for _, p := range ps {
			m := p.Masked().Addr()
			check(m)
			check(m.Prev())
			check(m.Next())
			check(p.Addr())
		}
		for len(r.b) > 0 {
			check(r.addr())
		}
	})
}
