// Package hist is a log-bucket latency histogram in the spirit of HDR
// Histogram: values below 128 are exact, larger values fall into 64 linear
// sub-buckets per power of two, so any recorded value is reported with a
// relative error below 1/64 (1.6%) over the whole uint64 range, in a fixed
// 30 KiB array and without allocation per Record.
//
// Concurrency: a Hist is not safe for concurrent use. Give each load
// generator goroutine its own and Merge them when the run ends.
package hist

import (
	"math"
	"math/bits"
	"time"
)

const (
	subBits    = 6
	subCount   = 1 << subBits // linear sub-buckets per power of two
	maxShift   = 64 - subBits - 1
	numBuckets = subCount*maxShift + 2*subCount
)

// Hist counts values (nanoseconds when used through Record).
type Hist struct {
	counts   [numBuckets]uint64
	n        uint64
	sum      float64
	min, max uint64
}

// index maps v to its bucket: 64*shift + (v >> shift), where shift keeps
// v >> shift within [64, 128) once v is 128 or more.
func index(v uint64) int {
	shift := bits.Len64(v) - (subBits + 1)
	if shift < 0 {
		shift = 0
	}
	return subCount*shift + int(v>>uint(shift))
}

// bounds returns the smallest and largest value that map to bucket i.
func bounds(i int) (lo, hi uint64) {
	if i < 2*subCount {
		return uint64(i), uint64(i)
	}
	shift := i/subCount - 1
	m := uint64(i - subCount*shift)
	lo = m << uint(shift)
	return lo, lo + (uint64(1) << uint(shift)) - 1
}

// Record adds one latency.
func (h *Hist) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.RecordValue(uint64(d))
}

// RecordValue adds one raw value.
func (h *Hist) RecordValue(v uint64) {
	h.counts[index(v)]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += float64(v)
}

// Merge adds every value recorded in o.
func (h *Hist) Merge(o *Hist) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of recorded values.
func (h *Hist) Count() uint64 { return h.n }

// Min and Max are exact.
func (h *Hist) Min() uint64 { return h.min }
func (h *Hist) Max() uint64 { return h.max }

// Mean is exact up to float rounding; 0 when empty.
func (h *Hist) Mean() float64 {
	if h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}

// ValueAt returns the value at quantile q (0..1): the upper bound of the
// bucket holding the ceil(q*n)-th smallest value, clamped to [Min, Max].
// 0 when empty.
func (h *Hist) ValueAt(q float64) uint64 {
	if h.n == 0 {
		return 0
	}
	q = math.Min(math.Max(q, 0), 1)
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bounds(i)
			return min(max(hi, h.min), h.max)
		}
	}
	return h.max
}

// Quantile is ValueAt as a duration.
func (h *Hist) Quantile(q float64) time.Duration { return time.Duration(h.ValueAt(q)) }
