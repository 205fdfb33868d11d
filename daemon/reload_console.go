package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sluice/config"
)

// ConsoleReload is "config reload [PATH]" from the console. A console user
// (a password is enough on TCP) must not make the daemon read any file it
// can read, so PATH must name a regular file inside the directory of the
// -config file, symbolic links resolved; the daemon's own configuration
// tree is the only thing an operator reloads from. Errors reach the console
// redacted (positions and fixed wording, no text of the file); the daemon
// log has them in full.
func (d *Daemon) ConsoleReload(path string) (string, error) {
	if path != "" {
		real, err := d.reloadPathAllowed(path)
		if err != nil {
			d.log.Warn("console reload refused", "path", path, "err", err)
			return "", err
		}
		path = real
	}
	text, err := d.Reload(path)
	if err != nil {
		return "", redactConfigErr(err)
	}
	return text, nil
}

// reloadPathAllowed checks that path (relative paths start at the -config
// file's directory) resolves to a regular file inside that directory, and
// returns the resolved path.
func (d *Daemon) reloadPathAllowed(path string) (string, error) {
	refuse := func(why string) error {
		return fmt.Errorf("daemon: config reload %q refused: %s; "+
			"only files in the -config file's directory can be reloaded from the console", path, why)
	}
	if d.opts.ConfigPath == "" {
		return "", refuse("the daemon runs the built-in default configuration (no -config)")
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(d.opts.ConfigPath))
	if err != nil {
		return "", refuse("the configuration directory cannot be resolved")
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return "", refuse("the configuration directory cannot be resolved")
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", refuse("no such file")
	}
	if real, err = filepath.Abs(real); err != nil {
		return "", refuse("no such file")
	}
	rel, err := filepath.Rel(dir, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", refuse("outside the configuration directory")
	}
	if st, err := os.Stat(real); err != nil || !st.Mode().IsRegular() {
		return "", refuse("not a regular file")
	}
	return real, nil
}

// redactConfigErr keeps the first line of a reload failure ("Reconfigure
// failed:") and replaces config problems by their redacted form.
func redactConfigErr(err error) error {
	var ce *config.Errors
	if !errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("Reconfigure failed (file text is not shown here; the daemon log has the full messages):\n%s", ce.Redacted())
}
