package config

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"sync"
)

var typeOpts = sync.OnceValue(func() map[typeMask][]*optDef {
	m := map[typeMask][]*optDef{0: globalOpts()}
	for i := range Kinds {
		m[1<<i] = optsFor(1 << i)
	}
	return m
})

// effective returns d's value from the first scope in order that sets it,
// then the global scope when d is global-capable, then d's default. It
// returns nil when nothing sets d and d has no default.
func (c *Config) effective(d *optDef, order []*scope) *Value {
	for _, sc := range order {
		if st := sc.get(d); st != nil {
			return st.val
		}
	}
	if d.Global {
		if st := c.root.get(d); st != nil {
			return st.val
		}
	}
	return d.defVal
}

// policy resolves every option of type tm along order.
func (c *Config) policy(tm typeMask, kind, listen string, order []*scope) *Policy {
	defs := typeOpts()[tm]
	p := &Policy{Listener: kind, Listen: listen, vals: make(map[string]*Value, len(defs))}
	for _, d := range defs {
		if v := c.effective(d, order); v != nil {
			p.vals[d.key] = v
		}
	}
	return p
}

// Global returns the global options, resolved (set value or default).
// Options with no default that are not set are absent.
func (c *Config) Global() *Policy { return c.policy(0, "", "", nil) }

// ListenPolicy is the policy of a connection to l that matches no Peer.
func (c *Config) ListenPolicy(l *Listen) *Policy { return c.Resolve(l, nil) }

// Resolve flattens the fallback for a connection to l whose address
// matches the Peers in chain, most specific first (on equal prefixes the
// Listen's own Peer first): each option comes from the first Peer in chain
// that sets it, then l, then l's listener, then the global scope (for
// global-capable options), then the default. Options that nothing sets and
// that have no default are absent from the Policy.
func (c *Config) Resolve(l *Listen, chain []*Peer) *Policy {
	order := make([]*scope, 0, len(chain)+2)
	for _, p := range chain {
		order = append(order, p.sc)
	}
	order = append(order, l.sc, l.Listener.sc)
	p := c.policy(l.sc.tm, l.Listener.Kind, l.Addr.String(), order)
	if len(chain) > 0 {
		p.Peer, p.PeerScope = chain[0].Prefix, chain[0].Path
	}
	return p
}

// FindListen returns the Listen of listener kind whose socket addr names
// (any accepted spelling), or nil.
func (c *Config) FindListen(kind, addr string) *Listen {
	a, err := ParseListenAddr(addr, c.baseDir)
	if err != nil {
		return nil
	}
	for _, L := range c.Listeners {
		if !strings.EqualFold(L.Kind, kind) {
			continue
		}
		for _, l := range L.Listens {
			if l.Addr.String() == a.String() {
				return l
			}
		}
	}
	return nil
}

// PeerChain returns the Peers of l (Listen-level and listener-level) whose
// prefix contains every address of pfx, in fallback order: longest prefix
// first, the Listen's own Peer first on equal prefixes. With pfx a host
// route it is the chain a connection from that address resolves through.
func PeerChain(l *Listen, pfx netip.Prefix) []*Peer {
	return peerChain(l.Peers, l.Listener.Peers, pfx)
}

func peerChain(own, outer []*Peer, pfx netip.Prefix) []*Peer {
	var out []*Peer
	for _, set := range [][]*Peer{own, outer} {
		for _, p := range set {
			if p.Prefix.Addr().Is4() == pfx.Addr().Is4() && p.Prefix.Bits() <= pfx.Bits() && p.Prefix.Contains(pfx.Addr()) {
				out = append(out, p)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *Peer) int { return cmp.Compare(b.Prefix.Bits(), a.Prefix.Bits()) })
	return out
}

// IsDynamic reports whether a change to option applies without a restart.
// Unknown options report false.
func (c *Config) IsDynamic(option string) bool {
	d := lookupOpt(option)
	return d != nil && !d.Restart
}
