package engine

import (
	"time"

	"sluice/acl"
	"sluice/proto"
)

// The gate runs the phases before a protocol session exists (docs/edge.md):
//
//  1. PROXY (proxy.go): when the policy of the socket's peer (the load
//     balancer) says Proxy_Protocol, nothing but a valid header within
//     Proxy_Protocol_Timeout; then admit redoes the accept-time decisions
//     (Peer lookup, Always_Deny, caps, per-source limits) for the client.
//  2. Hold (hold.go): when the client's policy sets Pregreet_Delay or
//     DNSBL_Zones, the banner waits for the delay and the DNS answers; a
//     client that talks meanwhile, or is listed, is refused.
//
// Then the real session is created, its banner sent and any bytes that
// followed the header fed to it, and the gate steps aside (c.d.S becomes
// the protocol session), so it costs nothing afterwards. With Use_SSL the
// gate stays in c.d.S until onDetached takes the session out of it: the
// header comes in clear, before the TLS handshake.
type gate struct {
	c       *conn
	spec    *ListenSpec
	timeout time.Duration // Proxy_Protocol_Timeout
	ssl     bool          // Use_SSL: hand over to TLS once the gate opens
	phase   gatePhase
	inner   proto.Session // set once the gate opened
	hold    holdState
}

type gatePhase uint8

const (
	phaseProxy gatePhase = iota // waiting for the PROXY header
	phaseHold                   // banner held: pregreet and DNSBL
	phaseOpen                   // the protocol session runs
)

// gateWanted: a PROXY header is required, or the banner is held.
func (w *worker) gateWanted(m *acl.Match, info *proto.ConnInfo) bool {
	return proxyWanted(m) || w.holdWanted(info.Policy)
}

// newGate puts c under a gate. It replaces NewSession in onAccept.
func (w *worker) newGate(c *conn, spec *ListenSpec, m *acl.Match) {
	g := &gate{c: c, spec: spec, ssl: c.info.TLS, phase: phaseHold}
	if proxyWanted(m) {
		g.phase, g.timeout = phaseProxy, m.Policy.Duration("proxy_protocol_timeout")
		c.idle = 0 // Proxy_Protocol_Timeout = 0: wait for ever
	}
	c.info.TLS = false // the gate's phases run in clear, on the loop
	c.d.S = g
}

// Start: no banner. Without a PROXY phase the hold begins now.
func (g *gate) Start(out []byte) ([]byte, proto.Action) {
	if g.phase == phaseHold {
		return g.c.w.startHold(g, out)
	}
	return out, proto.Continue
}

func (g *gate) Timeout() time.Duration {
	if g.phase == phaseProxy {
		return g.timeout
	}
	return 0
}

func (g *gate) Feed(in, out []byte) (int, []byte, proto.Action) {
	switch g.phase {
	case phaseProxy:
		return g.c.w.proxyFeed(g, in, out)
	case phaseOpen:
		return g.inner.Feed(in, out)
	}
	return 0, out, proto.Continue // held: the engine keeps the bytes
}

func (g *gate) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	switch g.phase {
	case phaseOpen:
		return g.inner.Resume(r, out)
	case phaseHold:
		return g.c.w.endHold(g, out)
	}
	return out, proto.Close
}

func (g *gate) Closed(r proto.CloseReason) {
	if g.inner != nil {
		g.inner.Closed(r)
		return
	}
	if g.phase == phaseProxy {
		g.c.w.proxyClosed(g, r)
	}
}

// open creates the protocol session and starts it: its banner goes out and
// the engine then feeds it what is buffered.
func (g *gate) open(out []byte) ([]byte, proto.Action) {
	c := g.c
	g.phase = phaseOpen
	g.inner = g.spec.Factory.NewSession(&c.info, c)
	if g.ssl {
		c.tlsCleared = true // the buffered bytes are the TLS handshake
		return out, proto.StartTLS
	}
	c.d.S = g.inner // step aside: the protocol session is fed directly from now
	return g.inner.Start(out)
}

// refuse writes the listener's refusal line and closes after it.
func (g *gate) refuse(why proto.RefuseReason, out []byte) ([]byte, proto.Action) {
	return g.spec.Factory.Refuse(&g.c.info, why, out), proto.CloseAfterFlush
}

// ungate takes the protocol session out of a gate at the move to TLS, and
// says whether the session still needs its Start (the implicit-TLS case).
func ungate(c *conn) bool {
	if g, ok := c.d.S.(*gate); ok && g.inner != nil {
		c.d.S = g.inner
		return true
	}
	return false
}
