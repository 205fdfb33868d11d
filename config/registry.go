package config

import (
	"slices"
	"strings"
)

// typeMask is a set of listener types.
type typeMask uint8

const (
	tyControl typeMask = 1 << iota
	tyESMTP
	tyECStream
	tyHTTP
	tyECCluster
	tyMsgc
	tyAll = tyControl | tyESMTP | tyECStream | tyHTTP | tyECCluster | tyMsgc
	tyNet = tyControl | tyESMTP | tyECStream | tyHTTP | tyECCluster // netlistener knobs
	tyTLS = tyESMTP | tyECStream | tyHTTP
	tyCSH = tyControl | tyESMTP | tyECStream | tyHTTP
)

// ListenerKind is one listener scope type. Kinds is the one table of them:
// the daemon takes budget names, protocol names and which factory serves a
// Listen from here, keyed by nothing else.
type ListenerKind struct {
	Name     string // canonical spelling, e.g. "ESMTP_Listener"
	Service  string // Service_Sessions budget, as Momentum names it, e.g. "SMTP"
	Protocol string // sluice's protocol (metrics label, factory), "" = accepted, not served
}

// Kinds are the six listener scope types, in typeMask bit order.
var Kinds = []ListenerKind{
	{"Control_Listener", "Control", "control"},
	{"ESMTP_Listener", "SMTP", "esmtp"},
	{"ECStream_Listener", "ECStream", "ecstream"},
	{"HTTP_Listener", "HTTP", "http"},
	{"ECCluster_Listener", "ECCluster", ""},
	{"msgcserver_listener", "msgcserver", ""},
}

// KindOf is the entry of Kinds for a listener type in any case; the zero
// ListenerKind when there is none.
func KindOf(kind string) ListenerKind {
	for _, k := range Kinds {
		if strings.EqualFold(k.Name, kind) {
			return k
		}
	}
	return ListenerKind{}
}

// served are the listener types sluice runs a protocol for.
const served = tyControl | tyESMTP | tyECStream | tyHTTP | tyECCluster | tyMsgc

// peerTypes are the listener types that accept Peer scopes.
const peerTypes = tyCSH | tyMsgc

func kindMask(kind string) typeMask {
	for i, k := range Kinds {
		if strings.EqualFold(k.Name, kind) {
			return 1 << i
		}
	}
	return 0
}

func canonicalKind(kind string) string { return KindOf(kind).Name }

// optDef describes one option: its type, default, where it is valid, and
// whether sluice acts on it and can apply a change without a restart.
type optDef struct {
	Name    string // canonical spelling, printed by Print and Dump
	Kind    Kind
	Elem    Kind // KindArray: element type (KindString or KindCIDR)
	Def     string
	HasDef  bool
	Global  bool     // valid in the global scope
	Types   typeMask // valid in these listeners and their Listens
	Peer    typeMask // valid in Peer scopes of these listeners
	OnlyTop bool     // listener scope only, not Listen
	OnlyLsn bool     // Listen scope only, not the listener
	Acts    bool     // sluice acts on it; otherwise -check warns
	Restart bool     // a change needs a restart (non-dynamic)
	Enum    []string // allowed values (case-insensitive), when set
	EnumNum bool     // a non-negative integer is also allowed
	OffOK   bool     // KindSockAddr: "off" is also allowed (disables)
	defVal  *Value   // the typed default, built once at registration
	key     string   // lower-cased Name, the Policy key
}

func opt(name string, k Kind, def string) *optDef {
	return &optDef{Name: name, Kind: k, Def: def, HasDef: true}
}

func optNoDef(name string, k Kind) *optDef { return &optDef{Name: name, Kind: k} }

func (o *optDef) in(t typeMask) *optDef    { o.Types |= t; return o }
func (o *optDef) peer(t typeMask) *optDef  { o.Peer |= t; return o }
func (o *optDef) global() *optDef          { o.Global = true; return o }
func (o *optDef) acts() *optDef            { o.Acts = true; return o }
func (o *optDef) restart() *optDef         { o.Restart = true; return o }
func (o *optDef) top() *optDef             { o.OnlyTop = true; return o }
func (o *optDef) listenOnly() *optDef      { o.OnlyLsn = true; return o }
func (o *optDef) elem(k Kind) *optDef      { o.Elem = k; return o }
func (o *optDef) enum(v ...string) *optDef { o.Enum = v; return o }
func (o *optDef) orNumber() *optDef        { o.EnumNum = true; return o }
func (o *optDef) orOff() *optDef           { o.OffOK = true; return o }
func (o *optDef) both(t typeMask) *optDef  { return o.in(t).peer(t & peerTypes) }

// registry maps lower-cased option names to their definitions.
var registry = map[string]*optDef{}

// optionNames lists canonical option names, for hints.
var optionNames []string

func register(defs ...*optDef) {
	for _, d := range defs {
		k := strings.ToLower(d.Name)
		if _, dup := registry[k]; dup {
			panic("config: option registered twice: " + d.Name)
		}
		registry[k] = d
		d.key = k
		if d.HasDef {
			d.defVal = defaultValue(d)
		}
		optionNames = append(optionNames, d.Name)
	}
}

func lookupOpt(name string) *optDef { return registry[strings.ToLower(name)] }

// level is where a scope sits in the listener tree.
type level uint8

const (
	lvGlobal level = iota
	lvListener
	lvListen
	lvPeer
	lvHandoff // the global Handoff scope (see handoff.go)
	lvTarget  // a Target inside Handoff
)

var levelNames = [...]string{"global", "Listener", "Listen", "Peer", "Handoff", "Target"}

// validAt reports whether o may be set at level lv of listener type t.
func (o *optDef) validAt(lv level, t typeMask) bool {
	switch lv {
	case lvGlobal:
		return o.Global
	case lvListener:
		return o.Types&t != 0 && !o.OnlyLsn
	case lvListen:
		return o.Types&t != 0 && !o.OnlyTop
	case lvPeer:
		return o.Peer&t != 0
	case lvHandoff, lvTarget:
		return handoffValidAt(o, lv)
	}
	return false
}

// validFor reports whether o belongs in the resolved policy of type t.
func (o *optDef) validFor(t typeMask) bool { return o.Global || o.Types&t != 0 || o.Peer&t != 0 }

// whereValid describes the scopes o is valid in, for error messages.
func (o *optDef) whereValid(t typeMask) string {
	var w []string
	for lv := lvGlobal; lv <= lvTarget; lv++ {
		if o.validAt(lv, t) {
			w = append(w, levelNames[lv])
		}
	}
	if len(w) == 0 {
		var ks []string
		for i, k := range Kinds {
			if o.Types&(1<<i) != 0 {
				ks = append(ks, k.Name)
			}
		}
		if len(ks) == 0 {
			return "the global scope"
		}
		return strings.Join(ks, ", ")
	}
	return strings.Join(w, ", ")
}

// optsFor returns the definitions valid for listener type t (global ones
// included), sorted by name: the key set of a resolved Policy.
func optsFor(t typeMask) []*optDef {
	var out []*optDef
	for _, n := range optionNames {
		if d := lookupOpt(n); d.validFor(t) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *optDef) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out
}

// globalOpts returns the global-valid definitions sorted by name.
func globalOpts() []*optDef {
	var out []*optDef
	for _, n := range optionNames {
		if d := lookupOpt(n); d.Global {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *optDef) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out
}
