package daemon

import (
	"fmt"
	"strings"

	"sluice/config"
	"sluice/proto/control"
)

// Commit applies a console transaction (config begin … config commit):
// every change is made on a copy of the serving generation, in order, and
// the result is applied once. The first change that fails aborts the
// commit with nothing applied.
func (d *Daemon) Commit(cs []control.Change) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.cfg.Load()
	c := old
	for i, ch := range cs {
		var err error
		if ch.Value == nil {
			c, err = c.Unset(ch.Path)
		} else {
			c, err = c.Set(ch.Path, ch.Value.ConfigText())
		}
		if err != nil {
			return "", fmt.Errorf("config commit: change %d of %d (%s): %v; nothing was applied", i+1, len(cs), ch, err)
		}
	}
	if len(cs) == 0 {
		return "nothing to commit\n", nil
	}
	if err := liveConsoleOpen(old, c); err != nil {
		return "", err
	}
	return d.switchTo(old, c, "commit")
}

// liveConsoleOpen refuses a generation made at the console (set, unset,
// commit) that would serve a TCP Control_Listener Listen without
// authentication where the one before did not: a console Listen created or
// changed live is never open to the network. Unix sockets are guarded by
// peer credentials and are not affected; a file reload is the operator's
// explicit choice and is not checked here.
func liveConsoleOpen(old, c *config.Config) error {
	var bad []string
	for _, L := range c.Listeners {
		if !strings.EqualFold(L.Kind, "Control_Listener") {
			continue
		}
		for _, l := range L.Listens {
			if !l.Enabled || l.Addr.Network != "tcp" || !openConsole(c, l) {
				continue
			}
			if o := old.FindListen(L.Kind, l.Addr.String()); o != nil && o.Enabled && openConsole(old, o) {
				continue // it was already open before this change
			}
			bad = append(bad, l.Addr.String())
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("refused: the TCP console Listen %s would accept commands without authentication; "+
		"set Enable_Authentication = true and AuthLoginParameters in the same transaction (config begin … config commit)",
		strings.Join(bad, ", "))
}

func openConsole(c *config.Config, l *config.Listen) bool {
	p := c.ListenPolicy(l)
	return !p.Bool("enable_authentication") || p.Bool("always_allow")
}
