package daemon

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/config"
	"sluice/filter/milter"
	"sluice/filter/policy"
	"sluice/proto/smtp"
)

// filterCollector exports the policy and milter clients' statistics, one
// series per filter (policy or milter) and service address
// (docs/filters.md).
type filterCollector struct{ fc *smtp.FilterClients }

var (
	fltLabels  = []string{"filter", "service"}
	fltCalls   = prometheus.NewDesc("sluice_filter_calls_total", "Lookups (policy) or messages (milter) sent to a filter.", fltLabels, nil)
	fltErrors  = prometheus.NewDesc("sluice_filter_errors_total", "Calls that failed and got the default action.", fltLabels, nil)
	fltOpen    = prometheus.NewDesc("sluice_filter_fail_open_total", "Failed calls whose default action let the mail through.", fltLabels, nil)
	fltLatency = prometheus.NewDesc("sluice_filter_latency_seconds", "Time per call, retries included.", fltLabels, nil)
	fltDecide  = prometheus.NewDesc("sluice_filter_decisions_total", "Calls by the decision applied.",
		[]string{"filter", "service", "decision"}, nil)
)

func (c filterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{fltCalls, fltErrors, fltOpen, fltLatency, fltDecide} {
		ch <- d
	}
}

// filterSums are one series' values; clients that differ only in their
// timeout or default action add up into the series of their address.
type filterSums struct {
	calls, errs, open, ns int64
	dec                   map[string]int64
}

func (c filterCollector) Collect(ch chan<- prometheus.Metric) {
	sums := map[[2]string]*filterSums{}
	get := func(kind, svc string) *filterSums {
		k := [2]string{kind, svc}
		if sums[k] == nil {
			sums[k] = &filterSums{dec: map[string]int64{}}
		}
		return sums[k]
	}
	for _, p := range c.fc.PolicyClients() {
		s, f := &p.Stats, get("policy", p.Service())
		f.add(s.Calls.Load(), s.Errors.Load(), s.FailOpen.Load(), s.LatencyNS.Load())
		for _, k := range policy.Kinds() {
			f.dec[k.String()] += s.Decisions[k].Load()
		}
	}
	for _, m := range c.fc.MilterClients() {
		s, f := &m.Stats, get("milter", m.Service())
		f.add(s.Calls.Load(), s.Errors.Load(), s.FailOpen.Load(), s.LatencyNS.Load())
		for i, name := range milter.KindNames() {
			f.dec[name] += s.Decisions[i].Load()
		}
	}
	for k, f := range sums {
		ch <- prometheus.MustNewConstMetric(fltCalls, prometheus.CounterValue, float64(f.calls), k[0], k[1])
		ch <- prometheus.MustNewConstMetric(fltErrors, prometheus.CounterValue, float64(f.errs), k[0], k[1])
		ch <- prometheus.MustNewConstMetric(fltOpen, prometheus.CounterValue, float64(f.open), k[0], k[1])
		ch <- prometheus.MustNewConstSummary(fltLatency, uint64(f.calls), time.Duration(f.ns).Seconds(), nil, k[0], k[1])
		for d, n := range f.dec {
			ch <- prometheus.MustNewConstMetric(fltDecide, prometheus.CounterValue, float64(n), k[0], k[1], d)
		}
	}
}

func (f *filterSums) add(calls, errs, open, ns int64) {
	f.calls += calls
	f.errs += errs
	f.open += open
	f.ns += ns
}

// checkFilters validates the filter options of an ESMTP Listen and of each
// Peer scope that applies to it, so a bad address fails the load.
func checkFilters(c *config.Config, l *config.Listen) error {
	if config.KindOf(l.Listener.Kind).Protocol != "esmtp" {
		return nil
	}
	if err := smtp.CheckFilters(c.ListenPolicy(l)); err != nil {
		return fmt.Errorf("daemon: %s %s: %w", l.Listener.Kind, l.Addr, err)
	}
	for _, ps := range [][]*config.Peer{l.Listener.Peers, l.Peers} {
		for _, p := range ps {
			if err := smtp.CheckFilters(c.Resolve(l, []*config.Peer{p})); err != nil {
				return fmt.Errorf("daemon: %s %s Peer %s: %w", l.Listener.Kind, l.Addr, p.Prefix, err)
			}
		}
	}
	return nil
}
