package acl

import (
	"fmt"
	"net/netip"
	"slices"
	"sync/atomic"

	"sluice/config"
)

// Table answers, for one Listen, which Peer scope an address falls in and
// what its fully resolved policy is. It is immutable: a reload builds a new
// Table and publishes it through a Ref.
type Table struct {
	trie *Trie[*Match]
	def  *Match // no Peer matched: the Listen's own policy
}

// noTable is what a nil *Table answers: no policy at all, so a caller that
// forgot to Store a table fails closed rather than panicking.
var noTable = &Match{}

// Lookup returns the Match of the most specific Peer containing a, or the
// Listen's own Match when none does. It never returns nil, takes no lock and
// does not allocate. IPv4-mapped IPv6 addresses match as IPv4.
func (t *Table) Lookup(a netip.Addr) *Match {
	if t == nil {
		return noTable
	}
	if m, ok := t.trie.Lookup(a); ok {
		return m
	}
	return t.def
}

// Default returns the Match used when no Peer contains the address.
func (t *Table) Default() *Match {
	if t == nil {
		return noTable
	}
	return t.def
}

// Len returns the number of distinct Peer prefixes in the table.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return t.trie.Len()
}

// Explain says, for the console, which Peer scope a matched (its console
// path, "" when none did) and where the effective value of option came
// from: the file position and the console path of the scope that set it.
// A zero Source means the compiled default; an unknown option gives "", a
// zero Source and "".
func (t *Table) Explain(a netip.Addr, option string) (matched string, src config.Source, scope string) {
	m := t.Lookup(a)
	if len(m.Chain) > 0 {
		matched = m.Chain[0]
	}
	if v, ok := m.Policy.Value(option); ok {
		src, scope = v.Src, v.Scope
	}
	return matched, src, scope
}

// Ref publishes the current Table. Readers Load and use a Table for as long
// as they like; Store swaps in a new one without waiting for them. The
// zero Ref holds nil, whose Lookup answers an empty Match.
type Ref struct {
	p atomic.Pointer[Table]
}

// Load returns the current Table (nil before the first Store).
func (r *Ref) Load() *Table { return r.p.Load() }

// Store publishes t; lookups already running keep the Table they loaded.
func (r *Ref) Store(t *Table) { r.p.Store(t) }

// Lookup is r.Load().Lookup(a).
func (r *Ref) Lookup(a netip.Addr) *Match { return r.p.Load().Lookup(a) }

// Scope is one Peer as the table builder sees it; P is the caller's handle
// (the daemon passes a *config.Peer), passed back to resolve.
type Scope[P any] struct {
	Prefix   netip.Prefix // as configured: reported in Match.Peer
	InListen bool         // declared inside the Listen (wins ties)
	Path     string       // console path
	Peer     P
}

// NewTable stores at every distinct Peer prefix the Match for the chain
// of Peers containing it, most specific first, Listen-level first on equal
// prefixes. resolve flattens a chain into a policy; def is the no-Peer one.
func NewTable[P any](scopes []Scope[P], resolve func([]P) *config.Policy, def *config.Policy) (*Table, error) {
	byPfx := make(map[netip.Prefix][]int, len(scopes))
	for i, s := range scopes {
		p, err := NormalizePrefix(s.Prefix)
		if err != nil {
			return nil, fmt.Errorf("acl: Peer %q: %v", s.Path, err)
		}
		byPfx[p] = append(byPfx[p], i)
	}
	for _, idx := range byPfx {
		slices.SortStableFunc(idx, func(a, b int) int {
			return boolRank(scopes[a].InListen) - boolRank(scopes[b].InListen)
		})
	}
	var b Builder[*Match]
	for p, idx := range byPfx {
		var chain []P
		m := &Match{Peer: scopes[idx[0]].Prefix}
		for l := p.Bits(); l >= 0; l-- {
			q := netip.PrefixFrom(p.Addr(), l).Masked()
			for _, i := range byPfx[q] {
				chain = append(chain, scopes[i].Peer)
				m.Chain = append(m.Chain, scopes[i].Path)
			}
		}
		if m.Policy = resolve(chain); m.Policy == nil {
			return nil, fmt.Errorf("acl: Peer %q: the config layer resolved no policy", scopes[idx[0]].Path)
		}
		if err := b.Insert(p, m); err != nil {
			return nil, err
		}
	}
	return &Table{trie: b.Build(), def: &Match{Policy: def}}, nil
}

// boolRank orders true before false.
func boolRank(b bool) int {
	if b {
		return 0
	}
	return 1
}
