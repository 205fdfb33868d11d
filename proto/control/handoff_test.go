package control

import "testing"

func TestHandoffGrammar(t *testing.T) {
	good := map[string]op{"handoff": opHandoff, "HANDOFF pause": opHandoff, "handoff resume smtp://h:25": opHandoff,
		"handoff flush": opHandoff, "json handoff": opHandoff, "spool dead ls": opSpoolDead,
		"spool dead retry 0123": opSpoolDead, "spool dead purge all": opSpoolDead}
	for line, want := range good {
		var p parser
		c, ok := p.parse([]byte(line))
		if !ok || c.op != want {
			t.Errorf("%q: op %d ok %v (%s)", line, c.op, ok, p.err)
		}
	}
	for _, line := range []string{"handoff flush now", "handoff stop", "handoff pause a b", "spool", "spool dead",
		"spool dead cat", "spool dead retry", "spool alive ls", "spool dead ls x"} {
		var p parser
		if _, ok := p.parse([]byte(line)); ok {
			t.Errorf("%q accepted", line)
		}
	}
}
