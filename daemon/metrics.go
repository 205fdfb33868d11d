package daemon

import (
	"fmt"
	"io"

	"github.com/prometheus/common/expfmt"

	"sluice/config"
	"sluice/metrics"
	"sluice/metrics/stat"
)

// initProtoStats makes the counters of every protocol sluice serves; they
// live as long as the daemon, across reloads.
func (d *Daemon) initProtoStats(workers int) {
	d.protos = make(map[string]*stat.Proto, len(config.Kinds))
	for _, k := range config.Kinds {
		if k.Protocol != "" {
			d.protos[k.Protocol] = stat.NewProto(workers)
		}
	}
}

// startMetrics serves /metrics on addr, apart from the ingress path.
func (d *Daemon) startMetrics(addr string) error {
	d.reg = metrics.New(d)
	d.reg.MustRegister(filterCollector{&d.flt})
	d.reg.MustRegister(handoffCollector{d})
	d.reg.MustRegister(edgeCollector{d})
	d.reg.MustRegister(clusterCollector{d})
	if addr == "off" {
		return nil
	}
	srv, bound, err := metrics.Serve(addr, d.reg)
	if err != nil {
		return fmt.Errorf("daemon: %w", err) // metrics.Serve names the option, the address and the fix
	}
	d.metrics, d.metAddr = srv, bound
	d.log.Info("metrics", "addr", bound.String())
	return nil
}

// writeMetrics renders the exposition for the HTTP_Listener's /metrics.
func (d *Daemon) writeMetrics(w io.Writer) error {
	mfs, err := d.reg.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}
