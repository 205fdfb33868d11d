package stat

import (
	"sort"
	"sync/atomic"
)

// Histogram is a fixed-bucket histogram sharded per worker. Values are
// recorded as integers in a unit chosen by the caller (nanoseconds, bytes,
// records) and converted to base units by Scale at snapshot time, so
// recording is two atomic adds and a short bucket search.
type Histogram struct {
	bounds []int64 // inclusive upper bounds, ascending, in recording units
	scale  float64 // multiply a recorded value by scale to get base units
	shards []*histShard
}

type histShard struct {
	sum    atomic.Int64
	counts []atomic.Uint64 // len(bounds)+1: the last is +Inf
	_      [48]byte        // keep neighbours off this cache line
}

// NewHistogram returns a histogram with one shard per worker (at least one).
// bounds must be ascending; scale converts recorded units to base units
// (1e-9 for nanoseconds to seconds, 1 for bytes).
func NewHistogram(workers int, bounds []int64, scale float64) *Histogram {
	if workers < 1 {
		workers = 1
	}
	if !sort.SliceIsSorted(bounds, func(i, j int) bool { return bounds[i] < bounds[j] }) {
		panic("stat: histogram bounds must be ascending")
	}
	h := &Histogram{bounds: append([]int64(nil), bounds...), scale: scale}
	for i := 0; i < workers; i++ {
		h.shards = append(h.shards, &histShard{counts: make([]atomic.Uint64, len(bounds)+1)})
	}
	return h
}

// Observe records v on worker's shard. A worker beyond the shard count
// wraps around (still correct, only shares a cache line).
func (h *Histogram) Observe(worker int, v int64) {
	s := h.shards[uint(worker)%uint(len(h.shards))]
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] {
		i++
	}
	s.counts[i].Add(1)
	s.sum.Add(v)
}

// HistogramSnapshot is a histogram summed over workers, in base units.
type HistogramSnapshot struct {
	Bounds []float64 // upper bounds in base units, ascending
	Counts []uint64  // per bucket, NOT cumulative; len(Bounds)+1, last is +Inf
	Sum    float64
}

// Count is the number of observations.
func (s HistogramSnapshot) Count() uint64 {
	var n uint64
	for _, c := range s.Counts {
		n += c
	}
	return n
}

// Snapshot sums the shards.
func (h *Histogram) Snapshot() HistogramSnapshot {
	s := HistogramSnapshot{Bounds: make([]float64, len(h.bounds)), Counts: make([]uint64, len(h.bounds)+1)}
	for i, b := range h.bounds {
		s.Bounds[i] = float64(b) * h.scale
	}
	var sum int64
	for _, sh := range h.shards {
		sum += sh.sum.Load()
		for i := range sh.counts {
			s.Counts[i] += sh.counts[i].Load()
		}
	}
	s.Sum = float64(sum) * h.scale
	return s
}

// DurationBuckets are the default bounds for durations in nanoseconds:
// 1 ms to 10 min, roughly x2.5 apart (sessions, commands).
var DurationBuckets = []int64{
	1e6, 2.5e6, 5e6, 10e6, 25e6, 50e6, 100e6, 250e6, 500e6,
	1e9, 2.5e9, 5e9, 10e9, 30e9, 60e9, 120e9, 300e9, 600e9,
}

// SizeBuckets are the default bounds for message sizes in bytes: 1 KiB to
// 64 MiB, x4 apart.
var SizeBuckets = []int64{1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20}
