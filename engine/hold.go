package engine

import (
	"net/netip"
	"strconv"
	"time"

	"sluice/config"
	"sluice/proto"
)

// The hold phase of the gate (gate.go), postscreen's job before the
// banner: the banner waits Pregreet_Delay while the client is looked up in
// the DNS lists of its policy (DNSBL_Zones, through Options.Screen). The
// connection is suspended meanwhile (a pending result, so nothing is fed
// and idle reaping waits); what the client sends is kept. When the delay is
// over and the DNS has answered (or timed out: fail open), endHold decides:
// an allowlisted client passes whatever it did; one that talked early gets
// RefusePregreet; a listed one RefuseDNSBL; the rest get their banner.
// Waiting costs a runtime timer and, for an uncached lookup, the Screen's
// goroutine; no worker ever blocks.

// Screen looks a client up in the DNS lists its policy names.
type Screen interface {
	// Screen returns the verdict at once when it is known (no lists, or
	// all answers cached): ok true. Otherwise ok is false and done is
	// called exactly once, later, from any goroutine.
	Screen(p *config.Policy, a netip.Addr, done func(Verdict)) (v Verdict, ok bool)
}

// Verdict is a Screen's answer.
type Verdict struct {
	Listed  bool   // the score reached DNSBL_Threshold
	Allowed bool   // an allowlist (negative weight) zone matched: skip the other checks
	Zone    string // the zone the refusal names
	Score   int
}

type holdState struct {
	seq     uint64
	waiting int           // timer and lookup still outstanding
	delay   time.Duration // Pregreet_Delay in force; 0 = no pregreet test
	since   time.Time
	verdict Verdict
}

func (w *worker) holdWanted(p *config.Policy) bool {
	return p.Duration("pregreet_delay") > 0 || w.e.opts.Screen != nil && len(p.List("dnsbl_zones")) > 0
}

func (w *worker) startHold(g *gate, out []byte) ([]byte, proto.Action) {
	c, p := g.c, g.c.info.Policy
	h := &g.hold
	h.since = w.now
	if !g.ssl { // an implicit-TLS client speaks first by design
		h.delay = p.Duration("pregreet_delay")
	}
	if s := w.e.opts.Screen; s != nil && len(p.List("dnsbl_zones")) > 0 {
		v, ok := s.Screen(p, c.info.Remote.Addr().Unmap(), func(v Verdict) {
			w.post(func(w *worker) { h.verdict = v; w.holdStep(g) })
		})
		if ok && v.Allowed {
			h.verdict, h.delay = v, 0 // allowlisted: no pregreet test, no wait
		} else if ok {
			h.verdict = v
		} else {
			h.waiting++
		}
	}
	if h.delay > 0 {
		h.waiting++
		time.AfterFunc(h.delay, func() { w.post(func(w *worker) { w.holdStep(g) }) })
	}
	if h.waiting == 0 {
		return w.endHold(g, out)
	}
	h.seq = c.d.Push(nil)
	return out, proto.Suspend
}

// holdStep runs on the worker when the timer or the lookup is done.
func (w *worker) holdStep(g *gate) {
	if g.c.torn() {
		return
	}
	if g.hold.waiting--; g.hold.waiting == 0 {
		w.resolve(g.c, g.hold.seq, proto.Result{})
	}
}

func (w *worker) endHold(g *gate, out []byte) ([]byte, proto.Action) {
	c, h := g.c, &g.hold
	v := h.verdict
	switch {
	case v.Allowed:
		c.ctrs.DNSWLPassed.Add(1)
	case h.delay > 0 && len(c.d.In) > 0:
		c.ctrs.Pregreet.Add(1)
		w.e.log.Info("engine: PREGREET: client talked before the banner; refused", "conn", c.info.ID,
			"listen", c.info.Listen, "client", c.info.Remote.String(), "bytes", len(c.d.In),
			"after", w.now.Sub(h.since).Round(time.Millisecond), "text", strconv.Quote(string(c.d.In[:min(len(c.d.In), 100)])))
		return g.refuse(proto.RefusePregreet, out)
	case v.Listed:
		c.ctrs.DNSBLListed.Add(1)
		c.info.Listed = v.Zone
		w.e.log.Info("engine: DNSBL: client listed; refused", "conn", c.info.ID, "listen", c.info.Listen,
			"client", c.info.Remote.String(), "zone", v.Zone, "score", v.Score)
		return g.refuse(proto.RefuseDNSBL, out)
	default:
		c.ctrs.HoldPassed.Add(1)
	}
	return g.open(out)
}
