package hist

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

func TestSmallValuesExact(t *testing.T) {
	for v := uint64(0); v < 300; v++ {
		lo, hi := bounds(index(v))
		if v < 128 && (lo != v || hi != v) {
			t.Fatalf("v=%d in [%d,%d], want exact", v, lo, hi)
		}
		if v < lo || v > hi {
			t.Fatalf("v=%d outside its bucket [%d,%d]", v, lo, hi)
		}
	}
}

func TestBucketsContiguous(t *testing.T) {
	prevHi := uint64(0)
	for i := 0; i < numBuckets; i++ {
		lo, hi := bounds(i)
		if i > 0 && lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		if index(lo) != i || index(hi) != i {
			t.Fatalf("bucket %d [%d,%d] maps back to %d/%d", i, lo, hi, index(lo), index(hi))
		}
		prevHi = hi
	}
	if prevHi != math.MaxUint64 {
		t.Fatalf("last bucket ends at %d, want MaxUint64", prevHi)
	}
}

func TestRelativeError(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := r.Uint64() >> r.IntN(64)
		lo, hi := bounds(index(v))
		if v < lo || v > hi {
			t.Fatalf("v=%d outside [%d,%d]", v, lo, hi)
		}
		if float64(hi-lo) > float64(lo)/64+1 {
			t.Fatalf("bucket [%d,%d] wider than 1/64 of its value", lo, hi)
		}
	}
}

func TestQuantilesAgainstSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var h Hist
	vals := make([]uint64, 0, 50000)
	for range 50000 {
		v := uint64(r.ExpFloat64() * 200000) // ~200 µs mean, long tail
		vals = append(vals, v)
		h.RecordValue(v)
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
		rank := int(math.Ceil(q*float64(len(vals)))) - 1
		want := vals[max(rank, 0)]
		got := h.ValueAt(q)
		if got < want || float64(got-want) > float64(want)/64+1 {
			t.Errorf("q=%v: got %d, exact %d (allowed +1/64)", q, got, want)
		}
	}
	if h.Min() != vals[0] || h.Max() != vals[len(vals)-1] || h.Count() != 50000 {
		t.Fatalf("min/max/count %d/%d/%d", h.Min(), h.Max(), h.Count())
	}
}

func TestMergeEqualsOneHist(t *testing.T) {
	var a, b, all Hist
	for i := uint64(1); i <= 10000; i++ {
		v := i * i
		all.RecordValue(v)
		if i%3 == 0 {
			a.RecordValue(v)
		} else {
			b.RecordValue(v)
		}
	}
	var m Hist
	m.Merge(&a)
	m.Merge(&Hist{}) // empty merge changes nothing
	m.Merge(&b)
	if m != all {
		t.Fatalf("merged summary %+v, want %+v", m.Summarize(), all.Summarize())
	}
}

func TestEmptyAndNegative(t *testing.T) {
	var h Hist
	if h.ValueAt(0.5) != 0 || h.Mean() != 0 || h.Summarize().Count != 0 {
		t.Fatal("empty histogram should report zeros")
	}
	h.Record(-time.Second)
	if h.Max() != 0 || h.Count() != 1 {
		t.Fatalf("negative duration recorded as %d", h.Max())
	}
}

func TestSummaryMicroseconds(t *testing.T) {
	var h Hist
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	s := h.Summarize()
	if s.P50Us < 500 || s.P50Us > 500*1.02 || s.MaxUs != 1000 || s.MinUs != 1 {
		t.Fatalf("summary %+v", s)
	}
	if s.P999Us < 999 || s.P999Us > 1000 {
		t.Fatalf("p99.9 %v", s.P999Us)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	h := new(Hist)
	if n := testing.AllocsPerRun(1000, func() { h.Record(123456) }); n != 0 {
		t.Fatalf("Record allocates %v times", n)
	}
}

func FuzzBucket(f *testing.F) {
	f.Add(uint64(0))
	f.Add(uint64(127))
	f.Add(uint64(128))
	f.Add(uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, v uint64) {
		i := index(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("index %d out of range", i)
		}
		lo, hi := bounds(i)
		if v < lo || v > hi {
			t.Fatalf("v=%d outside [%d,%d]", v, lo, hi)
		}
	})
}

func BenchmarkRecord(b *testing.B) {
	var h Hist
	for i := range b.N {
		h.RecordValue(uint64(i) * 7919)
	}
}
