package spool

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// BenchmarkDurable measures durable messages per second with P producers
// sharing one Committer: group commit (all waiting messages share an
// fdatasync) against one fdatasync per message, in the same run.
//
//	go test -run=^$ -bench=Durable -benchtime=2000x ./spool
func BenchmarkDurable(b *testing.B) {
	data := make([]byte, 2048)
	for i := range data {
		data[i] = 'a' + byte(i%26)
	}
	env := &Envelope{Sender: "bench@example.com", Recipients: []string{"rcpt@example.org"},
		Protocol: "esmtp", Peer: "127.0.0.1:40000", Listener: "bench"}
	for _, p := range []int{1, 10, 50} {
		// the two modes side by side, so disk noise hits both alike
		for _, mode := range []struct {
			name     string
			maxBatch int
		}{{"group", 0}, {"fsync-each", 1}} {
			b.Run(fmt.Sprintf("producers=%d/%s", p, mode.name), func(b *testing.B) {
				s := openT(b, b.TempDir(), Options{Workers: 1})
				defer s.Close()
				c := s.NewCommitter(0, mode.maxBatch)
				b.SetBytes(int64(len(data)))
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for g := range p {
					n := b.N / p
					if g < b.N%p {
						n++
					}
					wg.Go(func() {
						for range n {
							if _, err := c.Submit(env, data); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				el := time.Since(start)
				b.StopTimer()
				c.Close()
				st := s.Stats()
				b.ReportMetric(float64(b.N)/el.Seconds(), "msgs/s")
				b.ReportMetric(float64(st.Records)/float64(max(st.Fsyncs, 1)), "msgs/fsync")
			})
		}
	}
}

// BenchmarkStage is the in-memory cost of encoding one record.
func BenchmarkStage(b *testing.B) {
	s := openT(b, b.TempDir(), Options{Workers: 1})
	defer s.Close()
	w := s.Writer(0)
	env, data := testEnv(3), make([]byte, 2048)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w.Stage(env, data)
		if w.Staged() == 256 {
			w.stage.buf, w.stage.recs = w.stage.buf[:0], w.stage.recs[:0]
		}
	}
}
