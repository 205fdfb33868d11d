package engine

import (
	"time"

	"sluice/acl"
	"sluice/proto"
	"sluice/proxyproto"
)

// The PROXY phase. When the policy of the socket's peer (the load balancer)
// says Proxy_Protocol, the connection starts under a proxyGate instead of its
// protocol session: no banner, no input for the protocol, only the header,
// within Proxy_Protocol_Timeout. The slot counts against the caps of the
// balancer's Peer while it waits (as in Momentum). Once the header is read,
// admit redoes what accept did, for the client's address: Peer lookup,
// Always_Deny, caps; then the real session starts, its banner is sent and
// the bytes behind the header are fed to it. A missing, malformed or late
// header closes the connection without a byte written.
//
// The gate then steps aside (c.sess becomes the protocol session), so it
// costs nothing after the header. With Use_SSL the gate stays in c.sess
// until onDetached, which takes the session out of it: the header comes in
// clear, before the TLS handshake.

// proxyGate is the session of a connection waiting for its PROXY header.
type proxyGate struct {
	c       *conn
	spec    *ListenSpec
	timeout time.Duration
	ssl     bool          // Use_SSL: hand over to TLS once the header is read
	inner   proto.Session // set once admitted
}

// proxyWanted reports whether the socket peer's policy requires a header.
func proxyWanted(m *acl.Match) bool {
	return m != nil && m.Policy.Bool("proxy_protocol")
}

// gate puts c under a proxyGate. It replaces NewSession in onAccept.
func (w *worker) gate(c *conn, spec *ListenSpec, m *acl.Match) {
	g := &proxyGate{c: c, spec: spec, timeout: m.Policy.Duration("proxy_protocol_timeout"), ssl: c.info.TLS}
	c.info.TLS = false // the header is read in clear, on the loop
	c.idle = 0         // Proxy_Protocol_Timeout = 0: wait for ever
	c.sess = g
}

func (g *proxyGate) Start(out []byte) ([]byte, proto.Action) { return out, proto.Continue }

func (g *proxyGate) Timeout() time.Duration { return g.timeout }

func (g *proxyGate) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	if g.inner != nil {
		return g.inner.Resume(r, out)
	}
	return out, proto.Close
}

func (g *proxyGate) Closed(r proto.CloseReason) {
	if g.inner != nil {
		g.inner.Closed(r)
		return
	}
	c := g.c
	if r == proto.CloseIdle {
		c.ctrs.ProxyLate.Add(1)
		c.w.e.log.Info("engine: no PROXY header in time; closed without banner", "conn", c.info.ID,
			"listen", c.info.Listen, "from", c.info.Remote.String(), "timeout", g.timeout)
	} else if r == proto.CloseClient {
		c.ctrs.ProxyMissing.Add(1)
	}
}

func (g *proxyGate) Feed(in, out []byte) (int, []byte, proto.Action) {
	if g.inner != nil {
		return g.inner.Feed(in, out)
	}
	c := g.c
	h, n, err := proxyproto.Parse(in)
	switch {
	case err == proxyproto.ErrIncomplete:
		return 0, out, proto.Continue
	case err != nil:
		c.ctrs.ProxyBad.Add(1)
		c.w.e.log.Info("engine: bad PROXY header; closed without banner", "conn", c.info.ID,
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
	c.w.e.log.Debug("engine: PROXY header", "conn", c.info.ID, "listen", c.info.Listen,
		"client", c.info.Remote.String(), "proxy", c.info.Proxy)
	if why, ok := c.w.admit(c, g.spec); !ok {
		out = g.spec.Factory.Refuse(&c.info, why, out)
		return n, out, proto.CloseAfterFlush
	}
	g.inner = g.spec.Factory.NewSession(&c.info, c)
	if g.ssl {
		c.tlsCleared = true // the bytes behind the header are the TLS handshake
		return n, out, proto.StartTLS
	}
	c.sess = g.inner // step aside: the protocol session is fed directly from now
	out, a := g.inner.Start(out)
	return n, out, a
}

// admit applies the Peer policy of the client's address: Always_Deny and the
// caps are judged again, and the caps the balancer's slot held are given
// back first, so each connection holds exactly one set.
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
	c.idle = c.info.Policy.Duration("idle_time")
	return 0, true
}

// ungate takes the protocol session out of a gate at the move to TLS, and
// says whether the session still needs its Start (the implicit-TLS case).
func ungate(c *conn) bool {
	if g, ok := c.sess.(*proxyGate); ok && g.inner != nil {
		c.sess = g.inner
		return true
	}
	return false
}
