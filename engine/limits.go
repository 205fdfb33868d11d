package engine

import (
	"sluice/proto"
	"sluice/throttle"
)

// Per-source connection limits (Inbound_Throttle_Connections,
// Inbound_Concurrent_Connections), judged for the client's address: at
// accept, or after the PROXY header for a proxied connection (the balancer
// itself is never limited). The state is the Limiter's (package throttle);
// a connection that took a concurrency slot gives it back in release.

// rateHold is the concurrency slot a connection holds.
type rateHold struct {
	key  throttle.Key
	held bool
}

// limitConn applies the limits of info's policy to its remote address.
func (w *worker) limitConn(info *proto.ConnInfo) (rateHold, bool) {
	if w.e.opts.Limiter == nil || info.Policy == nil {
		return rateHold{}, true
	}
	pl := throttle.Policy{L: w.e.opts.Limiter}
	k, held, why := pl.ConnectWhy(info.Policy, info.Remote.Addr(), w.now)
	if why != "" {
		w.e.log.Info("engine: per-source connection limit; refused", "conn", info.ID, "listen", info.Listen,
			"client", info.Remote.String(), "limit", why)
		return rateHold{}, false
	}
	return rateHold{key: k, held: held}, true
}

// unlimit gives back c's concurrency slot.
func (w *worker) unlimit(c *conn) {
	if c.rate.held {
		c.rate.held = false
		w.e.opts.Limiter.Leave(c.rate.key)
	}
}

// giveCaps returns the session-cap slots in held.
func giveCaps(held [2]*budget) {
	for _, b := range held {
		if b != nil {
			b.give()
		}
	}
}
