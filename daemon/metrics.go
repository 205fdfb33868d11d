package daemon

import (
	"fmt"
	"io"

	"github.com/prometheus/common/expfmt"

	"sluice/metrics"
	"sluice/metrics/stat"
)

// protocols are the names the metrics use per listener type; their
// counters live as long as the daemon, across reloads.
var protocols = map[string]string{
	"esmtp_listener":    "esmtp",
	"http_listener":     "http",
	"ecstream_listener": "ecstream",
	"control_listener":  "control",
}

func (d *Daemon) initProtoStats(workers int) {
	d.protos = make(map[string]*stat.Proto, len(protocols))
	for _, name := range protocols {
		d.protos[name] = stat.NewProto(workers)
	}
}

// startMetrics serves /metrics on addr, apart from the ingress path.
func (d *Daemon) startMetrics(addr string) error {
	d.reg = metrics.New(d)
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
