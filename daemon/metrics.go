package daemon

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// registry builds the Prometheus registry: sluice's collectors read the
// engine's and the spool's atomic counters at scrape time.
func (d *Daemon) registry() *prometheus.Registry {
	if d.reg == nil {
		d.reg = prometheus.NewRegistry()
		d.reg.MustRegister(collectors.NewGoCollector(),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return d.reg
}

// startMetrics serves /metrics on addr, apart from the ingress path.
func (d *Daemon) startMetrics(addr string) error {
	if addr == "" || addr == "off" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("daemon: Metrics_Listen %s: %w (choose another address with -metrics or Metrics_Listen)", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(d.registry(), promhttp.HandlerOpts{}))
	d.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	d.metAddr = ln.Addr()
	go d.metrics.Serve(ln)
	d.log.Info("metrics", "addr", ln.Addr().String())
	return nil
}

// writeMetrics renders the exposition for the HTTP_Listener's /metrics.
func (d *Daemon) writeMetrics(w io.Writer) error {
	mfs, err := d.registry().Gather()
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
