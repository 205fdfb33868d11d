package daemon

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"

	"sluice/config"
)

// Check does for c what start-up does before it binds: it builds every
// Listen's spec, so Peer tables are built and TLS certificates, keys and
// client CAs are loaded and matched. It binds nothing and opens no spool,
// so sluiced -check can run beside a live daemon. A nil error means the
// daemon will start with c, ports, directories (CheckDirs) and spool
// permitting.
func Check(c *config.Config) error {
	d := newDaemon(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, c)
	d.initProtoStats(1)
	d.tpl.once.Do(func() {}) // -check creates nothing: no template store beside the spool
	_, err := d.buildSpec(c)
	return err
}

// CheckDirs warns about each Unix Listen or Pidfile of c whose directory
// does not exist here: start-up creates neither for a config file (under
// systemd, RuntimeDirectory makes /run/sluice only when the unit starts,
// so a check elsewhere may warn about it).
func CheckDirs(c *config.Config) []string {
	dirs := map[string]string{}
	if c.Path != "<default>" {
		for _, L := range c.Listeners {
			for _, l := range L.Listens {
				if l.Addr.Network == "unix" && l.Enabled {
					dirs[filepath.Dir(l.Addr.Path)] = L.Kind + " Listen " + l.Addr.Path
				}
			}
		}
	}
	if p := c.Global().String("pidfile"); p != "" {
		if abs, err := filepath.Abs(p); err == nil {
			dirs[filepath.Dir(abs)] = "Pidfile " + p
		}
	}
	var out []string
	for dir, what := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			out = append(out, fmt.Sprintf("%s: the directory %s does not exist here; start-up fails unless it is created first", what, dir))
		}
	}
	sort.Strings(out)
	return out
}
