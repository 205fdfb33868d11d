package acl

import (
	"errors"
	"fmt"

	"sluice/config"
)

// Build makes the Table for Listen l of configuration c: the Listener-level
// and the Listen-level Peer scopes merged, each distinct prefix holding the
// policy c.Resolve flattened for the chain of Peers containing it, and
// c.ListenPolicy(l) for addresses no Peer contains. It runs at start-up and
// on reload, never per connection.
func Build(c *config.Config, l *config.Listen) (*Table, error) {
	if c == nil || l == nil || l.Listener == nil {
		return nil, errors.New("acl: Build needs a Config and one of its Listens")
	}
	scopes := make([]scope[*config.Peer], 0, len(l.Listener.Peers)+len(l.Peers))
	add := func(ps []*config.Peer, inListen bool) {
		for _, p := range ps {
			scopes = append(scopes, scope[*config.Peer]{prefix: p.Prefix, inListen: inListen, path: p.Path, peer: p})
		}
	}
	add(l.Listener.Peers, false)
	add(l.Peers, true)
	def := c.ListenPolicy(l)
	if def == nil {
		return nil, fmt.Errorf("acl: Listen %s: the config layer resolved no policy", l.Addr)
	}
	return buildTable(scopes, func(chain []*config.Peer) *config.Policy { return c.Resolve(l, chain) }, def)
}
