package config

import (
	_ "embed"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync/atomic"
)

// generations numbers every Config built in this process, in build order.
var generations atomic.Uint64

// Config is one immutable configuration generation. Nothing in it changes
// after Load, Parse, Set or Unset returns it, so any number of goroutines
// may read it without locks.
type Config struct {
	Generation uint64      // unique per build, increasing
	Path       string      // main file; "<default>" for the embedded one
	Listeners  []*Listener // file order
	Warnings   []string    // FILE:LINE:COL: warning text

	root    *scope
	baseDir string // relative Unix paths and console addresses resolve here
}

// Listener is one listener scope (one per type).
type Listener struct {
	Kind    string // canonical, e.g. "ESMTP_Listener"
	Listens []*Listen
	Peers   []*Peer // listener-level Peers, file order
	Src     Source
	sc      *scope
}

// Listen is one socket.
type Listen struct {
	Listener *Listener
	Addr     Addr
	Peers    []*Peer // Peers declared inside this Listen, file order
	Enabled  bool    // effective Enable: Listen, then Listener, then default
	Socket   Socket  // the socket to bind, from Addr and the Listen's policy
	Src      Source
	sc       *scope
}

// Peer is one Peer scope.
type Peer struct {
	Prefix   netip.Prefix
	InListen bool   // declared inside a Listen (wins ties with listener-level Peers)
	Path     string // console path
	Src      Source
	sc       *scope
}

//go:embed default.conf
var defaultConf []byte

// DefaultSource returns the embedded default configuration text.
func DefaultSource() []byte { return append([]byte(nil), defaultConf...) }

// LoadDefault parses the embedded default. Its relative paths resolve
// against the working directory.
func LoadDefault() (*Config, error) { return parse("<default>", "", defaultConf, nil) }

// Load reads and parses the file at path, with its includes.
func Load(path string) (*Config, error) {
	src, err := readLimited(path)
	if err != nil {
		return nil, &Errors{List: []*Error{{Src: Source{File: path}, Msg: fmt.Sprintf("cannot read configuration: %v", err),
			Hint: "pass an existing file with -config"}}}
	}
	return Parse(path, src)
}

// Parse parses src as the file name; includes and relative Unix socket
// paths resolve against the directory of name.
func Parse(name string, src []byte) (*Config, error) {
	return parse(name, filepath.Dir(name), src, readLimited)
}

func readLimited(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > maxFileSize {
		return nil, fmt.Errorf("not a regular file of at most %d bytes", maxFileSize)
	}
	return os.ReadFile(path)
}

func parse(name, baseDir string, src []byte, read reader) (*Config, error) {
	errs := &Errors{}
	inc := &includer{read: read}
	if abs, err := filepath.Abs(name); err == nil && read != nil {
		inc.stack = append(inc.stack, abs)
		inc.names = append(inc.names, name)
	}
	nodes := parseFile(name, src, inc, errs)
	b := &builder{baseDir: baseDir, errs: errs}
	root := b.build(nodes)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return derive(name, baseDir, root)
}

// derive builds the exported view of a validated tree, checks cross-scope
// rules (one socket per Listen) and numbers the new generation.
func derive(name, baseDir string, root *scope) (*Config, error) {
	c := &Config{Path: name, root: root, baseDir: baseDir}
	errs := &Errors{}
	seen := map[string]*Listen{}
	for _, ls := range root.kids {
		if ls.lv != lvListener {
			continue
		}
		L := &Listener{Kind: ls.kind, Src: ls.src, sc: ls}
		for _, k := range ls.kids {
			switch k.lv {
			case lvPeer:
				L.Peers = append(L.Peers, newPeer(k, false))
			case lvListen:
				l := c.newListen(L, k)
				if old := seen[l.Addr.String()]; old != nil {
					errs.add(l.Src, fmt.Sprintf("Listen %q names the same socket (%q) as %s Listen %q at %s",
						k.name, l.Addr.String(), old.Listener.Kind, old.sc.name, old.Src), "remove one of them")
					continue
				}
				seen[l.Addr.String()] = l
				L.Listens = append(L.Listens, l)
			}
		}
		c.Listeners = append(c.Listeners, L)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	for _, L := range c.Listeners {
		for _, l := range L.Listens {
			l.Socket = socketOf(l.Addr, c.ListenPolicy(l))
		}
	}
	c.Warnings = append(append(warnings(root), handoffWarnings(root)...), foreignWarnings(root)...)
	clusterRules(c, errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	c.Generation = generations.Add(1)
	return c, nil
}

func newPeer(sc *scope, inListen bool) *Peer {
	return &Peer{Prefix: sc.prefix, InListen: inListen, Path: sc.path, Src: sc.src, sc: sc}
}

func (c *Config) newListen(L *Listener, sc *scope) *Listen {
	l := &Listen{Listener: L, Addr: sc.addr, Src: sc.src, sc: sc}
	for _, k := range sc.kids {
		if k.lv == lvPeer {
			l.Peers = append(l.Peers, newPeer(k, true))
		}
	}
	l.Enabled = c.effective(lookupOpt("enable"), []*scope{sc, L.sc}).Bool
	return l
}

// warnings lists every option that is set but not acted on yet, and every
// listener type whose Listens sluice does not bind, in tree order.
func warnings(sc *scope) []string {
	var out []string
	if sc.lv == lvListener && sc.tm&served == 0 {
		out = append(out, fmt.Sprintf("%s: %s is accepted but has no effect yet: its Listens are not bound", sc.src, sc.kind))
	}
	for _, st := range sc.opts {
		switch {
		case st.def.key == "enable_authorization" && st.val.Bool:
			out = append(out, fmt.Sprintf("%s: Enable_Authorization = true is not enforced: sluice's console has no roles, "+
				"so every client that passes authentication may run every command (restrict with Peer Always_Deny)", st.val.Src))
		case !st.def.Acts:
			out = append(out, fmt.Sprintf("%s: option %s is accepted but has no effect yet", st.val.Src, st.def.Name))
		}
	}
	for _, k := range sc.kids {
		out = append(out, warnings(k)...)
	}
	return out
}
