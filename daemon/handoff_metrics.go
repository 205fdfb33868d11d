package daemon

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	hoLabels   = []string{"target"}
	hoMessages = prometheus.NewDesc("sluice_handoff_messages_total",
		"Hand-off outcomes per recipient: delivered (the target took it), deferred (a temporary failure, retried), bounced (a permanent failure, DSN sent).",
		[]string{"target", "result"}, nil)
	hoDuration = prometheus.NewDesc("sluice_handoff_duration_seconds", "Time to hand one message to a target (per attempt).", hoLabels, nil)
	hoUp       = prometheus.NewDesc("sluice_handoff_target_up", "1 while a target is in rotation; 0 while its circuit is open (down) or it is paused.", hoLabels, nil)
	hoInFlight = prometheus.NewDesc("sluice_handoff_in_flight", "Messages being handed to a target now.", hoLabels, nil)
	hoDeferred = prometheus.NewDesc("sluice_handoff_deferred_messages", "Messages waiting for their retry time.", nil, nil)
	spBacklog  = prometheus.NewDesc("sluice_spool_backlog_messages", "Messages in the spool not yet handed off (acknowledged).", nil, nil)
	spBytes    = prometheus.NewDesc("sluice_spool_backlog_bytes", "Bytes of the spool records not yet handed off.", nil, nil)
	spOldest   = prometheus.NewDesc("sluice_spool_oldest_message_age_seconds", "Age of the oldest message in the spool; 0 when empty.", nil, nil)
	spPressure = prometheus.NewDesc("sluice_spool_back_pressure", "1 while the spool is above Spool_High_Water and new mail is refused with a temporary failure.", nil, nil)
)

// handoffCollector reads the dispatcher, the spool's backlog and the
// back-pressure flag at scrape time.
type handoffCollector struct{ d *Daemon }

func (c handoffCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{hoMessages, hoDuration, hoUp, hoInFlight, hoDeferred, spBacklog, spBytes, spOldest, spPressure} {
		ch <- d
	}
}

func (c handoffCollector) Collect(ch chan<- prometheus.Metric) {
	d := c.d
	if st := d.store; st != nil {
		b := st.Backlog()
		age := 0.0
		if !b.Oldest.IsZero() {
			age = time.Since(b.Oldest).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(spBacklog, prometheus.GaugeValue, float64(b.Messages))
		ch <- prometheus.MustNewConstMetric(spBytes, prometheus.GaugeValue, float64(b.Bytes))
		ch <- prometheus.MustNewConstMetric(spOldest, prometheus.GaugeValue, age)
	}
	bp := 0.0
	if d.BackPressure() {
		bp = 1
	}
	ch <- prometheus.MustNewConstMetric(spPressure, prometheus.GaugeValue, bp)
	disp := d.Handoff()
	if disp == nil {
		return
	}
	for _, t := range disp.Counters() {
		for _, r := range []struct {
			name string
			n    uint64
		}{{"delivered", t.Delivered}, {"deferred", t.Deferred}, {"bounced", t.Bounced}} {
			ch <- prometheus.MustNewConstMetric(hoMessages, prometheus.CounterValue, float64(r.n), t.Name, r.name)
		}
		buckets := make(map[float64]uint64, len(t.Duration.Bounds))
		var cum uint64
		for i, b := range t.Duration.Bounds {
			cum += t.Duration.Counts[i]
			buckets[b] = cum
		}
		ch <- prometheus.MustNewConstHistogram(hoDuration, t.Duration.Count(), t.Duration.Sum, buckets, t.Name)
	}
	s := disp.Status()
	for _, t := range s.Targets {
		up := 1.0
		if t.State != "up" {
			up = 0
		}
		ch <- prometheus.MustNewConstMetric(hoUp, prometheus.GaugeValue, up, t.Name)
		ch <- prometheus.MustNewConstMetric(hoInFlight, prometheus.GaugeValue, float64(t.InFlight), t.Name)
	}
	ch <- prometheus.MustNewConstMetric(hoDeferred, prometheus.GaugeValue, float64(s.Waiting))
}
