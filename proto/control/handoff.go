package control

import "fmt"

// HandoffBackend is implemented by a Backend that hands mail off (the
// daemon). It is optional so that consoles without hand-off keep
// satisfying Backend unchanged; without it the commands answer "failed".
type HandoffBackend interface {
	// Handoff answers "handoff" (args empty), "handoff pause|resume
	// [TARGET]" and "handoff flush".
	Handoff(args []string) (Reply, error)
	// SpoolDead answers "spool dead ls", "spool dead retry ID|all" and
	// "spool dead purge ID|all".
	SpoolDead(args []string) (Reply, error)
}

// handoff parses "handoff [pause|resume [TARGET] | flush]".
func (p *parser) handoff(c *command, t []token) bool {
	ok := len(t) == 0 && words(t) ||
		len(t) >= 1 && len(t) <= 2 && words(t) && (p.word(t[0], "pause") || p.word(t[0], "resume")) ||
		len(t) == 1 && p.word(t[0], "flush")
	if !ok {
		return p.fail("usage: handoff [pause [TARGET] | resume [TARGET] | flush]")
	}
	c.op, c.args = opHandoff, t
	return true
}

// spoolDead parses "spool dead ls | retry ID|all | purge ID|all".
func (p *parser) spoolDead(c *command, t []token) bool {
	ok := words(t) && len(t) >= 2 && p.word(t[0], "dead") &&
		(len(t) == 2 && p.word(t[1], "ls") ||
			len(t) == 3 && (p.word(t[1], "retry") || p.word(t[1], "purge")))
	if !ok {
		return p.fail("usage: spool dead ls | spool dead retry ID|all | spool dead purge ID|all")
	}
	c.op, c.args = opSpoolDead, t[1:]
	return true
}

func callHandoff(b Backend, r *request) (Reply, error) {
	h, ok := b.(HandoffBackend)
	if !ok {
		return Reply{}, fmt.Errorf("control: this daemon does not hand mail off")
	}
	if r.op == opHandoff {
		return h.Handoff(r.args)
	}
	return h.SpoolDead(r.args)
}
