package daemon

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Cluster metrics (docs/cluster.md#metrics-and-alerts). Nothing is
// exported when the node is not in a cluster.
var (
	cluNodes = prometheus.NewDesc("sluice_cluster_nodes",
		"Cluster nodes this node has heard from since it started, by state (up, gone).", []string{"state"}, nil)
	cluRoutes = prometheus.NewDesc("sluice_cluster_routes",
		"Other NATS servers the embedded server has a route to (0 with Msgc_Server).", nil, nil)
	cluRoutesWant = prometheus.NewDesc("sluice_cluster_routes_expected",
		"Routes the embedded server should have: the other nodes ever heard from (0 with Msgc_Server).", nil, nil)
	cluConnected = prometheus.NewDesc("sluice_cluster_connected",
		"1 while this node's NATS connection is up.", nil, nil)
	cluHashes = prometheus.NewDesc("sluice_cluster_config_hashes",
		"Distinct shared-config hashes among the nodes that are up; more than 1 means the cluster config diverged.", nil, nil)
	cluRefused = prometheus.NewDesc("sluice_cluster_config_refused",
		"1 when this node refused the last pushed cluster config (it keeps its old generation).", nil, nil)
)

// clusterCollector reads the member table at scrape time.
type clusterCollector struct{ d *Daemon }

func (c clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{cluNodes, cluRoutes, cluRoutesWant, cluConnected, cluHashes, cluRefused} {
		ch <- d
	}
}

func (c clusterCollector) Collect(ch chan<- prometheus.Metric) {
	n := c.d.clu
	if n == nil {
		return
	}
	ms := n.Members()
	states := map[string]float64{"up": 0, "gone": 0}
	hashes := map[string]bool{}
	refused := 0.0
	for _, m := range ms {
		states[m.State]++
		if m.State == "up" {
			hashes[m.ConfigHash] = true
		}
		if m.Node == n.Name() && len(m.ConfigResult) >= 7 && m.ConfigResult[:7] == "refused" {
			refused = 1
		}
	}
	for s, v := range states {
		ch <- prometheus.MustNewConstMetric(cluNodes, prometheus.GaugeValue, v, s)
	}
	want := 0.0
	if n.Embedded() && len(ms) > 1 {
		want = float64(len(ms) - 1)
	}
	ch <- prometheus.MustNewConstMetric(cluRoutes, prometheus.GaugeValue, float64(n.Routes()))
	ch <- prometheus.MustNewConstMetric(cluRoutesWant, prometheus.GaugeValue, want)
	conn := 0.0
	if n.Connected() {
		conn = 1
	}
	ch <- prometheus.MustNewConstMetric(cluConnected, prometheus.GaugeValue, conn)
	ch <- prometheus.MustNewConstMetric(cluHashes, prometheus.GaugeValue, float64(len(hashes)))
	ch <- prometheus.MustNewConstMetric(cluRefused, prometheus.GaugeValue, refused)
}
