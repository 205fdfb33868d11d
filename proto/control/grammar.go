package control

// config parses "config <sub> ...".
func (p *parser) config(c *command, t []token) bool {
	if len(t) == 0 {
		return p.fail("'config' needs a subcommand: get, eval, set, unset, show, showrecurse, reload, begin, commit or rollback")
	}
	sub, rest := t[0], t[1:]
	switch {
	case p.word(sub, "get"), p.word(sub, "eval"):
		c.op = opConfigGet
		if p.word(sub, "eval") {
			c.op = opConfigEval
		}
		if len(rest) == 0 || !words(rest) {
			return p.fail("usage: config get|eval [scope path] <option>")
		}
	case p.word(sub, "unset"):
		c.op = opConfigUnset
		if len(rest) == 0 || !words(rest) {
			return p.fail("usage: config unset <scope path> [option]")
		}
	case p.word(sub, "show"), p.word(sub, "showrecurse"):
		c.op = opConfigShow
		if p.word(sub, "showrecurse") {
			c.op = opConfigShowRecurse
		}
		if !words(rest) {
			return p.fail("usage: config show|showrecurse [scope path] [option]")
		}
	case p.word(sub, "reload"):
		c.op = opConfigReload
		if len(rest) > 1 || !words(rest) {
			return p.fail("usage: config reload [path]")
		}
	case p.word(sub, "set"):
		return p.set(c, rest)
	case p.word(sub, "begin"), p.word(sub, "commit"), p.word(sub, "rollback"):
		if len(rest) != 0 {
			return p.failTok("usage: config ", sub, " (no arguments)")
		}
		c.op = opConfigBegin
		if p.word(sub, "commit") {
			c.op = opConfigCommit
		} else if p.word(sub, "rollback") {
			c.op = opConfigRollback
		}
	case p.word(sub, "replay"), p.word(sub, "locate"), p.word(sub, "writeback"):
		return p.failTok("'config ", sub, "' is not supported by sluice: changes apply at once; edit the files and 'config reload' to persist them")
	default:
		return p.failTok("Unknown config subcommand ", sub, "; expected get, eval, set, unset, show, showrecurse, reload, begin, commit or rollback")
	}
	c.args = rest
	return true
}

// set parses "config set <path...> <option> [=] <value>": the value is the
// last word, or the last ( ... ) or [ ... ] group.
func (p *parser) set(c *command, t []token) bool {
	const usage = "usage: config set [scope path] <option> [=] <value>; an array is ( a b ), a dictionary [ k = v ]"
	if len(t) < 2 {
		return p.fail(usage)
	}
	v := len(t) - 1
	switch t[v].kind {
	case tClose, tRBrack:
		open := tOpen
		if t[v].kind == tRBrack {
			open = tLBrack
		}
		for v > 0 && t[v].kind != open {
			v--
		}
		if !p.validGroup(t[v:]) {
			return false
		}
	case tWord:
	default:
		return p.fail(usage)
	}
	path := t[:v]
	if n := len(path); n > 1 && p.word(path[n-1], "=") {
		path = path[:n-1]
	}
	if len(path) == 0 || !words(path) {
		return p.fail(usage)
	}
	c.op, c.args, c.val = opConfigSet, path, t[v:]
	return true
}

// validGroup checks the inside of ( ... ) (words only) or [ ... ] (k = v
// pairs with bare-word keys).
func (p *parser) validGroup(g []token) bool {
	in := g[1 : len(g)-1]
	if g[0].kind == tOpen {
		if !words(in) {
			return p.fail("an array holds words only: ( a b c )")
		}
		return true
	}
	if len(in)%3 != 0 {
		return p.fail("a dictionary holds key = value pairs: [ k = v, k2 = v2 ]")
	}
	for i := 0; i < len(in); i += 3 {
		k, eq, val := in[i], in[i+1], in[i+2]
		if k.kind != tWord || k.quoted || eq.kind != tEq || val.kind != tWord || !nameLike(p.lx.text(k)) {
			return p.fail("a dictionary holds key = value pairs: [ k = v, k2 = v2 ]")
		}
	}
	return true
}

// nameLike: an option or dictionary key name.
func nameLike(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func (p *parser) summary(c *command, t []token) bool {
	switch {
	case len(t) == 0:
		c.op = opSummary
	case len(t) == 1 && p.word(t[0], "reset"):
		c.op = opSummaryReset
	default:
		return p.fail("usage: summary [reset]")
	}
	return true
}

func (p *parser) show(c *command, t []token) bool {
	if len(t) == 1 && p.word(t[0], "inbound") {
		c.op = opShowInbound
		return true
	}
	if len(t) == 1 && p.edgeShow(c, t[0]) {
		return true
	}
	return p.fail("usage: show inbound | show throttles | show dnsbl (sluice has no outbound side)")
}

func (p *parser) count(c *command, t []token) bool {
	if len(t) != 2 || !words(t) {
		return p.fail("usage: count <service> <cidr-bits>, e.g. 'count esmtp 24'")
	}
	n, ok := smallInt(p.lx.text(t[1]))
	if !ok || n > 128 {
		return p.fail("count: cidr-bits must be a number from 0 to 128")
	}
	c.op, c.args, c.bits = opCount, t[:1], n
	return true
}

func smallInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func (p *parser) peer(c *command, t []token) bool {
	if len(t) != 3 || !words(t) {
		return p.fail("usage: peer <listener> <listen> <ip>, e.g. 'peer esmtp_listener :25 192.0.2.7'")
	}
	c.op, c.args = opPeer, t
	return true
}

func (p *parser) help(c *command, t []token) bool {
	if !words(t) {
		return p.fail("usage: help [command]")
	}
	c.op, c.args = opHelp, t
	return true
}

// auth parses "auth login <user> <password-base64>".
func (p *parser) auth(c *command, t []token) bool {
	if len(t) != 3 || !words(t) || !p.word(t[0], "login") {
		return p.fail("usage: auth login <user> <password-base64>")
	}
	c.op, c.args = opAuthLogin, t[1:]
	return true
}
