package daemon

import (
	"io"
	"log/slog"

	"sluice/config"
)

// Check does for c what start-up does before it binds: it builds every
// Listen's spec, so Peer tables are built and TLS certificates, keys and
// client CAs are loaded and matched. It binds nothing and opens no spool,
// so sluiced -check can run beside a live daemon. A nil error means the
// daemon will start with c, sockets and spool permitting.
func Check(c *config.Config) error {
	d := newDaemon(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, c)
	d.initProtoStats(1)
	d.tpl.once.Do(func() {}) // -check creates nothing: no template store beside the spool
	_, err := d.buildSpec(c)
	return err
}
