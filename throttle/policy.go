package throttle

import (
	"net/netip"
	"time"

	"sluice/config"
	"sluice/proto"
)

// Option is the config option behind each kind.
func (k Kind) Option() string {
	return [...]string{"inbound_throttle_messages", "inbound_throttle_connections", "inbound_concurrent_connections"}[k]
}

// Policy applies a connection's resolved options to a Limiter. It is the
// one place that turns option values into Keys; the engine uses it at
// accept and the protocols (as a proto.MessageLimiter) when a message
// starts.
type Policy struct {
	L Limiter
}

// key builds k's Key for addr from the option value in p; ok is false when
// the option is unset or zero (no limit).
func key(p *config.Policy, k Kind, addr netip.Addr) (Key, *config.Value, bool) {
	v, found := p.Value(k.Option())
	if !found || v.Int <= 0 {
		return Key{}, nil, false
	}
	return Key{Kind: k, Scope: v.Scope, Addr: addr.Unmap()}, v, true
}

// Connect counts a new connection from addr against the connection rate
// and takes a concurrency slot. held says whether a slot was taken (give it
// back with Disconnect); ok false means refuse, and nothing is held.
func (pl Policy) Connect(p *config.Policy, addr netip.Addr, now time.Time) (held Key, isHeld, ok bool) {
	held, isHeld, refused := pl.connect(p, addr, now)
	return held, isHeld, refused == nil
}

// connect is Connect; refused names the limit that refused, nil if none.
func (pl Policy) connect(p *config.Policy, addr netip.Addr, now time.Time) (held Key, isHeld bool, refused *Key) {
	if pl.L == nil || p == nil {
		return Key{}, false, nil
	}
	if k, v, on := key(p, Connections, addr); on {
		if ok, _ := pl.L.Rate(k, v.Int, v.Dur, now); !ok {
			return Key{}, false, &k
		}
	}
	if k, v, on := key(p, Concurrent, addr); on {
		if !pl.L.Enter(k, v.Int) {
			return Key{}, false, &k
		}
		return k, true, nil
	}
	return Key{}, false, nil
}

// ConnectWhy is Connect that also names the refusing limit's option, for
// the reject log ("" when allowed).
func (pl Policy) ConnectWhy(p *config.Policy, addr netip.Addr, now time.Time) (held Key, isHeld bool, why string) {
	held, isHeld, refused := pl.connect(p, addr, now)
	if refused != nil {
		why = refused.Kind.Option()
	}
	return held, isHeld, why
}

// Disconnect gives back the slot Connect took.
func (pl Policy) Disconnect(k Key) { pl.L.Leave(k) }

// AllowMessage implements proto.MessageLimiter: one message from c's client
// against Inbound_Throttle_Messages.
func (pl Policy) AllowMessage(c *proto.ConnInfo, now time.Time) (bool, time.Duration) {
	if pl.L == nil || c == nil || c.Policy == nil {
		return true, 0
	}
	k, v, on := key(c.Policy, Messages, c.Remote.Addr())
	if !on {
		return true, 0
	}
	return pl.L.Rate(k, v.Int, v.Dur, now)
}
