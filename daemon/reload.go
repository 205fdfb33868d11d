package daemon

import (
	"errors"
	"fmt"
	"strings"

	"sluice/config"
)

// Reload reads the configuration files again (path "" = the -config file)
// and applies the new generation with one engine Apply. An invalid file
// changes nothing: the error lists every FILE:LINE:COL problem and the old
// generation keeps serving. Another path serves once: the next plain
// reload or SIGHUP reads the -config file again. The console checks path
// first (ConsoleReload); this entry point trusts its caller.
func (d *Daemon) Reload(path string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.cfg.Load()
	if path == "" {
		path = d.opts.ConfigPath
	}
	c, err := loadConfig(path)
	if err != nil {
		return "", d.reloadFailure(err)
	}
	return d.switchTo(old, c, "reload")
}

// Set changes one option in the serving generation (console "config set")
// and applies the result at once: "config set esmtp_listener listen :25
// enable false" closes that socket.
func (d *Daemon) Set(path []string, value string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.cfg.Load()
	c, err := old.Set(path, value)
	if err != nil {
		return "", err
	}
	if err := liveConsoleOpen(old, c); err != nil {
		return "", err
	}
	return d.switchTo(old, c, "set")
}

// Unset removes one option from its scope (console "config unset").
func (d *Daemon) Unset(path []string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.cfg.Load()
	c, err := old.Unset(path)
	if err != nil {
		return "", err
	}
	if err := liveConsoleOpen(old, c); err != nil {
		return "", err
	}
	return d.switchTo(old, c, "unset")
}

// switchTo builds the engine spec for c, publishes c and applies the spec.
// Callers hold d.mu.
func (d *Daemon) switchTo(old, c *config.Config, why string) (string, error) {
	spec, err := d.buildSpec(c)
	if err != nil {
		return "", d.reloadFailure(err)
	}
	// Bind every new or changed Listen first: a port that cannot be bound
	// fails the reload and the old generation keeps every socket.
	if err := d.sock.prepare(spec.Listens); err != nil {
		return "", d.reloadFailure(err)
	}
	delta := config.Diff(old, c)
	hoErr := d.reconfigureHandoff(c)
	if hoErr != nil {
		return "", d.reloadFailure(hoErr)
	}
	d.cfg.Store(c)
	d.applyBudget(c)
	applyErr := errors.Join(d.apply0(spec), d.clusterApply(c))
	d.sock.applied(spec.Listens)
	// The generation is valid and now serving; a Listen that failed to bind
	// is reported below and by the listen-up metric, not as a failed reload.
	if why == "reload" {
		d.reloadOK.Add(1)
		d.lastReloadBad.Store(false)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "generation %d applied (%s): %d Listen added, %d removed, %d changed\n",
		c.Generation, why, len(delta.Added), len(delta.Removed), len(delta.Changed))
	for _, r := range delta.Restart {
		fmt.Fprintf(&b, "needs restart: %s\n", r)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	if applyErr != nil {
		fmt.Fprintf(&b, "some Listens failed: %v\n", applyErr)
	}
	d.log.Info("configuration applied", "generation", c.Generation, "cause", why,
		"added", len(delta.Added), "removed", len(delta.Removed), "changed", len(delta.Changed),
		"restart", len(delta.Restart), "apply_err", applyErr)
	return b.String(), nil
}

func (d *Daemon) reloadFailure(err error) error {
	d.reloadFailed.Add(1)
	d.lastReloadBad.Store(true)
	d.log.Error("reconfigure failed; the old generation keeps serving", "err", err)
	return fmt.Errorf("Reconfigure failed:\n%w", err)
}
