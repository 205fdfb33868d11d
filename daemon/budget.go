package daemon

import (
	"os"
	"runtime/debug"

	"sluice/config"
	"sluice/internal/membudget"
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
