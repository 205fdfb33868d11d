package acl

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
)

// naive is the slow reference: a linear scan for the longest prefix.
type naive struct {
	pfx []netip.Prefix
	val []int
}

func (n *naive) insert(p netip.Prefix, v int) {
	p, err := NormalizePrefix(p)
	if err != nil {
		panic(err)
	}
	for i := range n.pfx {
		if n.pfx[i] == p {
			n.val[i] = v
			return
		}
	}
	n.pfx = append(n.pfx, p)
	n.val = append(n.val, v)
}

func (n *naive) lookup(a netip.Addr) (int, bool) {
	a = a.Unmap().WithZone("")
	best, bv, ok := -1, 0, false
	for i, p := range n.pfx {
		if p.Contains(a) && p.Bits() > best {
			best, bv, ok = p.Bits(), n.val[i], true
		}
	}
	return bv, ok
}

func randAddr(r *rand.Rand, v4 bool) netip.Addr {
	if v4 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], r.Uint32())
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], r.Uint64())
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	return netip.AddrFrom16(b)
}

// randIn returns a random address inside p.
func randIn(r *rand.Rand, p netip.Prefix) netip.Addr {
	a := randAddr(r, p.Addr().Is4())
	if p.Addr().Is4() {
		x, y := p.Addr().As4(), a.As4()
		return netip.AddrFrom4(mix[[4]byte](x[:], y[:], p.Bits()))
	}
	x, y := p.Addr().As16(), a.As16()
	return netip.AddrFrom16(mix[[16]byte](x[:], y[:], p.Bits()))
}

// mix copies the first n bits of x over y.
func mix[T [4]byte | [16]byte](x, y []byte, n int) (out T) {
	for i := range y {
		m := byte(0)
		switch {
		case n >= 8*(i+1):
			m = 0xff
		case n > 8*i:
			m = ^byte(0xff >> (n - 8*i))
		}
		out[i] = x[i]&m | y[i]&^m
	}
	return out
}

// bgpLen draws a prefix length with the BGP-like IPv4 mix of the
// performance anchors: 55% /24, 30% /16-/23, 14.8% /25-/32, 0.2% /8-/15.
func bgpLen(r *rand.Rand) int {
	x := r.IntN(1000)
	switch {
	case x < 550:
		return 24
	case x < 850:
		return 16 + r.IntN(8)
	case x < 998:
		return 25 + r.IntN(8)
	default:
		return 8 + r.IntN(8)
	}
}

// bgpLen6 is the IPv6 counterpart: mostly /48, then /32-/47 and /49-/64.
func bgpLen6(r *rand.Rand) int {
	x := r.IntN(1000)
	switch {
	case x < 550:
		return 48
	case x < 850:
		return 32 + r.IntN(16)
	case x < 998:
		return 49 + r.IntN(16)
	default:
		return 16 + r.IntN(16)
	}
}

// bgpPrefixes returns n distinct random prefixes; mixed means one in five is
// IPv6 (in 2000::/3, as real tables are).
func bgpPrefixes(r *rand.Rand, n int, mixed bool) []netip.Prefix {
	seen := make(map[netip.Prefix]bool, n)
	out := make([]netip.Prefix, 0, n)
	for len(out) < n {
		var p netip.Prefix
		if mixed && r.IntN(5) == 0 {
			a := randAddr(r, false).As16()
			a[0] = 0x20 | a[0]&0x1f
			p = netip.PrefixFrom(netip.AddrFrom16(a), bgpLen6(r)).Masked()
		} else {
			p = netip.PrefixFrom(randAddr(r, true), bgpLen(r)).Masked()
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// probes returns n lookup addresses: half inside the given prefixes, half
// uniformly random of the same families.
func probes(r *rand.Rand, ps []netip.Prefix, n int) []netip.Addr {
	out := make([]netip.Addr, n)
	for i := range out {
		p := ps[r.IntN(len(ps))]
		if i%2 == 0 {
			out[i] = randIn(r, p)
		} else {
			out[i] = randAddr(r, p.Addr().Is4())
		}
	}
	return out
}
