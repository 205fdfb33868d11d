package daemon

import (
	"fmt"
	"time"
)

// Alive reports whether every worker answers within two seconds (a
// snapshot round trip through each event loop). The systemd watchdog pings
// only while it is true. One probe runs at a time: while a stuck worker
// holds one, later calls answer false at once instead of piling up.
func (d *Daemon) Alive() bool {
	if !d.probing.CompareAndSwap(false, true) {
		return false
	}
	done := make(chan struct{})
	go func() {
		defer d.probing.Store(false)
		d.eng.Conns()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}

// logServing writes the start-up line an operator looks for: every Listen
// with its state, the spool directory and the messages recovered into it.
func (d *Daemon) logServing() {
	var ls []string
	failed := 0
	for _, l := range d.eng.Listeners() {
		s := fmt.Sprintf("%s %s %s", l.Listener, l.Address, l.State)
		if l.State == "failed" {
			failed++
		}
		ls = append(ls, s)
	}
	st := d.store.Stats()
	metrics := "off"
	if d.metAddr != nil {
		metrics = d.metAddr.String()
	}
	d.log.Info("serving", "listeners", ls, "failed", failed, "spool", d.spoolDir,
		"recovered", st.Live, "segments", st.Segments, "metrics", metrics, "pid", d.pid())
}
