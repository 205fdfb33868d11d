package daemon

import (
	"sluice/config"
	"sluice/engine"
	"sluice/metrics"
	"sluice/metrics/stat"
	"sluice/spool"
)

// The composition root reads the engine's and the spool's counters once,
// here, for both consumers: the /metrics snapshot (metrics.Source) and the
// Momentum summary totals. metrics stays a leaf: it knows its snapshot
// types, never the engine or the spool.

// Snapshot implements metrics.Source: plain values read from the engine's,
// the spool's and the protocols' atomic counters at scrape time.
func (d *Daemon) Snapshot() metrics.Snapshot {
	ws := d.eng.Counters()
	name, reason := d.eng.Backend()
	s := metrics.Snapshot{
		Backend: metrics.BackendInfo{Name: name, Reason: reason},
		Config: metrics.ConfigStat{Generation: d.cfg.Load().Generation,
			ReloadOK: d.reloadOK.Load(), ReloadFailed: d.reloadFailed.Load(),
			LastReloadGood: !d.lastReloadBad.Load()},
		Listens: listenStats(ws, d.eng.Listeners()),
		Workers: loopStats(ws),
		Spool:   spoolStat(d.store.Stats()),
	}
	for _, k := range config.Kinds {
		if p := d.protos[k.Protocol]; p != nil {
			s.Protocols = append(s.Protocols, metrics.ProtocolStatOf(k.Protocol, p))
		}
	}
	return s
}

// totals sums the engine's per-worker counters over every Listen (those
// removed by a reload included: the summary subtracts a baseline, so its
// totals must never shrink).
func (d *Daemon) totals() totals {
	var all metrics.ListenStat
	var t totals
	for _, w := range d.eng.Counters() {
		t.Received += w.Loop.SpoolMsgs.Load()
		t.SpoolErrors += w.Loop.SpoolErrs.Load()
		for _, l := range w.Listens {
			addListen(&all, l.Counters)
		}
	}
	t.Accepted = all.Accepted
	t.Refused = all.RefusedACL + all.RefusedCap + all.RefusedShutdown
	t.Active = uint64(max(all.Active, 0)) // a racing close seen before its accept
	t.BytesIn, t.BytesOut = all.BytesIn, all.BytesOut
	return t
}

// addListen adds one worker's counters of a Listen to s.
func addListen(s *metrics.ListenStat, c *engine.ListenCounters) {
	s.Accepted += c.Accepted.Load()
	s.RefusedACL += c.RefusedACL.Load()
	s.RefusedCap += c.RefusedCap.Load()
	s.RefusedShutdown += c.RefusedDown.Load()
	s.Active += c.Active.Load()
	s.ClosedClient += c.ClosedClient.Load()
	s.ClosedIdle += c.ClosedIdle.Load()
	s.ClosedError += c.ClosedError.Load()
	s.ClosedProtocol += c.ClosedProto.Load()
	s.ClosedShutdown += c.ClosedDown.Load()
	s.BytesIn += c.BytesIn.Load()
	s.BytesOut += c.BytesOut.Load()
}

// listenStats sums each Listen's per-worker counters and joins them with
// the Listen's state; Listens without counters (never bound) report zeros.
func listenStats(ws []engine.WorkerCounters, ls []engine.ListenState) []metrics.ListenStat {
	out := make([]metrics.ListenStat, 0, len(ls))
	idx := make(map[string]int, len(ls))
	for _, l := range ls {
		idx[l.Key] = len(out)
		out = append(out, metrics.ListenStat{Listener: l.Listener, Listen: l.Address,
			Enabled: l.State != "disabled", Up: l.State == "bound"})
	}
	for _, w := range ws {
		for _, lc := range w.Listens {
			if i, ok := idx[lc.Key]; ok { // else removed between the two engine calls
				addListen(&out[i], lc.Counters)
			}
		}
	}
	for i := range out {
		out[i].Active = max(out[i].Active, 0) // a racing close seen before its accept
	}
	return out
}

// loopStats is each worker's loop counters.
func loopStats(ws []engine.WorkerCounters) []metrics.LoopStat {
	out := make([]metrics.LoopStat, len(ws))
	for i, w := range ws {
		c := w.Loop
		out[i] = metrics.LoopStat{Worker: w.Worker, Turns: c.LoopTurns.Load(), SQEs: c.SQEs.Load(),
			Enters: c.Enters.Load(), CQOverflow: c.CQOverflow.Load(), EpollWaits: c.EpollWaits.Load()}
	}
	return out
}

// spoolStat converts spool.Stats (durations to seconds).
func spoolStat(s spool.Stats) metrics.SpoolStat {
	lat := stat.HistogramSnapshot{Counts: s.Latency[:], Sum: s.LatencySum.Seconds()}
	for _, b := range spool.LatencyBuckets {
		lat.Bounds = append(lat.Bounds, b.Seconds())
	}
	batch := stat.HistogramSnapshot{Counts: s.BatchSize[:], Sum: float64(s.Records)}
	for _, b := range spool.BatchBuckets {
		batch.Bounds = append(batch.Bounds, float64(b))
	}
	return metrics.SpoolStat{Commits: s.Commits, Records: s.Records, Bytes: s.Bytes, Fsyncs: s.Fsyncs,
		Errors: s.Errors, CommitLatency: lat, BatchSize: batch, Live: s.Live, Segments: s.Segments}
}
