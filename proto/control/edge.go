package control

import "fmt"

// EdgeBackend is implemented by a Backend that runs the edge defences (the
// daemon, docs/edge.md). It is optional, like HandoffBackend; without it
// the commands answer "failed".
type EdgeBackend interface {
	// ShowThrottles answers "show throttles": the per-source limits'
	// decisions and the top sources.
	ShowThrottles() Reply
	// ShowDNSBL answers "show dnsbl": the DNS lists' lookups, cache and
	// listings per zone, with the pregreet and PROXY counters.
	ShowDNSBL() Reply
}

// edgeShow parses the edge's "show" subcommands.
func (p *parser) edgeShow(c *command, t token) bool {
	switch {
	case p.word(t, "throttles"):
		c.op = opShowThrottles
	case p.word(t, "dnsbl"):
		c.op = opShowDNSBL
	default:
		return false
	}
	return true
}

func callEdge(b Backend, r *request) (Reply, error) {
	e, ok := b.(EdgeBackend)
	if !ok {
		return Reply{}, fmt.Errorf("control: this daemon has no edge defences")
	}
	if r.op == opShowThrottles {
		return e.ShowThrottles(), nil
	}
	return e.ShowDNSBL(), nil
}
