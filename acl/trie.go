package acl

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// leafBit tags an entry of family.kids as an index into family.leaves
// rather than into family.nodes.
const leafBit = 1 << 31

// node is one stride-8 level of the trie. It holds no pointers: children and
// run values live in the family's flat slices, addressed by base + rank, so
// the garbage collector never scans a table and a node costs 80 bytes.
//
// runBits marks the octets at which the best prefix changes; the run that
// contains octet o is rank(runBits, o)-1, and runs[runBase+run] is the value
// index of the longest prefix covering o, including every prefix of the
// ancestors (pushed down at build time). A lookup therefore reads one run, at
// the deepest node it reaches, and never backtracks.
type node struct {
	// The child fields come first and together (40 bytes), so a walk that
	// passes through a node usually touches one cache line of it.
	kidBits [4]uint64 // octets that have a child (a node or a leaf)
	kidBase uint32    // index of this node's first entry in family.kids
	kidCum  [4]uint8  // set kid bits in the words before word w
	runBase uint32    // index of this node's first entry in family.runs
	runCum  [4]uint8  // set run bits in the words before word w
	runBits [4]uint64 // octets that start a run; bit 0 is always set
}

// leaf is a prefix alone in its subtree, stored at the node above that
// subtree instead of as a chain of single-child nodes (path compression).
type leaf struct {
	hi, lo uint64 // prefix bits, masked, left-aligned (IPv4 in the top of hi)
	val    uint32 // value index
	bits   uint8  // prefix length
}

// family is the trie for one address family; nodes[0] is the root.
type family struct {
	nodes  []node
	kids   []uint32
	runs   []uint32
	leaves []leaf
}

// octet returns byte d (0..15) of the key.
func octet(hi, lo uint64, d uint) uint {
	if d < 8 {
		return uint(hi>>(56-8*d)) & 0xff
	}
	return uint(lo>>(120-8*(d&15))) & 0xff
}

// contains reports whether the key lies inside the leaf's prefix.
func (l *leaf) contains(hi, lo uint64) bool {
	b := uint(l.bits)
	mh := ^(^uint64(0) >> b) // shifts of 64 or more give 0, so mh is all ones
	s := b - 64
	if b < 64 {
		s = 0 // ^(^0 >> 0) == 0: no bits of lo are compared
	}
	ml := ^(^uint64(0) >> s)
	return hi&mh == l.hi && lo&ml == l.lo
}

// run returns the value index of the longest prefix covering octet o at n.
func (f *family) run(n *node, o uint) uint32 {
	w := o >> 6
	r := uint(n.runCum[w]) + uint(bits.OnesCount64(n.runBits[w]&(2<<(o&63)-1))) - 1
	return f.runs[n.runBase+uint32(r)]
}

// lookup returns the value index of the longest prefix containing the key,
// 0 when none does. It walks down while children exist and reads one run.
func (f *family) lookup(hi, lo uint64) uint32 {
	if len(f.nodes) == 0 {
		return 0
	}
	n := &f.nodes[0]
	for d := uint(0); ; d++ {
		o := octet(hi, lo, d)
		w, b := o>>6, o&63
		kw := n.kidBits[w]
		if kw&(1<<b) == 0 {
			return f.run(n, o)
		}
		k := f.kids[n.kidBase+uint32(n.kidCum[w])+uint32(bits.OnesCount64(kw&(1<<b-1)))]
		if k&leafBit != 0 {
			if l := &f.leaves[k&^leafBit]; l.contains(hi, lo) {
				return l.val
			}
			return f.run(n, o)
		}
		n = &f.nodes[k]
	}
}

// lookup4 is lookup specialised for IPv4 keys (at most four levels, one
// 32-bit word), which keeps the hot loop free of the two-word key.
func (f *family) lookup4(k uint32) uint32 {
	if len(f.nodes) == 0 {
		return 0
	}
	n := &f.nodes[0]
	for s := uint(24); ; s -= 8 {
		o := uint(k>>s) & 0xff
		w, b := o>>6, o&63
		kw := n.kidBits[w]
		if kw&(1<<b) == 0 {
			return f.run(n, o)
		}
		c := f.kids[n.kidBase+uint32(n.kidCum[w])+uint32(bits.OnesCount64(kw&(1<<b-1)))]
		if c&leafBit != 0 {
			l := &f.leaves[c&^leafBit]
			if k&^(^uint32(0)>>l.bits) == uint32(l.hi>>32) {
				return l.val
			}
			return f.run(n, o)
		}
		n = &f.nodes[c]
	}
}

// Trie is an immutable longest-prefix-match table from netip prefixes to
// values of type V, made by a Builder. IPv4 and IPv6 have separate roots;
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are looked up as IPv4.
//
// A Trie is never modified after Build returns, so any number of goroutines
// may call its methods concurrently without locks. The zero Trie is empty.
type Trie[V any] struct {
	v4, v6 family
	vals   []V // vals[0] is the zero V, meaning "no match"
}

// key6 converts an IPv6 address to the two-word trie key. The zone is
// ignored.
func key6(a netip.Addr) (hi, lo uint64) {
	v := a.As16()
	return binary.BigEndian.Uint64(v[:8]), binary.BigEndian.Uint64(v[8:])
}

// index returns the value index of the longest prefix containing a.
// IPv4-mapped IPv6 addresses are looked up as IPv4.
func (t *Trie[V]) index(a netip.Addr) uint32 {
	if a.Is4() {
		v := a.As4()
		return t.v4.lookup4(binary.BigEndian.Uint32(v[:]))
	}
	if !a.IsValid() {
		return 0
	}
	if a.Is4In6() {
		v := a.As16()
		return t.v4.lookup4(binary.BigEndian.Uint32(v[12:]))
	}
	return t.v6.lookup(key6(a))
}

// Lookup returns the value of the longest prefix containing a, and whether
// one does. It does not allocate.
func (t *Trie[V]) Lookup(a netip.Addr) (v V, ok bool) {
	i := t.index(a)
	if i == 0 {
		return v, false
	}
	return t.vals[i], true
}

// Len returns the number of distinct prefixes stored.
func (t *Trie[V]) Len() int {
	if len(t.vals) == 0 {
		return 0
	}
	return len(t.vals) - 1
}
