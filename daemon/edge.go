package daemon

import (
	"sluice/proto"
	"sluice/throttle"
)

// edgeState is the daemon's part of the edge defences (docs/edge.md): the
// per-source limit counters, which outlive reloads like the session caps.
// The engine judges the connection limits with it; the protocol factories
// count messages through messages(). A cluster-wide message rate replaces
// what messages() returns.
type edgeState struct {
	limits *throttle.Table
}

func newEdge() *edgeState {
	return &edgeState{limits: throttle.New(0)}
}

// messages is the Inbound_Throttle_Messages limiter given to the factories.
func (e *edgeState) messages() proto.MessageLimiter { return throttle.Policy{L: e.limits} }
