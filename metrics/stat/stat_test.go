package stat

import (
	"math"
	"sync"
	"testing"
)

func TestHistogramBucketsAndScale(t *testing.T) {
	h := NewHistogram(2, []int64{10, 100}, 0.5)
	for _, v := range []int64{0, 10, 11, 100, 101, 5000} {
		h.Observe(3, v) // worker 3 wraps to shard 1
	}
	h.Observe(0, 50)
	s := h.Snapshot()
	if want := []float64{5, 50}; s.Bounds[0] != want[0] || s.Bounds[1] != want[1] {
		t.Fatalf("bounds %v, want %v", s.Bounds, want)
	}
	if want := [3]uint64{2, 3, 2}; [3]uint64(s.Counts) != want {
		t.Fatalf("counts %v, want %v (bounds are inclusive)", s.Counts, want)
	}
	if s.Count() != 7 || s.Sum != float64(0+10+11+100+101+5000+50)*0.5 {
		t.Fatalf("count %d sum %v", s.Count(), s.Sum)
	}
}

func TestHistogramUnsortedBoundsPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("descending bounds must panic")
		}
	}()
	NewHistogram(1, []int64{2, 1}, 1)
}

func TestClassOf(t *testing.T) {
	for code, want := range map[int]string{250: "2xx", 354: "3xx", 421: "4xx", 554: "5xx", 599: "5xx"} {
		if c, ok := ClassOf(code); !ok || c.String() != want {
			t.Errorf("ClassOf(%d) = %v %v, want %s", code, c, ok, want)
		}
	}
	for _, code := range []int{0, 199, 600, -1} {
		if _, ok := ClassOf(code); ok {
			t.Errorf("ClassOf(%d) must fail", code)
		}
	}
}

func TestProtoCountsAndConcurrentWriters(t *testing.T) {
	p := NewProto(2)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ { // more writers than shards: adds stay exact
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				p.Session(w)
				p.Received(w, 3, 2048)
				p.RejectRecipient(w, 550)
				p.RejectMessage(w, 451)
				p.RejectMessage(w, 999) // ignored
				p.Reply(w, Class2xx)
				p.Duration.Observe(w, 2e9)
			}
		}()
	}
	wg.Wait()
	s := p.Snapshot()
	if s.Sessions != 4000 || s.Messages != 4000 || s.Recipients != 12000 {
		t.Fatalf("sessions %d messages %d recipients %d", s.Sessions, s.Messages, s.Recipients)
	}
	if s.RecipientsRejected[Class5xx] != 4000 || s.MessagesRejected[Class4xx] != 4000 ||
		s.MessagesRejected[Class5xx] != 0 || s.Replies[Class2xx] != 4000 {
		t.Fatalf("rejects %+v %+v replies %+v", s.RecipientsRejected, s.MessagesRejected, s.Replies)
	}
	if s.Size.Count() != 4000 || s.Size.Sum != 4000*2048 || math.Abs(s.Duration.Sum-8000) > 1e-6 {
		t.Fatalf("size %+v duration sum %v", s.Size, s.Duration.Sum)
	}
}

func TestRecordingDoesNotAllocate(t *testing.T) {
	p := NewProto(4)
	h := NewHistogram(4, DurationBuckets, 1e-9)
	n := testing.AllocsPerRun(1000, func() {
		h.Observe(1, 123456)
		p.Session(2)
		p.Received(2, 5, 70000)
		p.RejectRecipient(2, 550)
		p.RejectMessage(2, 452)
		p.Reply(2, Class5xx)
		p.Duration.Observe(2, 1e9)
	})
	if n != 0 {
		t.Fatalf("recording allocates %.1f times per run", n)
	}
}

func BenchmarkObserve(b *testing.B) {
	h := NewHistogram(1, DurationBuckets, 1e-9)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Observe(0, int64(i)*1000)
	}
}
