package control

import "bytes"

// op is one console command.
type op uint8

const (
	opNone op = iota
	opConfigGet
	opConfigEval
	opConfigSet
	opConfigUnset
	opConfigShow
	opConfigShowRecurse
	opConfigReload
	opSummary
	opSummaryReset
	opShowInbound
	opCount
	opListeners
	opPeer
	opVersion
	opPID
	opHelp
	opShutdown
	opQuit
	opAuthLogin
	opHandoff        // handoff.go
	opSpoolDead      // handoff.go
	opConfigBegin    // tx.go
	opConfigCommit   // tx.go
	opConfigRollback // tx.go
	opUpgrade
	opShowThrottles // edge.go
	opShowDNSBL     // edge.go
	opCluster       // cluster.go
)

// command is one parsed request. args index the lexer's tokens and stay
// valid until the next line is split.
type command struct {
	op   op
	json bool
	args []token // operands after the command words
	val  []token // opConfigSet: the value tokens (a word, or ( ... ), or [ ... ])
	bits int     // opCount
}

// parser turns a line into a command without allocating once warm.
type parser struct {
	lx  lexer
	err []byte // the "failed" body of the last refused line
}

func (p *parser) word(t token, w string) bool {
	return t.kind == tWord && !t.quoted && bytes.EqualFold(p.lx.text(t), []byte(w))
}

func (p *parser) fail(parts ...string) bool {
	p.err = p.err[:0]
	for _, s := range parts {
		p.err = append(p.err, s...)
	}
	p.err = append(p.err, '\n')
	return false
}

// failTok is fail with the text of t quoted in the middle.
func (p *parser) failTok(pre string, t token, post string) bool {
	p.err = append(append(p.err[:0], pre...), '\'')
	p.err = append(append(p.err, p.lx.text(t)...), '\'')
	p.err = append(append(p.err, post...), '\n')
	return false
}

// parse splits and parses line. ok false means p.err holds the answer; a
// blank line gives op == opNone and ok true (it is not answered).
func (p *parser) parse(line []byte) (c command, ok bool) {
	if !p.lx.split(line) {
		c.json = jsonPrefix(line)
		return c, p.fail(p.lx.err)
	}
	t := p.lx.toks
	if len(t) > 0 && p.word(t[0], "json") {
		c.json, t = true, t[1:]
		if len(t) == 0 {
			return c, p.fail("'json' needs a command after it, e.g. 'json summary'")
		}
	}
	if len(t) == 0 {
		return c, true
	}
	if t[0].kind != tWord {
		return c, p.fail("a command starts with a word; try 'help'")
	}
	if p.dispatch(&c, t[0], t[1:]) {
		return c, true
	}
	return c, false
}

// names lists the top-level commands; help.go documents each.
var names = [...]string{"config", "summary", "show", "count", "listeners", "peer",
	"version", "pid", "help", "shutdown", "quit", "exit", "auth", "xml", "handoff", "spool", "upgrade", "cluster"}

// dispatch parses the operands of the command named by w. Direct calls
// (not a table of funcs) keep c on the caller's stack.
func (p *parser) dispatch(c *command, w token, t []token) bool {
	i := 0
	for i < len(names) && !p.word(w, names[i]) {
		i++
	}
	switch i {
	case 0:
		return p.config(c, t)
	case 1:
		return p.summary(c, t)
	case 2:
		return p.show(c, t)
	case 3:
		return p.count(c, t)
	case 4:
		return p.fixed(c, t, opListeners, "listeners")
	case 5:
		return p.peer(c, t)
	case 6:
		return p.fixed(c, t, opVersion, "version")
	case 7:
		return p.fixed(c, t, opPID, "pid")
	case 8:
		return p.help(c, t)
	case 9:
		return p.fixed(c, t, opShutdown, "shutdown")
	case 10, 11:
		return p.fixed(c, t, opQuit, names[i])
	case 12:
		return p.auth(c, t)
	case 13:
		return p.fail("sluice answers 'json <command>' instead of 'xml <command>'")
	case 14:
		return p.handoff(c, t)
	case 15:
		return p.spoolDead(c, t)
	case 16:
		return p.fixed(c, t, opUpgrade, "upgrade")
	case 17:
		return p.cluster(c, t)
	}
	return p.failTok("Unknown command ", w, "; try 'help'")
}

// fixed parses a command that takes no operands.
func (p *parser) fixed(c *command, t []token, o op, name string) bool {
	if len(t) > 0 {
		return p.fail("'", name, "' takes no arguments")
	}
	c.op = o
	return true
}

// words reports whether every token is a word.
func words(t []token) bool {
	for _, x := range t {
		if x.kind != tWord {
			return false
		}
	}
	return true
}

// jsonPrefix reports whether line starts with the word "json", for the
// answer to a line the lexer refused.
func jsonPrefix(line []byte) bool {
	line = bytes.TrimLeft(line, " \t")
	return len(line) > 5 && bytes.EqualFold(line[:4], []byte("json")) && (line[4] == ' ' || line[4] == '\t')
}
