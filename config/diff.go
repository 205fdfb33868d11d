package config

import (
	"fmt"
	"slices"
	"strings"
)

// Delta is what changes between two generations.
type Delta struct {
	Added   []*Listen // in new only (by listener type and canonical address)
	Removed []*Listen // in old only
	Changed []*Listen // in both (the new one), Socket or Enabled differ
	Restart []string  // restart-only options that changed: "FILE:LINE option"
}

func listenKey(l *Listen) string { return l.Listener.Kind + " " + l.Addr.String() }

// Diff compares two generations. A nil old means everything is added.
func Diff(old, new *Config) Delta {
	var d Delta
	oldL := map[string]*Listen{}
	if old != nil {
		for _, L := range old.Listeners {
			for _, l := range L.Listens {
				oldL[listenKey(l)] = l
			}
		}
	}
	seen := map[string]bool{}
	for _, L := range new.Listeners {
		for _, l := range L.Listens {
			k := listenKey(l)
			seen[k] = true
			o, ok := oldL[k]
			switch {
			case !ok:
				d.Added = append(d.Added, l)
			case o.Socket != l.Socket || o.Enabled != l.Enabled:
				d.Changed = append(d.Changed, l)
			}
		}
	}
	if old != nil {
		for _, L := range old.Listeners {
			for _, l := range L.Listens {
				if !seen[listenKey(l)] {
					d.Removed = append(d.Removed, l)
				}
			}
		}
		d.Restart = restartChanges(old.root, new.root)
	}
	return d
}

// restartChanges lists restart-only options whose setting differs, by
// scope path, reporting the new position (or the old one when removed).
func restartChanges(o, n *scope) []string {
	om, nm := map[string]*Value{}, map[string]*Value{}
	collectRestart(o, om)
	collectRestart(n, nm)
	var out []string
	for k, nv := range nm {
		if ov, ok := om[k]; !ok || formatValue(ov) != formatValue(nv) {
			out = append(out, fmt.Sprintf("%s %s", nv.Src.short(), k))
		}
	}
	for k, ov := range om {
		if _, ok := nm[k]; !ok {
			out = append(out, fmt.Sprintf("%s %s", ov.Src.short(), k))
		}
	}
	slices.Sort(out)
	return out
}

func collectRestart(sc *scope, m map[string]*Value) {
	for _, st := range sc.opts {
		if st.def.Restart {
			m[strings.TrimSpace(sc.path+" "+st.def.Name)] = st.val
		}
	}
	for _, k := range sc.kids {
		collectRestart(k, m)
	}
}
