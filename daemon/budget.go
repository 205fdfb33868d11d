package daemon

import (
	"os"
	"path/filepath"
	"runtime/debug"

	"sluice/config"
	"sluice/internal/membudget"
	"sluice/internal/spill"
)

// applyBudget sets the daemon-wide message-data budget from
// Max_Inflight_Data (0 = membudget.DefaultLimit: a quarter of memory), and
// the Go runtime's soft memory limit to 1.5 × the budget + 64 MiB unless the
// operator set GOMEMLIMIT: without it the collector lets a heap whose live
// part is at the budget grow to twice that before it runs (GOGC=100), and
// a flood of refused messages leaves garbage behind (measured: RSS 592 MiB
// under a 256 MiB budget).
func (d *Daemon) applyBudget(c *config.Config) {
	n := c.Global().Int("max_inflight_data")
	if n <= 0 {
		n = membudget.DefaultLimit()
	}
	if n == membudget.Limit() {
		return
	}
	membudget.SetLimit(n)
	soft := int64(-1)
	if os.Getenv("GOMEMLIMIT") == "" {
		soft = n + n/2 + 64<<20
		debug.SetMemoryLimit(soft)
	}
	d.log.Info("message-data budget", "bytes", n, "go_memory_limit", soft)
}

// setupSpill lets large SMTP messages spill into <Spoolbase>/spill (same
// file system as the spool; the files are unlinked O_TMPFILEs). Without
// the directory, or on a file system without O_TMPFILE, messages stay in
// memory under the budget.
func (d *Daemon) setupSpill() {
	dir := filepath.Join(d.spoolDir, "spill")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		d.log.Warn("message spill disabled: large messages stay in memory", "dir", dir, "err", err)
		spill.SetDir("")
		return
	}
	spill.SetDir(dir)
}
