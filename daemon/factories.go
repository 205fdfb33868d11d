package daemon

import (
	"os"

	"sluice/config"
	"sluice/metrics"
	"sluice/proto"
	"sluice/proto/ecstream"
	httpproto "sluice/proto/http"
	"sluice/proto/smtp"
)

// factories builds the protocol factories of one generation, keyed by
// protocol name (config.Kinds). ECCluster_Listener and msgcserver_listener
// have none yet: their configuration is accepted and validated, not served.
func (d *Daemon) factories(c *config.Config) map[string]proto.Factory {
	g := c.Global()
	host := g.String("hostname")
	if host == "" {
		host, _ = os.Hostname()
	}
	raw := map[string]proto.Factory{
		"esmtp": smtp.NewFactory(smtp.FactoryOptions{
			Hostname: host, Logger: d.log, RelayDomains: g.List("relay_domains"), Messages: clusterMessages{d.edge.messages(), d}, Filters: &d.flt, Pressure: d.pressure()}),
		"ecstream": ecstream.NewFactory(ecstream.FactoryOptions{Logger: d.log, Messages: d.edge.messages(), Pressure: d.pressure()}),
		"http": httpproto.NewFactory(httpproto.FactoryOptions{
			Hostname: host, Logger: d.log,
			Summary:      d.summaryJSON,
			ResetSummary: d.resetSummary,
			Ready:        d.ready,
			Metrics:      d.writeMetrics,
			Templates:    d.templateStore(),
			Messages:     clusterMessages{d.edge.messages(), d},
			Pressure:     d.pressure(),
			Cluster:      d.clusterJSON,
		}),
		"control": d.controlFactory(c),
	}
	// Every factory counts into its protocol's statistics and writes the
	// reception and reject logs; SMTP replies are counted by class.
	out := make(map[string]proto.Factory, len(raw))
	for name, f := range raw {
		o := metrics.Options{Log: d.log}
		if name == "esmtp" {
			o.Replies = metrics.LineReplies
		}
		out[name] = metrics.Instrument(f, d.protos[name], o)
	}
	return out
}
