package daemon

import (
	"log/slog"
	"net/netip"
	"time"

	"sluice/config"
	"sluice/dnsbl"
	"sluice/engine"
	"sluice/proto"
	"sluice/throttle"
)

// A bad DNSBL_Zones entry fails the load (or the console set) with its
// position, instead of being skipped at the first lookup.
func init() {
	config.RegisterCheck("DNSBL_Zones", func(v *config.Value) error {
		for _, z := range v.List {
			if _, err := dnsbl.ParseZone(z); err != nil {
				return err
			}
		}
		return nil
	})
}

// edgeState is the daemon's part of the edge defences (docs/edge.md): the
// per-source limit counters and the DNS-list checker, which outlive reloads
// like the session caps. The engine judges the connection limits and runs
// the DNS lists with them; the protocol factories count messages through
// messages(). A cluster-wide message rate replaces what messages() returns.
type edgeState struct {
	limits *throttle.Table
	dnsbl  *dnsbl.Checker // nil: DNS lists off (no resolver could be set up)
}

// newEdge builds the state from the global options (DNS_Servers and
// DNSBL_Cache_Size need a restart). A missing resolver only disables the
// DNS lists, loudly, when some policy names them.
func newEdge(g *config.Policy, log *slog.Logger) *edgeState {
	e := &edgeState{limits: throttle.New(0)}
	c, err := dnsbl.New(dnsbl.Options{Servers: g.List("dns_servers"), CacheSize: int(g.Int("dnsbl_cache_size")), Log: log})
	if err != nil {
		log.Error("DNS lists disabled", "err", err)
		return e
	}
	e.dnsbl = c
	return e
}

// messages is the Inbound_Throttle_Messages limiter given to the factories.
func (e *edgeState) messages() proto.MessageLimiter { return throttle.Policy{L: e.limits} }

// screen is the engine's view of the DNS lists; nil when they are off.
func (e *edgeState) screen() engine.Screen {
	if e.dnsbl == nil {
		return nil
	}
	return screen{e.dnsbl}
}

// screen adapts dnsbl.Checker to engine.Screen, reading the policy's
// DNSBL_Zones, DNSBL_Threshold and DNSBL_Timeout.
type screen struct{ c *dnsbl.Checker }

func (s screen) Screen(p *config.Policy, a netip.Addr, done func(engine.Verdict)) (engine.Verdict, bool) {
	zones := s.c.Zones(p.List("dnsbl_zones"))
	if len(zones) == 0 {
		return engine.Verdict{}, true
	}
	th := int(p.Int("dnsbl_threshold"))
	if v, ok := s.c.Cached(zones, th, a, time.Now()); ok {
		return verdict(v), true
	}
	s.c.Lookup(zones, th, p.Duration("dnsbl_timeout"), a, func(v dnsbl.Verdict) { done(verdict(v)) })
	return engine.Verdict{}, false
}

func verdict(v dnsbl.Verdict) engine.Verdict {
	return engine.Verdict{Listed: v.Listed, Allowed: v.Allowed, Zone: v.Zone, Score: v.Score}
}
