package config

import (
	"net/netip"
	"slices"
	"strings"
)

// scope is one node of a generation's scope tree. Trees are never modified
// once a Config is published; Set and Unset clone the tree first.
type scope struct {
	lv     level
	kind   string   // canonical listener type (listener, Listen and Peer levels)
	tm     typeMask // kindMask(kind)
	name   string   // instance as written; "" when anonymous
	key    string   // canonical instance: Addr.String or Prefix.String
	addr   Addr
	prefix netip.Prefix
	src    Source
	path   string // console path, e.g. "ESMTP_Listener Listen 0.0.0.0:25"
	opts   []*setting
	kids   []*scope
	// foreign holds the root's Momentum scopes and options outside the
	// listener chapter (momentum.go); immutable, shared by clones.
	foreign []*Foreign
}

// setting is one option set in one scope.
type setting struct {
	def    *optDef
	val    *Value
	mapped bool // made from a Momentum scope (momentum_apply.go); Print skips it
}

func (s *scope) get(d *optDef) *setting {
	for _, st := range s.opts {
		if st.def == d {
			return st
		}
	}
	return nil
}

// set replaces or appends an option.
func (s *scope) set(st *setting) {
	for i, o := range s.opts {
		if o.def == st.def {
			s.opts[i] = st
			return
		}
	}
	s.opts = append(s.opts, st)
}

func (s *scope) unset(d *optDef) bool {
	for i, o := range s.opts {
		if o.def == d {
			s.opts = slices.Delete(s.opts, i, i+1)
			return true
		}
	}
	return false
}

// child finds a direct child by level and canonical key (listener kinds
// compare case-insensitively).
func (s *scope) child(lv level, key string) *scope {
	for _, k := range s.kids {
		if k.lv == lv && strings.EqualFold(k.key, key) {
			return k
		}
	}
	return nil
}

// clone deep-copies the tree; Values are shared because they are immutable.
func (s *scope) clone() *scope {
	c := *s
	c.opts = slices.Clone(s.opts)
	c.kids = make([]*scope, len(s.kids))
	for i, k := range s.kids {
		c.kids[i] = k.clone()
	}
	return &c
}

// scopeWord is the scope type as printed.
func (s *scope) scopeWord() string {
	switch s.lv {
	case lvListener:
		return s.kind
	case lvListen:
		return "Listen"
	case lvPeer:
		return "Peer"
	case lvHandoff, lvTarget:
		return levelNames[s.lv]
	}
	return ""
}

func childPath(parent *scope, word, key string) string {
	p := word
	if key != "" {
		p += " " + key
	}
	if parent.path == "" {
		return p
	}
	return parent.path + " " + p
}
