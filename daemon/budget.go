package daemon

import (
	"sluice/config"
	"sluice/internal/membudget"
)

// applyBudget sets the daemon-wide message-data budget from
// Max_Inflight_Data (0 = membudget.DefaultLimit: a quarter of memory).
func (d *Daemon) applyBudget(c *config.Config) {
	n := c.Global().Int("max_inflight_data")
	if n <= 0 {
		n = membudget.DefaultLimit()
	}
	if n != membudget.Limit() {
		membudget.SetLimit(n)
		d.log.Info("message-data budget", "bytes", n)
	}
}
