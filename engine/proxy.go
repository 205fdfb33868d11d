package engine

import (
	"sluice/acl"
	"sluice/proto"
	"sluice/proxyproto"
)

// The PROXY phase of the gate (gate.go). The slot counts against the caps
// of the balancer's Peer while it waits (as in Momentum). A missing,
// malformed or late header closes the connection without a byte written.

// proxyWanted reports whether the socket peer's policy requires a header.
func proxyWanted(m *acl.Match) bool {
	return m != nil && m.Policy.Bool("proxy_protocol")
}

func (w *worker) proxyFeed(g *gate, in, out []byte) (int, []byte, proto.Action) {
	c := g.c
	h, n, err := proxyproto.Parse(in)
	switch {
	case err == proxyproto.ErrIncomplete:
		return 0, out, proto.Continue
	case err != nil:
		c.ctrs.ProxyBad.Add(1)
		w.e.log.Info("engine: bad PROXY header; closed without banner", "conn", c.info.ID,
			"listen", c.info.Listen, "from", c.info.Remote.String(), "err", err)
		return 0, out, proto.Close
	}
	c.ctrs.ProxyOK.Add(1)
	via := c.info.Remote
	if !h.Local {
		c.info.Remote, c.info.Local = h.Src, h.Dst
		// A client behind a balancer on a Unix socket is not a local
		// process: no loopback treatment, no SO_PEERCRED identity.
		c.info.Unix, c.info.PeerUID = false, -1
		c.info.Proxy = "via " + via.String() + " " + h.String()
	} else {
		c.info.Proxy = "local " + h.String()
	}
	w.e.log.Debug("engine: PROXY header", "conn", c.info.ID, "listen", c.info.Listen,
		"client", c.info.Remote.String(), "proxy", c.info.Proxy)
	if why, ok := w.admit(c, g.spec); !ok {
		out, a := g.refuse(why, out)
		return n, out, a
	}
	c.idle = c.info.Policy.Duration("idle_time")
	if w.holdWanted(c.info.Policy) {
		g.phase = phaseHold
		out, a := w.startHold(g, out)
		return n, out, a
	}
	out, a := g.open(out)
	return n, out, a
}

func (w *worker) proxyClosed(g *gate, r proto.CloseReason) {
	c := g.c
	switch r {
	case proto.CloseIdle:
		c.ctrs.ProxyLate.Add(1)
		w.e.log.Info("engine: no PROXY header in time; closed without banner", "conn", c.info.ID,
			"listen", c.info.Listen, "from", c.info.Remote.String(), "timeout", g.timeout)
	case proto.CloseClient:
		c.ctrs.ProxyMissing.Add(1)
	}
}

// admit applies the Peer policy of the client's address: Always_Deny, the
// caps and the per-source limits are judged again, and the caps the
// balancer's slot held are given back first, so each connection holds
// exactly one set.
func (w *worker) admit(c *conn, spec *ListenSpec) (proto.RefuseReason, bool) {
	var m *acl.Match
	if spec.Peers != nil {
		m = spec.Peers.Lookup(c.info.Remote.Addr().Unmap())
		c.info.Policy = m.Policy
	}
	giveCaps(c.caps)
	c.caps = [2]*budget{}
	if denied(m) {
		c.ctrs.RefusedACL.Add(1)
		return proto.RefuseACL, false
	}
	held, ok := w.e.takeCaps(m, spec)
	if !ok {
		c.ctrs.RefusedCap.Add(1)
		return proto.RefuseSessionCap, false
	}
	if c.rate, ok = w.limitConn(&c.info); !ok {
		giveCaps(held)
		c.ctrs.RefusedRate.Add(1)
		return proto.RefuseRate, false
	}
	c.caps = held
	return 0, true
}
