package spool

import (
	"errors"
	"sync"
	"testing"
)

func TestCommitterGroupsAndBaselineDoesNot(t *testing.T) {
	for _, maxBatch := range []int{0, 1} {
		s := openT(t, t.TempDir(), Options{Workers: 1})
		c := s.NewCommitter(0, maxBatch)
		var wg sync.WaitGroup
		for g := range 16 {
			wg.Go(func() {
				for i := range 20 {
					id, err := c.Submit(testEnv(i), testData(g))
					if err != nil {
						t.Error(err)
						return
					}
					r, err := s.Read(id)
					if err != nil || string(r.Data) != string(testData(g)) {
						t.Errorf("read back %v: %v", id, err)
					}
				}
			})
		}
		wg.Wait()
		c.Close()
		if _, err := c.Submit(testEnv(0), nil); !errors.Is(err, ErrClosed) {
			t.Fatalf("Submit after Close: %v", err)
		}
		st := s.Stats()
		if st.Records != 320 {
			t.Fatalf("maxBatch %d: %d records", maxBatch, st.Records)
		}
		if maxBatch == 1 && st.Fsyncs != 320 {
			t.Fatalf("baseline: %d fsyncs for 320 records", st.Fsyncs)
		}
		if maxBatch == 0 && st.Fsyncs >= 320 {
			t.Fatalf("group commit: %d fsyncs for 320 records", st.Fsyncs)
		}
		var sum uint64
		for _, n := range st.BatchSize {
			sum += n
		}
		if sum != st.Commits {
			t.Fatalf("batch histogram %v sums to %d, commits %d", st.BatchSize, sum, st.Commits)
		}
		s.Close()
	}
}

func TestStageDoesNotAllocate(t *testing.T) {
	s := openT(t, t.TempDir(), Options{Workers: 1})
	defer s.Close()
	w := s.Writer(0)
	env, data := testEnv(3), testData(3)
	for range 100 { // grow the buffers once
		w.Stage(env, data)
	}
	w.Commit()
	allocs := testing.AllocsPerRun(1000, func() {
		w.Stage(env, data)
		if w.Staged() == 100 { // drop them: only Stage is measured
			w.stage.buf, w.stage.recs = w.stage.buf[:0], w.stage.recs[:0]
		}
	})
	if allocs != 0 {
		t.Fatalf("Stage allocates %.2f per call", allocs)
	}
}
