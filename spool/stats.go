package spool

import (
	"sync/atomic"
	"time"
)

// LatencyBuckets are the upper bounds of the commit latency histogram
// (Begin to End); Stats.Latency has one more bucket, for larger values.
var LatencyBuckets = [...]time.Duration{
	50 * time.Microsecond, 100 * time.Microsecond, 250 * time.Microsecond,
	500 * time.Microsecond, time.Millisecond, 2500 * time.Microsecond,
	5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
}

// BatchBuckets are the upper bounds of the records-per-commit histogram;
// Stats.BatchSize has one more bucket, for larger batches.
var BatchBuckets = [...]int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}

// counters belong to one writer: written by its goroutine only, read by
// Stats at any time.
type counters struct {
	commits, records, bytes, fsyncs, errors atomic.Uint64
	latSum                                  atomic.Int64
	lat                                     [len(LatencyBuckets) + 1]atomic.Uint64
	batch                                   [len(BatchBuckets) + 1]atomic.Uint64
	_                                       [64]byte // keep writers off each other's cache lines
}

func (c *counters) commit(records, bytes int, lat time.Duration) {
	c.commits.Add(1)
	c.records.Add(uint64(records))
	c.bytes.Add(uint64(bytes))
	c.latSum.Add(int64(lat))
	i := 0
	for i < len(LatencyBuckets) && lat > LatencyBuckets[i] {
		i++
	}
	c.lat[i].Add(1)
	j := 0
	for j < len(BatchBuckets) && records > BatchBuckets[j] {
		j++
	}
	c.batch[j].Add(1)
}

// Stats are the spool's counters summed over all writers. Histogram
// buckets are counts per bucket, not cumulative.
type Stats struct {
	Commits    uint64 // successful group commits
	Records    uint64 // records made durable
	Bytes      uint64 // bytes made durable
	Fsyncs     uint64 // fdatasyncs attempted (one per non-empty batch)
	Errors     uint64 // failed batches (write, fsync or segment creation)
	LatencySum time.Duration
	Latency    [len(LatencyBuckets) + 1]uint64
	BatchSize  [len(BatchBuckets) + 1]uint64
	Live       int // records stored and not acknowledged
	Segments   int // segment files in use
}

// Stats reads every writer's counters. Safe at any time, lock-free for the
// writers.
func (s *Store) Stats() Stats {
	var st Stats
	for _, w := range s.writers {
		c := w.ctr
		st.Commits += c.commits.Load()
		st.Records += c.records.Load()
		st.Bytes += c.bytes.Load()
		st.Fsyncs += c.fsyncs.Load()
		st.Errors += c.errors.Load()
		st.LatencySum += time.Duration(c.latSum.Load())
		for i := range c.lat {
			st.Latency[i] += c.lat[i].Load()
		}
		for i := range c.batch {
			st.BatchSize[i] += c.batch[i].Load()
		}
	}
	s.mu.RLock()
	st.Live, st.Segments = len(s.index), len(s.segs)
	s.mu.RUnlock()
	return st
}

// limiter lets one log line through per second and counts the rest.
type limiter struct {
	last       time.Time
	suppressed int
}

func (l *limiter) allow(now time.Time) (bool, int) {
	if !l.last.IsZero() && now.Sub(l.last) < time.Second {
		l.suppressed++
		return false, 0
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	return true, n
}
