package daemon

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/proto/control"
	"sluice/throttle"
)

// edgeCount is one (defence, decision) total.
type edgeCount struct {
	Defence  string `json:"defence"`
	Decision string `json:"decision"`
	N        uint64 `json:"n"`
}

// edgeCounts sums the edge decisions: the engine's per-Listen counters
// (PROXY, the banner hold, connection-limit refusals), the limit table and
// the DNS-list checker. Cheap enough for every scrape.
func (d *Daemon) edgeCounts() []edgeCount {
	var proxyOK, proxyBad, proxyLate, proxyMissing, pregreet, listed, allowed, passed, rate uint64
	if d.eng != nil {
		for _, wc := range d.eng.Counters() {
			for _, l := range wc.Listens {
				c := l.Counters
				proxyOK += c.ProxyOK.Load()
				proxyBad += c.ProxyBad.Load()
				proxyLate += c.ProxyLate.Load()
				proxyMissing += c.ProxyMissing.Load()
				pregreet += c.Pregreet.Load()
				listed += c.DNSBLListed.Load()
				allowed += c.DNSWLPassed.Load()
				passed += c.HoldPassed.Load()
				rate += c.RefusedRate.Load()
			}
		}
	}
	out := []edgeCount{
		{"proxy", "ok", proxyOK}, {"proxy", "malformed", proxyBad},
		{"proxy", "late", proxyLate}, {"proxy", "missing", proxyMissing},
		{"pregreet", "refused", pregreet}, {"hold", "passed", passed},
		{"dnsbl", "listed", listed}, {"dnsbl", "allowlisted", allowed},
		{"connection_limits", "refused_at_accept", rate},
	}
	t := d.edge.limits
	for k := throttle.Messages; k <= throttle.Concurrent; k++ {
		def := "throttle_" + k.String()
		out = append(out, edgeCount{def, "allowed", t.Allowed[k].Load()}, edgeCount{def, "refused", t.Refused[k].Load()})
	}
	out = append(out, edgeCount{"throttle", "untracked", t.Untracked.Load()})
	if c := d.edge.dnsbl; c != nil {
		out = append(out, edgeCount{"dnsbl", "queries", c.Queries.Load()}, edgeCount{"dnsbl", "cache_hits", c.CacheHits.Load()},
			edgeCount{"dnsbl", "fail_open_timeout", c.Timeouts.Load()}, edgeCount{"dnsbl", "fail_open_error", c.Errors.Load()})
	}
	return out
}

var (
	edgeDecisions = prometheus.NewDesc("sluice_edge_decisions_total",
		"Edge defence decisions (PROXY, pregreet, DNSBL, per-source limits) by defence and decision.",
		[]string{"defence", "decision"}, nil)
	edgeTracked = prometheus.NewDesc("sluice_edge_tracked",
		"Entries held by the edge's bounded tables: per-source limit counters and cached DNS-list answers.",
		[]string{"table"}, nil)
)

// edgeCollector exports edgeCounts and the table sizes.
type edgeCollector struct{ d *Daemon }

func (c edgeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- edgeDecisions; ch <- edgeTracked }

func (c edgeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, e := range c.d.edgeCounts() {
		ch <- prometheus.MustNewConstMetric(edgeDecisions, prometheus.CounterValue, float64(e.N), e.Defence, e.Decision)
	}
	ch <- prometheus.MustNewConstMetric(edgeTracked, prometheus.GaugeValue, float64(c.d.edge.limits.Len()), "throttle")
	if dc := c.d.edge.dnsbl; dc != nil {
		ch <- prometheus.MustNewConstMetric(edgeTracked, prometheus.GaugeValue, float64(dc.CacheLen()), "dnsbl_cache")
	}
}

// ShowThrottles answers "show throttles".
func (k console) ShowThrottles() control.Reply {
	t := k.d.edge.limits
	var b strings.Builder
	type row struct {
		Limit   string `json:"limit"`
		Scope   string `json:"scope"`
		Source  string `json:"source"`
		Count   int64  `json:"count"`
		Refused int64  `json:"refused"`
	}
	var rows []row
	for kd := throttle.Messages; kd <= throttle.Concurrent; kd++ {
		fmt.Fprintf(&b, "%-12s allowed %d refused %d\n", kd, t.Allowed[kd].Load(), t.Refused[kd].Load())
	}
	fmt.Fprintf(&b, "sources tracked %d, untracked (table full) %d\n", t.Len(), t.Untracked.Load())
	top := t.Top(20, time.Now())
	if len(top) > 0 {
		b.WriteString("top sources (refused first):\n")
	}
	for _, s := range top {
		scope := s.Key.Scope
		if scope == "" {
			scope = "global"
		}
		fmt.Fprintf(&b, "  %-15s %-11s count %d refused %d  [%s]\n", s.Key.Addr, s.Key.Kind, s.Count, s.Refused, scope)
		rows = append(rows, row{s.Key.Kind.String(), scope, s.Key.Addr.String(), s.Count, s.Refused})
	}
	return control.Reply{Text: b.String(), Data: map[string]any{"decisions": k.d.edgeCounts(), "top": rows}}
}

// ShowDNSBL answers "show dnsbl".
func (k console) ShowDNSBL() control.Reply {
	var b strings.Builder
	data := map[string]any{}
	dc := k.d.edge.dnsbl
	if dc == nil {
		b.WriteString("DNS lists off: no resolver (set DNS_Servers)\n")
	} else {
		fmt.Fprintf(&b, "lookups %d, cache hits %d, cached answers %d, timeouts %d, errors %d (both fail open)\n",
			dc.Queries.Load(), dc.CacheHits.Load(), dc.CacheLen(), dc.Timeouts.Load(), dc.Errors.Load())
		hits := dc.ZoneHits()
		for _, h := range hits {
			fmt.Fprintf(&b, "  %-30s listed %d\n", h.Zone, h.Hits)
		}
		data["zones"] = hits
	}
	for _, e := range k.d.edgeCounts() {
		switch e.Defence {
		case "dnsbl", "pregreet", "hold", "proxy":
			fmt.Fprintf(&b, "%s %s %d\n", e.Defence, e.Decision, e.N)
			data[e.Defence+"_"+e.Decision] = e.N
		}
	}
	return control.Reply{Text: b.String(), Data: data}
}
