package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/metrics/stat"
)

// collector turns one Source snapshot into const metrics per scrape. It
// holds no counter of its own: the hot path never touches it.
type collector struct {
	src Source
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("sluice_"+name, help, labels, nil)
}

var (
	lbl      = []string{"listener", "listen"}
	lblWhy   = []string{"listener", "listen", "reason"}
	dBackend = desc("backend_info", "Event-loop back end in use and why it was chosen (always 1).", "backend", "reason")
	dGen     = desc("config_generation", "Configuration generation now serving.")
	dRelOK   = desc("config_reload_successes_total", "Configuration reloads applied.")
	dRelFail = desc("config_reload_failures_total", "Configuration reloads refused; the old generation kept serving.")
	dRelLast = desc("config_last_reload_successful", "1 if the last reload attempt succeeded (or none was made).")

	dUp       = desc("listen_up", "1 if the Listen is enabled and bound.", lbl...)
	dEnabled  = desc("listen_enabled", "1 if the Listen is enabled in the configuration.", lbl...)
	dAccepted = desc("listen_connections_accepted_total", "Connections accepted.", lbl...)
	dRefused  = desc("listen_connections_refused_total", "Connections refused at accept, by reason (acl, session_cap, shutdown).", lblWhy...)
	dActive   = desc("listen_connections_active", "Connections open now.", lbl...)
	dClosed   = desc("listen_connections_closed_total", "Connections closed, by reason (client, idle, error, protocol, shutdown).", lblWhy...)
	dBytesIn  = desc("listen_received_bytes_total", "Bytes read from clients.", lbl...)
	dBytesOut = desc("listen_sent_bytes_total", "Bytes written to clients.", lbl...)

	dSessions = desc("protocol_sessions_total", "Protocol sessions started.", "protocol")
	dMsgs     = desc("protocol_messages_received_total", "Messages received and made durable.", "protocol")
	dRcpts    = desc("protocol_recipients_received_total", "Recipients of the messages received.", "protocol")
	dMsgRej   = desc("protocol_messages_rejected_total", "Messages rejected, by reply class (4xx, 5xx).", "protocol", "class")
	dRcptRej  = desc("protocol_recipients_rejected_total", "Recipients rejected, by reply class (4xx, 5xx).", "protocol", "class")
	dReplies  = desc("protocol_replies_total", "Final replies sent, by reply class.", "protocol", "class")
	dDuration = desc("protocol_session_duration_seconds", "Session duration, accept to close.", "protocol")
	dSize     = desc("protocol_message_size_bytes", "Size of received messages.", "protocol")

	dTurns    = desc("loop_turns_total", "Event-loop turns.", "worker")
	dSQEs     = desc("ring_sqes_submitted_total", "io_uring SQEs submitted.", "worker")
	dEnters   = desc("ring_enter_calls_total", "io_uring_enter system calls.", "worker")
	dOverflow = desc("ring_cq_overflows_total", "io_uring completion-queue overflows reported by the kernel.", "worker")
	dEpoll    = desc("epoll_waits_total", "epoll_wait system calls.", "worker")

	dCommits  = desc("spool_commits_total", "Successful group commits.")
	dRecords  = desc("spool_records_total", "Records made durable.")
	dSpBytes  = desc("spool_written_bytes_total", "Bytes made durable.")
	dFsyncs   = desc("spool_fsyncs_total", "fdatasync calls attempted.")
	dSpErrs   = desc("spool_errors_total", "Failed group commits (write, fsync or segment creation).")
	dLatency  = desc("spool_commit_duration_seconds", "Group-commit latency, write to fsync done.")
	dBatch    = desc("spool_commit_batch_records", "Records per group commit.")
	dLive     = desc("spool_live_records", "Records stored and not yet acknowledged downstream.")
	dSegments = desc("spool_segments", "Spool segment files in use.")
)

var allDescs = []*prometheus.Desc{dBackend, dGen, dRelOK, dRelFail, dRelLast,
	dUp, dEnabled, dAccepted, dRefused, dActive, dClosed, dBytesIn, dBytesOut,
	dSessions, dMsgs, dRcpts, dMsgRej, dRcptRej, dReplies, dDuration, dSize,
	dTurns, dSQEs, dEnters, dOverflow, dEpoll,
	dCommits, dRecords, dSpBytes, dFsyncs, dSpErrs, dLatency, dBatch, dLive, dSegments}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Snapshot()
	e := emitter{ch}
	e.gauge(dBackend, 1, s.Backend.Name, s.Backend.Reason)
	e.gauge(dGen, float64(s.Config.Generation))
	e.counter(dRelOK, s.Config.ReloadOK)
	e.counter(dRelFail, s.Config.ReloadFailed)
	e.gauge(dRelLast, b2f(s.Config.LastReloadGood))
	for _, l := range s.Listens {
		e.listen(l)
	}
	for _, p := range s.Protocols {
		e.protocol(p)
	}
	for _, w := range s.Workers {
		id := strconv.Itoa(w.Worker)
		e.counter(dTurns, w.Turns, id)
		e.counter(dSQEs, w.SQEs, id)
		e.counter(dEnters, w.Enters, id)
		e.counter(dOverflow, w.CQOverflow, id)
		e.counter(dEpoll, w.EpollWaits, id)
	}
	sp := s.Spool
	e.counter(dCommits, sp.Commits)
	e.counter(dRecords, sp.Records)
	e.counter(dSpBytes, sp.Bytes)
	e.counter(dFsyncs, sp.Fsyncs)
	e.counter(dSpErrs, sp.Errors)
	e.histogram(dLatency, sp.CommitLatency)
	e.histogram(dBatch, sp.BatchSize)
	e.gauge(dLive, float64(sp.Live))
	e.gauge(dSegments, float64(sp.Segments))
}

type emitter struct{ ch chan<- prometheus.Metric }

func (e emitter) counter(d *prometheus.Desc, v uint64, lv ...string) {
	e.ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), lv...)
}

func (e emitter) gauge(d *prometheus.Desc, v float64, lv ...string) {
	e.ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
}

// histogram converts per-bucket counts to Prometheus' cumulative buckets.
func (e emitter) histogram(d *prometheus.Desc, h stat.HistogramSnapshot, lv ...string) {
	buckets := make(map[float64]uint64, len(h.Bounds))
	var cum uint64
	for i, b := range h.Bounds {
		if i < len(h.Counts) {
			cum += h.Counts[i]
		}
		buckets[b] = cum
	}
	e.ch <- prometheus.MustNewConstHistogram(d, h.Count(), h.Sum, buckets, lv...)
}

func (e emitter) listen(l ListenStat) {
	k := []string{l.Listener, l.Listen}
	e.gauge(dUp, b2f(l.Up), k...)
	e.gauge(dEnabled, b2f(l.Enabled), k...)
	e.counter(dAccepted, l.Accepted, k...)
	e.counter(dRefused, l.RefusedACL, l.Listener, l.Listen, "acl")
	e.counter(dRefused, l.RefusedCap, l.Listener, l.Listen, "session_cap")
	e.counter(dRefused, l.RefusedShutdown, l.Listener, l.Listen, "shutdown")
	e.gauge(dActive, float64(l.Active), k...)
	for _, r := range [...]struct {
		why string
		n   uint64
	}{{"client", l.ClosedClient}, {"idle", l.ClosedIdle}, {"error", l.ClosedError},
		{"protocol", l.ClosedProtocol}, {"shutdown", l.ClosedShutdown}} {
		e.counter(dClosed, r.n, l.Listener, l.Listen, r.why)
	}
	e.counter(dBytesIn, l.BytesIn, k...)
	e.counter(dBytesOut, l.BytesOut, k...)
}

func (e emitter) protocol(p ProtocolStat) {
	name := p.Protocol
	e.counter(dSessions, p.Sessions, name)
	e.counter(dMsgs, p.Messages, name)
	e.counter(dRcpts, p.Recipients, name)
	for _, c := range []stat.Class{stat.Class4xx, stat.Class5xx} {
		e.counter(dMsgRej, p.MessagesRejected[c], name, c.String())
		e.counter(dRcptRej, p.RecipientsRejected[c], name, c.String())
	}
	for c := range stat.NumClasses {
		e.counter(dReplies, p.Replies[c], name, c.String())
	}
	e.histogram(dDuration, p.Duration, name)
	e.histogram(dSize, p.Size, name)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
