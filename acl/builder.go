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
	pfx  []netip.Prefix
	vals []V
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
	b.pfx = append(b.pfx, p)
	b.vals = append(b.vals, v)
	return nil
}

// entry is a prefix in key form, with its value index.
type entry struct {
	hi, lo uint64
	val    uint32 // index into Builder.vals while sorting, Trie.vals after
	bits   uint8
}

// Build returns an immutable Trie of everything inserted. The Builder may be
// reused afterwards; the Trie does not share memory with it.
func (b *Builder[V]) Build() *Trie[V] {
	var e4, e6 []entry
	for i, p := range b.pfx {
		e := entry{val: uint32(i), bits: uint8(p.Bits())}
		if a := p.Addr(); a.Is4() {
			v := a.As4()
			e.hi = uint64(binary.BigEndian.Uint32(v[:])) << 32
			e4 = append(e4, e)
		} else {
			e.hi, e.lo = key6(a)
			e6 = append(e6, e)
		}
	}
	t := &Trie[V]{vals: make([]V, 1, len(b.pfx)+1)}
	e4, e6 = t.dedup(e4, b.vals), t.dedup(e6, b.vals)
	t.vals = slices.Clip(t.vals)
	t.v4, t.v6 = buildFamily(e4), buildFamily(e6)
	return t
}

// dedup sorts es by prefix (then insertion order), keeps the last insert of
// each prefix, and moves its value into t.vals. Sorted order makes every
// subtree a contiguous run of entries for buildFamily.
func (t *Trie[V]) dedup(es []entry, vals []V) []entry {
	slices.SortFunc(es, func(a, b entry) int {
		if a.hi != b.hi {
			return cmp.Compare(a.hi, b.hi)
		}
		if a.lo != b.lo {
			return cmp.Compare(a.lo, b.lo)
		}
		if a.bits != b.bits {
			return cmp.Compare(a.bits, b.bits)
		}
		return cmp.Compare(a.val, b.val)
	})
	out := es[:0]
	for i, e := range es {
		if i+1 < len(es) && es[i+1].hi == e.hi && es[i+1].lo == e.lo && es[i+1].bits == e.bits {
			continue // a later insert of the same prefix wins
		}
		t.vals = append(t.vals, vals[e.val])
		e.val = uint32(len(t.vals) - 1)
		out = append(out, e)
	}
	return out
}

// buildFamily builds the nodes of one family from sorted, distinct entries.
func buildFamily(es []entry) family {
	// Generous capacities avoid regrowing; the exact-size copies below
	// drop the slack so a long-lived table holds no spare capacity.
	n := len(es)
	f := family{
		nodes:  make([]node, 0, n/2+1),
		kids:   make([]uint32, 0, n+n/2),
		runs:   make([]uint32, 0, 2*n+1),
		leaves: make([]leaf, 0, n),
	}
	f.build(es, 0, 0)
	return family{
		nodes:  slices.Clone(f.nodes),
		kids:   slices.Clone(f.kids),
		runs:   slices.Clone(f.runs),
		leaves: slices.Clone(f.leaves),
	}
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
	var obuf [32]entry
	own := obuf[:0]
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
	var gbuf [32]group
	groups := gbuf[:0]
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
