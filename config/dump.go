package config

import (
	"fmt"
	"strings"
)

// Dump renders the effective tree for sluiced -dump: the global options,
// then for every Listen each option of its listener type with its effective
// value and where it came from ("file:line" or "default"), then for each
// Peer that applies to the Listen the Peer-level options as a connection
// from that Peer's network resolves them.
func Dump(c *Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# effective configuration of %s\n", c.Path)
	b.WriteString("global\n")
	for _, d := range typeOpts()[0] {
		dumpLine(&b, "  ", d, c.effective(d, nil))
	}
	for _, L := range c.Listeners {
		fmt.Fprintf(&b, "%s  # %s\n", L.Kind, L.Src.short())
		if len(L.Listens) == 0 {
			b.WriteString("  (no Listen)\n")
		}
		for _, l := range L.Listens {
			dumpListen(&b, c, l)
		}
	}
	dumpHandoff(&b, c) // handoff.go
	dumpForeign(&b, c.Foreign())
	return b.String()
}

func dumpListen(b *strings.Builder, c *Config, l *Listen) {
	state := "enabled"
	if !l.Enabled {
		state = "disabled"
	}
	if l.sc.name != l.Addr.String() {
		state += fmt.Sprintf(", written %q", l.sc.name)
	}
	fmt.Fprintf(b, "  Listen %s  # %s %s\n", quote2(l.Addr.String()), l.Src.short(), state)
	tm := l.sc.tm
	order := []*scope{l.sc, l.Listener.sc}
	for _, d := range typeOpts()[tm] {
		if d.Types&tm != 0 || d.Peer&tm != 0 {
			dumpLine(b, "    ", d, c.effective(d, order))
		}
	}
	peers := append(append([]*Peer(nil), l.Peers...), l.Listener.Peers...)
	for _, p := range peers {
		where := "Listen"
		if !p.InListen {
			where = "listener"
		}
		chain := PeerChain(l, p.Prefix)
		via := make([]string, len(chain))
		for i, q := range chain {
			via[i] = q.Prefix.String()
		}
		fmt.Fprintf(b, "    Peer %s  # %s %s Peer; chain %s\n", quote2(p.Prefix.String()), p.Src.short(), where, strings.Join(via, " > "))
		o := make([]*scope, 0, len(chain)+2)
		for _, q := range chain {
			o = append(o, q.sc)
		}
		o = append(o, order...)
		for _, d := range typeOpts()[tm] {
			if d.Peer&tm != 0 {
				dumpLine(b, "      ", d, c.effective(d, o))
			}
		}
	}
}

func dumpLine(b *strings.Builder, ind string, d *optDef, v *Value) {
	if v == nil {
		fmt.Fprintf(b, "%s%s  # unset\n", ind, d.Name)
		return
	}
	fmt.Fprintf(b, "%s%s = %s  # %s\n", ind, d.Name, formatValue(v), v.Src.short())
}
