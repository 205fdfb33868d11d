package config

import (
	"fmt"
	"slices"
	"strings"
)

// target is what a console path names: a chain of scopes from the root and
// an optional option name.
type target struct {
	chain  []*scope // root first
	option string   // "" when the path ends at a scope
}

func (t *target) sc() *scope { return t.chain[len(t.chain)-1] }

func pathErr(format string, a ...any) error {
	return &Errors{List: []*Error{{Msg: fmt.Sprintf(format, a...)}}}
}

// walk resolves console words ("esmtp_listener listen :25 peer 10.0.0.1
// enable") against the tree rooted at root. Addresses match by canonical
// form. With create, missing listener, Listen and Peer scopes are added.
func walk(root *scope, baseDir string, words []string, create bool) (*target, error) {
	t := &target{chain: []*scope{root}}
	i := 0
	for i < len(words) {
		cur := t.sc()
		w := words[i]
		var lv level
		var key, name, kind string
		switch {
		case cur.lv == lvGlobal && canonicalKind(w) != "":
			lv, kind, key = lvListener, canonicalKind(w), canonicalKind(w)
			i++
		case (cur.lv == lvListener || cur.lv == lvListen) && strings.EqualFold(w, "peer") && i+1 < len(words) && cur.tm&peerTypes != 0:
			p, err := ParsePeer(words[i+1])
			if err != nil {
				return nil, pathErr("%v", err)
			}
			lv, kind, key, name = lvPeer, cur.kind, p.String(), words[i+1]
			i += 2
		case cur.lv == lvListener && strings.EqualFold(w, "listen") && i+1 < len(words):
			a, err := ParseListenAddr(words[i+1], baseDir)
			if err != nil {
				return nil, pathErr("%v", err)
			}
			lv, kind, key, name = lvListen, cur.kind, a.String(), words[i+1]
			i += 2
		default:
			if i != len(words)-1 {
				return nil, pathErr("cannot read the scope path at %q: expected a listener type, \"listen ADDRESS\" or \"peer CIDR\", then one option name", strings.Join(words[i:], " "))
			}
			t.option = w
			return t, nil
		}
		next := cur.child(lv, key)
		if next == nil {
			if !create {
				return nil, pathErr("no such scope: %s", childPath(cur, wordFor(lv, kind), key))
			}
			next = newScope(cur, lv, kind, name, key, baseDir)
			cur.kids = append(cur.kids, next)
		}
		t.chain = append(t.chain, next)
	}
	return t, nil
}

func wordFor(lv level, kind string) string {
	if lv == lvListener {
		return kind
	}
	return levelNames[lv]
}

// newScope makes a scope created by the console.
func newScope(parent *scope, lv level, kind, name, key, baseDir string) *scope {
	sc := &scope{lv: lv, kind: kind, tm: kindMask(kind), name: name, key: key, src: Source{File: "<console>"}}
	sc.path = childPath(parent, wordFor(lv, kind), key)
	if lv == lvListener {
		sc.path = kind
	}
	switch lv {
	case lvListen:
		sc.addr, _ = ParseListenAddr(name, baseDir)
	case lvPeer:
		sc.prefix, _ = ParsePeer(name)
	}
	return sc
}

// optionAt checks that t names an option valid in its scope.
func optionAt(t *target) (*optDef, error) {
	if t.option == "" {
		return nil, pathErr("the path names a scope; add an option name")
	}
	d := lookupOpt(t.option)
	if d == nil {
		return nil, pathErr("unknown option %q%s", t.option, hintSuffix(suggest(t.option, optionNames)))
	}
	sc := t.sc()
	if !d.validAt(sc.lv, sc.tm) {
		return nil, pathErr("option %s is not valid in scope '%s'; it is valid in: %s", d.Name, sc.path, d.whereValid(sc.tm))
	}
	return d, nil
}

func hintSuffix(h string) string {
	if h == "" {
		return ""
	}
	return "; " + h
}

// Get returns the value set in exactly the scope the path names.
func (c *Config) Get(path []string) (*Value, error) {
	t, err := walk(c.root, c.baseDir, path, false)
	if err != nil {
		return nil, err
	}
	d, err := optionAt(t)
	if err != nil {
		return nil, err
	}
	if st := t.sc().get(d); st != nil {
		return st.val, nil
	}
	return nil, pathErr("Option '%s' is not set in scope '%s'.", t.option, t.sc().path)
}

// Eval returns the effective value at the scope the path names, after
// fallback. A path ending in a Peer evaluates as a connection from that
// Peer's network would: through every Peer containing it.
func (c *Config) Eval(path []string) (*Value, error) {
	t, err := walk(c.root, c.baseDir, path, false)
	if err != nil {
		return nil, err
	}
	if t.option == "" {
		return nil, pathErr("the path names a scope; add an option name")
	}
	d := lookupOpt(t.option)
	sc := t.sc()
	if d == nil || (sc.lv != lvGlobal && !d.validFor(sc.tm)) || (sc.lv == lvGlobal && !d.Global) {
		if d == nil {
			return nil, pathErr("unknown option %q%s", t.option, hintSuffix(suggest(t.option, optionNames)))
		}
		return nil, pathErr("option %s does not apply in scope '%s'; it is valid in: %s", d.Name, sc.path, d.whereValid(sc.tm))
	}
	v := c.effective(d, evalOrder(t.chain))
	if v == nil {
		return nil, pathErr("Option '%s' is not set in scope '%s' or any scope it falls back to, and has no default.", t.option, sc.path)
	}
	return v, nil
}

// evalOrder lists the scopes consulted for a scope chain, most specific
// first, global and default excluded.
func evalOrder(chain []*scope) []*scope {
	var listener, listen, peer *scope
	for _, s := range chain {
		switch s.lv {
		case lvListener:
			listener = s
		case lvListen:
			listen = s
		case lvPeer:
			peer = s
		}
	}
	var order []*scope
	if peer != nil {
		var own, outer []*Peer
		if listen != nil {
			own = kidsPeers(listen, true)
		}
		outer = kidsPeers(listener, false)
		for _, p := range peerChain(own, outer, peer.prefix) {
			order = append(order, p.sc)
		}
	}
	if listen != nil {
		order = append(order, listen)
	}
	if listener != nil {
		order = append(order, listener)
	}
	return order
}

func kidsPeers(sc *scope, inListen bool) []*Peer {
	var out []*Peer
	for _, k := range sc.kids {
		if k.lv == lvPeer {
			out = append(out, newPeer(k, inListen))
		}
	}
	return out
}

// Show renders the scope the path names: its options, and its child
// scopes as "Listen "x" { ... }" (recurse prints them in full).
func (c *Config) Show(path []string, recurse bool) (string, error) {
	t, err := walk(c.root, c.baseDir, path, false)
	if err != nil {
		return "", err
	}
	sc := t.sc()
	var b strings.Builder
	if t.option != "" {
		d, err := optionAt(t)
		if err != nil {
			return "", err
		}
		st := sc.get(d)
		if st == nil {
			return "", pathErr("Option '%s' is not set in scope '%s'.", t.option, sc.path)
		}
		fmt.Fprintf(&b, "%s = %s\n", d.Name, formatValue(st.val))
		return b.String(), nil
	}
	printBody(&b, sc, 0, recurse)
	return b.String(), nil
}

// Set returns a new generation in which the option the path names is set
// to value (config text: a word, a quoted string, "( a b )" or "[ k = v ]").
// Missing listener, Listen and Peer scopes on the path are created. c is
// not changed.
func (c *Config) Set(path []string, value string) (*Config, error) {
	root := c.root.clone()
	t, err := walk(root, c.baseDir, path, true)
	if err != nil {
		return nil, err
	}
	if _, err := optionAt(t); err != nil {
		return nil, err
	}
	rv, err := parseValueText(value)
	if err != nil {
		return nil, err
	}
	st, msg, hint := makeSetting(t.sc(), t.option, Source{File: "<console>"}, rv)
	if msg != "" {
		return nil, pathErr("%s%s", msg, hintSuffix(hint))
	}
	t.sc().set(st)
	return derive(c.Path, c.baseDir, root)
}

// Unset returns a new generation without the option (or, when the path
// ends at a scope, without that scope). The global scope cannot be unset.
func (c *Config) Unset(path []string) (*Config, error) {
	root := c.root.clone()
	t, err := walk(root, c.baseDir, path, false)
	if err != nil {
		return nil, err
	}
	if t.option == "" {
		if len(t.chain) == 1 {
			return nil, pathErr("the global scope cannot be unset")
		}
		parent := t.chain[len(t.chain)-2]
		parent.kids = slices.DeleteFunc(parent.kids, func(k *scope) bool { return k == t.sc() })
		return derive(c.Path, c.baseDir, root)
	}
	d, err := optionAt(t)
	if err != nil {
		return nil, err
	}
	if !t.sc().unset(d) {
		return nil, pathErr("Option '%s' is not set in scope '%s'.", t.option, t.sc().path)
	}
	return derive(c.Path, c.baseDir, root)
}

// parseValueText reads one console value.
func parseValueText(s string) (*rawVal, error) {
	errs := &Errors{}
	p := &parser{lx: newLexer("<console>", []byte(s), errs), errs: errs}
	rv := p.value()
	if t := p.peek(0); t.kind != tEOF && !p.stop {
		p.fail(t, "unexpected %s after the value (quote values that contain spaces)", describe(t))
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return rv, nil
}
