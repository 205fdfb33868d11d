package config

import (
	"fmt"
	"strings"
)

// builder turns parsed statements into a validated scope tree.
type builder struct {
	baseDir string
	errs    *Errors
	peers   map[*scope]map[string]*scope // Peer children by prefix, for duplicate checks
}

func (b *builder) build(nodes []*node) *scope {
	root := &scope{lv: lvGlobal}
	b.body(root, nodes)
	b.applyForeign(root) // momentum_apply.go
	return root
}

// body adds the statements of one scope.
func (b *builder) body(sc *scope, nodes []*node) {
	for _, n := range nodes {
		if b.errs.full() {
			return
		}
		if n.isScope {
			b.scope(sc, n)
		} else {
			b.option(sc, n.name, n.src, n.val)
		}
	}
}

func (b *builder) scope(parent *scope, n *node) {
	word := strings.ToLower(n.name)
	switch {
	case parent.lv == lvGlobal && canonicalKind(n.name) != "":
		b.listener(parent, n)
	case parent.lv == lvGlobal && word == "handoff", parent.lv == lvHandoff && word == "target":
		b.handoff(parent, n) // handoff.go
	case word == "listen" && parent.lv == lvListener:
		b.listen(parent, n)
	case word == "peer" && (parent.lv == lvListener || parent.lv == lvListen):
		b.peer(parent, n)
	case b.foreignScope(parent, n):
	default:
		b.badScope(parent, n)
	}
}

func (b *builder) badScope(parent *scope, n *node) {
	word := strings.ToLower(n.name)
	var msg, hint string
	switch {
	case canonicalKind(n.name) != "":
		msg = fmt.Sprintf("%s must be at the top level, not inside %s", canonicalKind(n.name), parent.scopeWord())
	case word == "listen" || word == "peer":
		msg = fmt.Sprintf("%s is not valid in the %s scope", n.name, levelNames[parent.lv])
		if parent.lv == lvGlobal {
			hint = "put it inside a listener such as ESMTP_Listener { … }"
		}
	case lookupOpt(n.name) != nil:
		msg = fmt.Sprintf("%s is an option, not a scope", lookupOpt(n.name).Name)
		hint = "write " + lookupOpt(n.name).Name + " = value"
	default:
		msg = fmt.Sprintf("unknown scope %q", n.name)
		cands := []string{"Listen", "Peer"}
		if parent.lv == lvGlobal {
			cands = nil
			for _, k := range Kinds {
				cands = append(cands, k.Name)
			}
			cands = append(cands, foreignNames...)
		}
		hint = suggest(n.name, cands)
	}
	b.errs.add(n.src, msg, hint)
}

func (b *builder) listener(root *scope, n *node) {
	kind := canonicalKind(n.name)
	if n.inst != nil {
		b.errs.add(n.inst.src, fmt.Sprintf("%s takes no instance name (there is one of each listener type)", kind), "remove "+fmt.Sprintf("%q", n.inst.text))
		return
	}
	sc := root.child(lvListener, kind)
	if sc == nil {
		sc = &scope{lv: lvListener, kind: kind, tm: kindMask(kind), key: kind, src: n.src}
		sc.path = childPath(root, kind, "")
		root.kids = append(root.kids, sc)
	}
	b.body(sc, n.body)
}

func (b *builder) listen(parent *scope, n *node) {
	if n.inst == nil {
		b.errs.add(n.src, "Listen needs an address, as in Listen \"*:25\" { }", "")
		return
	}
	a, err := ParseListenAddr(n.inst.text, b.baseDir)
	if err != nil {
		b.errs.add(n.inst.src, err.Error(), "")
		return
	}
	sc := &scope{lv: lvListen, kind: parent.kind, tm: parent.tm, name: n.inst.text, key: a.String(), addr: a, src: n.src}
	sc.path = childPath(parent, "Listen", sc.key)
	parent.kids = append(parent.kids, sc)
	b.body(sc, n.body)
}

func (b *builder) peer(parent *scope, n *node) {
	if parent.tm&peerTypes == 0 {
		b.errs.add(n.src, fmt.Sprintf("%s takes no Peer scopes", parent.kind), "")
		return
	}
	if n.inst == nil {
		b.errs.add(n.src, "Peer needs an IP address or CIDR, as in Peer \"10.0.0.0/16\" { }", "")
		return
	}
	p, err := ParsePeer(n.inst.text)
	if err != nil {
		b.errs.add(n.inst.src, err.Error(), "")
		return
	}
	if b.peers == nil {
		b.peers = map[*scope]map[string]*scope{}
	}
	if b.peers[parent] == nil {
		b.peers[parent] = map[string]*scope{}
	}
	if old := b.peers[parent][p.String()]; old != nil {
		b.errs.add(n.src, fmt.Sprintf("Peer %q is already declared in this scope at %s", p, old.src), "merge the two Peer scopes")
		return
	}
	sc := &scope{lv: lvPeer, kind: parent.kind, tm: parent.tm, name: n.inst.text, key: p.String(), prefix: p, src: n.src}
	sc.path = childPath(parent, "Peer", sc.key)
	b.peers[parent][sc.key] = sc
	parent.kids = append(parent.kids, sc)
	b.body(sc, n.body)
}

// option validates and sets one option in sc.
func (b *builder) option(sc *scope, name string, src Source, rv *rawVal) {
	// A Momentum name sluice does not hold at this level (Retry_Interval is
	// a Handoff option here, a global delivery option in Momentum).
	if d := lookupOpt(name); (d == nil || sc.lv == lvGlobal && !d.Global) && b.foreignOption(sc, name, src, rv) {
		return
	}
	st, msg, hint := makeSetting(sc, name, src, rv)
	if msg != "" {
		b.errs.add(src, msg, hint)
		return
	}
	if old := sc.get(st.def); old != nil {
		b.errs.add(src, fmt.Sprintf("option %s is already set in this scope at %s", st.def.Name, old.val.Src), "keep one of the two")
		return
	}
	sc.opts = append(sc.opts, st)
}

// makeSetting checks that name is an option valid in sc and types rv.
func makeSetting(sc *scope, name string, src Source, rv *rawVal) (*setting, string, string) {
	d := lookupOpt(name)
	if d == nil {
		if canonicalKind(name) != "" || strings.EqualFold(name, "listen") || strings.EqualFold(name, "peer") {
			return nil, fmt.Sprintf("%s is a scope; write %s { … }", name, name), ""
		}
		cands := optionNames
		if sc.lv == lvGlobal {
			cands = append(append([]string(nil), optionNames...), foreignNames...)
		}
		return nil, fmt.Sprintf("unknown option %q", name), suggest(name, cands)
	}
	if !d.validAt(sc.lv, sc.tm) {
		where := levelNames[sc.lv] + " scope"
		if sc.lv != lvGlobal && sc.kind != "" {
			where = sc.kind + " " + where
			if sc.lv == lvListener {
				where = sc.kind + " scope"
			}
		}
		return nil, fmt.Sprintf("option %s is not valid in the %s", d.Name, where), "it is valid in: " + d.whereValid(sc.tm)
	}
	v, err := typed(d, rv)
	if err == nil && checks[d.key] != nil {
		err = checks[d.key](v) // registry_edge.go
	}
	if err != nil {
		return nil, err.Error(), ""
	}
	v.Src = src
	v.Scope = sc.path
	return &setting{def: d, val: v}, "", ""
}
