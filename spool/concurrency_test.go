package spool

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentWritersReaderAcker runs writers (each on its own Writer,
// one through a Committer), a reader and an acker at once. Run with -race.
func TestConcurrentWritersReaderAcker(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{Workers: 4, SegmentSize: 8 << 10})
	const perWriter = 300
	committed := make(chan ID, 4*perWriter)
	var wg sync.WaitGroup
	for wk := range 3 {
		wg.Go(func() {
			w := s.Writer(wk)
			for i := range perWriter {
				id, err := w.Stage(testEnv(i), testData(i))
				if err != nil {
					t.Error(err)
					return
				}
				if i%3 == 2 || i == perWriter-1 {
					// commit via Begin/End like the io_uring path, or Commit
					if wk == 0 {
						b := w.Begin()
						n, err := WriteBatch(b)
						if err := w.End(b, n, err); err != nil {
							t.Error(err)
							return
						}
					} else if err := w.Commit(); err != nil {
						t.Error(err)
						return
					}
				}
				_ = id
			}
		})
	}
	c := s.NewCommitter(3, 0)
	var cwg sync.WaitGroup
	for g := range 8 {
		cwg.Go(func() {
			for i := range perWriter / 8 {
				id, err := c.Submit(testEnv(g*100+i), testData(g*100+i))
				if err != nil {
					t.Error(err)
					return
				}
				committed <- id
			}
		})
	}
	var stop atomic.Bool
	var readerWG sync.WaitGroup
	readerWG.Go(func() { // reader: every record it sees is whole
		for !stop.Load() {
			err := s.Iter(func(r *Record) error {
				if len(r.Data) == 0 || len(r.Env.Recipients) == 0 {
					t.Errorf("bad record %v", r.ID)
				}
				return nil
			})
			if err != nil {
				t.Error(err)
				return
			}
		}
	})
	acked := 0
	readerWG.Go(func() { // acker: acks what the committer reported
		for id := range committed {
			if _, err := s.Read(id); err != nil {
				t.Errorf("committed %v not readable: %v", id, err)
			}
			if err := s.Ack(id); err != nil && !errors.Is(err, ErrNotFound) {
				t.Error(err)
			}
			acked++
		}
	})
	wg.Wait()
	cwg.Wait()
	c.Close()
	close(committed)
	stop.Store(true)
	readerWG.Wait()
	want := 3*perWriter + 8*(perWriter/8) - acked
	if s.Len() != want {
		t.Fatalf("Len %d, want %d", s.Len(), want)
	}
	st := s.Stats()
	s.Close()
	s = openT(t, dir, Options{Workers: 4})
	defer s.Close()
	if s.Len() != want || st.Records != uint64(3*perWriter+8*(perWriter/8)) {
		t.Fatalf("after reopen Len %d want %d; stats %+v", s.Len(), want, st)
	}
}
