package acl

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
)

// Builder collects prefixes for a Trie. It is not safe for concurrent use;
// the Trie it builds is.
type Builder[V any] struct {
	m map[netip.Prefix]V
}

// NormalizePrefix returns the canonical form the trie stores: host bits
// cleared, zone dropped, and an IPv4-mapped IPv6 prefix of length 96 or more
// turned into the IPv4 prefix it covers (so it matches IPv4 lookups).
func NormalizePrefix(p netip.Prefix) (netip.Prefix, error) {
	if !p.IsValid() {
		return netip.Prefix{}, fmt.Errorf("acl: invalid prefix %v", p)
	}
	a := p.Addr().WithZone("")
	if a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked(), nil
	}
	return netip.PrefixFrom(a, p.Bits()).Masked(), nil
}

// Insert adds p with value v; a later Insert of the same prefix replaces v.
func (b *Builder[V]) Insert(p netip.Prefix, v V) error {
	p, err := NormalizePrefix(p)
	if err != nil {
		return err
	}
	if b.m == nil {
		b.m = make(map[netip.Prefix]V)
	}
	b.m[p] = v
	return nil
}

// Len returns the number of distinct prefixes inserted so far.
func (b *Builder[V]) Len() int { return len(b.m) }

// entry is a prefix in key form, with its value index.
type entry struct {
	hi, lo uint64
	val    uint32
	bits   uint8
}

// Build returns an immutable Trie of everything inserted. The Builder may be
// reused afterwards; the Trie does not share memory with it.
func (b *Builder[V]) Build() *Trie[V] {
	t := &Trie[V]{vals: make([]V, 1, len(b.m)+1)}
	var e4, e6 []entry
	for p, v := range b.m {
		t.vals = append(t.vals, v)
		e := entry{val: uint32(len(t.vals) - 1), bits: uint8(p.Bits())}
		if a := p.Addr(); a.Is4() {
			v := a.As4()
			e.hi = uint64(binary.BigEndian.Uint32(v[:])) << 32
			e4 = append(e4, e)
		} else {
			e.hi, e.lo = key6(a)
			e6 = append(e6, e)
		}
	}
	t.v4 = buildFamily(e4)
	t.v6 = buildFamily(e6)
	return t
}

// buildFamily sorts the entries so that every subtree is a contiguous run
// of them, then builds the nodes depth first.
func buildFamily(es []entry) family {
	slices.SortFunc(es, func(a, b entry) int {
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		if c := cmp.Compare(a.lo, b.lo); c != 0 {
			return c
		}
		return cmp.Compare(a.bits, b.bits)
	})
	var f family
	f.build(es, 0, 0)
	f.nodes = slices.Clip(f.nodes)
	f.kids = slices.Clip(f.kids)
	f.runs = slices.Clip(f.runs)
	f.leaves = slices.Clip(f.leaves)
	return f
}

// build adds the node at depth d (in octets) for es, which all share the
// first 8*d bits and are longer than 8*d bits (except at the root), and
// returns its index. inherit is the value index of the best prefix above.
func (f *family) build(es []entry, d uint, inherit uint32) uint32 {
	idx := uint32(len(f.nodes))
	f.nodes = append(f.nodes, node{})
	limit := 8*d + 8 // prefixes up to this length live in this node

	var best [256]uint32
	for i := range best {
		best[i] = inherit
	}
	// Paint own prefixes shortest first, so longer ones overwrite.
	var own []entry
	for _, e := range es {
		if uint(e.bits) <= limit {
			own = append(own, e)
		}
	}
	slices.SortFunc(own, func(a, b entry) int { return cmp.Compare(a.bits, b.bits) })
	for _, e := range own {
		span := uint(1) << (limit - uint(e.bits))
		start := octet(e.hi, e.lo, d) &^ (span - 1)
		for o := start; o < start+span; o++ {
			best[o] = e.val
		}
	}
	f.setRuns(idx, &best)

	// Children: the longer prefixes, grouped by their octet at depth d.
	type group struct {
		o    uint
		from int
		to   int
	}
	var groups []group
	for i := 0; i < len(es); i++ {
		if uint(es[i].bits) <= limit {
			continue
		}
		o := octet(es[i].hi, es[i].lo, d)
		if n := len(groups); n > 0 && groups[n-1].o == o {
			groups[n-1].to = i + 1
			continue
		}
		groups = append(groups, group{o: o, from: i, to: i + 1})
	}
	base := uint32(len(f.kids))
	f.kids = append(f.kids, make([]uint32, len(groups))...)
	var kb [4]uint64
	for j, g := range groups {
		kb[g.o>>6] |= 1 << (g.o & 63)
		sub := childEntries(es[g.from:g.to], limit)
		var k uint32
		if len(sub) == 1 {
			e := sub[0]
			f.leaves = append(f.leaves, leaf{hi: e.hi, lo: e.lo, val: e.val, bits: e.bits})
			k = leafBit | uint32(len(f.leaves)-1)
		} else {
			k = f.build(sub, d+1, best[g.o])
		}
		f.kids[base+uint32(j)] = k
	}
	n := &f.nodes[idx]
	n.kidBits, n.kidBase = kb, base
	n.kidCum = cumulative(kb)
	return idx
}

// childEntries returns the entries of a group that belong below this node
// (longer than limit). Own entries were skipped while grouping, but a group
// is a contiguous range and may contain own entries between longer ones.
func childEntries(es []entry, limit uint) []entry {
	for _, e := range es {
		if uint(e.bits) <= limit {
			out := make([]entry, 0, len(es))
			for _, e := range es {
				if uint(e.bits) > limit {
					out = append(out, e)
				}
			}
			return out
		}
	}
	return es
}

// setRuns stores the run-length form of best for node idx.
func (f *family) setRuns(idx uint32, best *[256]uint32) {
	var rb [4]uint64
	base := uint32(len(f.runs))
	for o := range best {
		if o == 0 || best[o] != best[o-1] {
			rb[o>>6] |= 1 << (o & 63)
			f.runs = append(f.runs, best[o])
		}
	}
	n := &f.nodes[idx]
	n.runBits, n.runBase = rb, base
	n.runCum = cumulative(rb)
}

// cumulative returns, for each word, the number of set bits before it.
func cumulative(b [4]uint64) (c [4]uint8) {
	s := 0
	for w := range b {
		c[w] = uint8(s)
		s += bits.OnesCount64(b[w])
	}
	return c
}
