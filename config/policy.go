package config

import (
	"net/netip"
	"strings"
	"time"
)

// Kind is the type of an option value.
type Kind uint8

const (
	KindString Kind = iota
	KindInt
	KindSize
	KindBool
	KindPerms
	KindSeconds
	KindArray
	KindDict
	KindSockAddr
	KindCIDR
	KindThrottle
)

// Source says where a value came from. A zero Source (File == "") means the
// option's compiled default.
type Source struct {
	File      string
	Line, Col int
}

// IsDefault reports whether the value is the registry default.
func (s Source) IsDefault() bool { return s.File == "" }

// Value is one typed option value. Values are immutable once a generation is
// built; callers must not modify List or Dict.
type Value struct {
	Kind  Kind
	Raw   string        // the text as written (or the default's text)
	Int   int64         // KindInt, KindSize (bytes), KindPerms, KindThrottle (count)
	Bool  bool          // KindBool
	Dur   time.Duration // KindSeconds; KindThrottle (period)
	List  []string      // KindArray
	Dict  map[string]string
	Src   Source
	Scope string // console-style path of the scope that set it, "" for default
}

// Policy is the fully resolved option set for one (Listener, Listen, Peer)
// combination: every option valid for the listener type is present, with
// fallback already applied. Policies are immutable and shared by every
// connection that matches them; the hot path reads them without locks.
type Policy struct {
	Listener  string       // canonical listener type, e.g. "ESMTP_Listener"
	Listen    string       // canonical listen address, e.g. "127.0.0.1:2525"
	Peer      netip.Prefix // the most specific matching Peer; invalid when none matched
	PeerScope string       // console path of that Peer scope, "" when none matched
	vals      map[string]*Value
}

// NewPolicy builds a Policy from already-typed values. Keys are option names
// in any case. It is used by the config layer and by tests.
func NewPolicy(listener, listen string, vals map[string]*Value) *Policy {
	m := make(map[string]*Value, len(vals))
	for k, v := range vals {
		m[strings.ToLower(k)] = v
	}
	return &Policy{Listener: listener, Listen: listen, vals: m}
}

// Value returns the effective value of option name (case-insensitive).
func (p *Policy) Value(name string) (*Value, bool) {
	if p == nil {
		return nil, false
	}
	v, ok := p.vals[name]
	if !ok {
		v, ok = p.vals[strings.ToLower(name)]
	}
	return v, ok
}

// Names returns the option names present, in no particular order.
func (p *Policy) Names() []string {
	out := make([]string, 0, len(p.vals))
	for k := range p.vals {
		out = append(out, k)
	}
	return out
}

// String returns the option's raw text, "" when absent.
func (p *Policy) String(name string) string {
	if v, ok := p.Value(name); ok {
		return v.Raw
	}
	return ""
}

// Int returns an integer, size, perms or throttle-count option, 0 when absent.
func (p *Policy) Int(name string) int64 {
	if v, ok := p.Value(name); ok {
		return v.Int
	}
	return 0
}

// Bool returns a boolean option, false when absent.
func (p *Policy) Bool(name string) bool {
	if v, ok := p.Value(name); ok {
		return v.Bool
	}
	return false
}

// Duration returns a seconds option, 0 when absent.
func (p *Policy) Duration(name string) time.Duration {
	if v, ok := p.Value(name); ok {
		return v.Dur
	}
	return 0
}

// List returns an array option, nil when absent. The slice is shared.
func (p *Policy) List(name string) []string {
	if v, ok := p.Value(name); ok {
		return v.List
	}
	return nil
}

// Dict returns a dictionary option, nil when absent. The map is shared.
func (p *Policy) Dict(name string) map[string]string {
	if v, ok := p.Value(name); ok {
		return v.Dict
	}
	return nil
}
