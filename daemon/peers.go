package daemon

import (
	"errors"
	"fmt"

	"sluice/acl"
	"sluice/config"
)

// peerTable makes the acl.Table for Listen l of configuration c: the Listener-level
// and the Listen-level Peer scopes merged, each distinct prefix holding the
// policy c.Resolve flattened for the chain of Peers containing it, and
// c.ListenPolicy(l) for addresses no Peer contains. It runs at start-up and
// on reload, never per connection. It lives here, at the composition root,
// so that acl knows policies but not the configuration tree.
func peerTable(c *config.Config, l *config.Listen) (*acl.Table, error) {
	if c == nil || l == nil || l.Listener == nil {
		return nil, errors.New("daemon: peerTable needs a Config and one of its Listens")
	}
	scopes := make([]acl.Scope[*config.Peer], 0, len(l.Listener.Peers)+len(l.Peers))
	add := func(ps []*config.Peer, inListen bool) {
		for _, p := range ps {
			scopes = append(scopes, acl.Scope[*config.Peer]{Prefix: p.Prefix, InListen: inListen, Path: p.Path, Peer: p})
		}
	}
	add(l.Listener.Peers, false)
	add(l.Peers, true)
	def := c.ListenPolicy(l)
	if def == nil {
		return nil, fmt.Errorf("daemon: Listen %s: the config layer resolved no policy", l.Addr)
	}
	return acl.NewTable(scopes, func(chain []*config.Peer) *config.Policy { return c.Resolve(l, chain) }, def)
}
