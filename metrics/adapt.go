package metrics

import (
	"sluice/engine"
	"sluice/metrics/stat"
	"sluice/spool"
)

// These adapters turn the engine's and the spool's counters into snapshot
// values, so a Source is a few lines of wiring. The engine and the spool
// must never import this package (they may import metrics/stat).

// ListenStats sums each Listen's per-worker counters and joins them with
// the Listen's state; Listens without counters (never bound) report zeros.
func ListenStats(ws []engine.WorkerCounters, ls []engine.ListenState) []ListenStat {
	out := make([]ListenStat, 0, len(ls))
	idx := make(map[string]int, len(ls))
	for _, l := range ls {
		idx[l.Key] = len(out)
		out = append(out, ListenStat{Listener: l.Listener, Listen: l.Address,
			Enabled: l.State != "disabled", Up: l.State == "bound"})
	}
	for _, w := range ws {
		for _, lc := range w.Listens {
			i, ok := idx[lc.Key]
			if !ok {
				continue // removed between the two engine calls
			}
			c, s := lc.Counters, &out[i]
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
	}
	for i := range out {
		if out[i].Active < 0 { // a racing close seen before its accept
			out[i].Active = 0
		}
	}
	return out
}

// LoopStats is each worker's loop counters.
func LoopStats(ws []engine.WorkerCounters) []LoopStat {
	out := make([]LoopStat, len(ws))
	for i, w := range ws {
		c := w.Loop
		out[i] = LoopStat{Worker: w.Worker, Turns: c.LoopTurns.Load(), SQEs: c.SQEs.Load(),
			Enters: c.Enters.Load(), CQOverflow: c.CQOverflow.Load(), EpollWaits: c.EpollWaits.Load()}
	}
	return out
}

// SpoolStatOf converts spool.Stats (durations to seconds).
func SpoolStatOf(s spool.Stats) SpoolStat {
	lat := stat.HistogramSnapshot{Counts: s.Latency[:], Sum: s.LatencySum.Seconds()}
	for _, b := range spool.LatencyBuckets {
		lat.Bounds = append(lat.Bounds, b.Seconds())
	}
	batch := stat.HistogramSnapshot{Counts: s.BatchSize[:], Sum: float64(s.Records)}
	for _, b := range spool.BatchBuckets {
		batch.Bounds = append(batch.Bounds, float64(b))
	}
	return SpoolStat{Commits: s.Commits, Records: s.Records, Bytes: s.Bytes, Fsyncs: s.Fsyncs,
		Errors: s.Errors, CommitLatency: lat, BatchSize: batch, Live: s.Live, Segments: s.Segments}
}

// ProtocolStatOf names a protocol's counters.
func ProtocolStatOf(name string, p *stat.Proto) ProtocolStat {
	return ProtocolStat{Protocol: name, ProtoSnapshot: p.Snapshot()}
}
