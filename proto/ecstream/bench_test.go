package ecstream

import (
	"testing"
	"time"

	"sluice/proto"
	"sluice/proto/prototest"
)

// nullHost is an allocation-free proto.Host: it only counts submissions.
type nullHost struct{ n int }

func (h *nullHost) Submit(*proto.Message)        { h.n++ }
func (h *nullHost) Generation() uint64           { return 1 }
func (h *nullHost) ShuttingDown() bool           { return false }
func (h *nullHost) Now() time.Time               { return time.Time{} }
func (h *nullHost) Go(fn func() (string, error)) { panic("ecstream: Go not used") }
func (h *nullHost) take() (n int)                { n, h.n = h.n, 0; return n }

// batchRig is a session after Hello, fed one prepared Batch frame per run.
type batchRig struct {
	s   proto.Session
	h   *nullHost
	in  []byte
	out []byte
}

func newRig(tb testing.TB, msgs []tmsg) *batchRig {
	h := &nullHost{}
	c := prototest.Conn("ECStream_Listener", "127.0.0.1:1825", "192.0.2.7:1", policy())
	r := &batchRig{s: NewFactory(FactoryOptions{}).NewSession(c, h), h: h,
		in: batch(1, msgs...), out: make([]byte, 0, 64<<10)}
	r.s.Start(nil)
	if n, _, a := r.s.Feed(hello(), nil); n != len(hello()) || a != proto.Continue {
		tb.Fatalf("hello: %d %v", n, a)
	}
	return r
}

// run feeds the batch in 16 KiB reads (as the engine's buffer ring would),
// resumes every submission and checks the reply was written.
func (r *batchRig) run(tb testing.TB) {
	in, out := r.in, r.out[:0]
	var a proto.Action
	for len(in) > 0 {
		var n int
		n, out, a = r.s.Feed(in[:min(len(in), 16<<10)], out)
		in = in[n:]
	}
	if a != proto.Suspend {
		tb.Fatalf("batch did not suspend: %v", a)
	}
	for i, n := 0, r.h.take(); i < n; i++ {
		out, a = r.s.Resume(proto.Result{ID: "0123456789ABCDEF"}, out)
	}
	if a != proto.Continue || len(out) == 0 {
		tb.Fatalf("no reply: %v", a)
	}
	r.out = out
}

// Decoding and submitting a batch allocates at most once (the envelope
// string shared by the whole batch), i.e. no allocation per message.
func TestBatchAllocations(t *testing.T) {
	r := newRig(t, genMsgs(100, 1024))
	r.run(t) // grow the session's buffers
	if a := testing.AllocsPerRun(50, func() { r.run(t) }); a > 1 {
		t.Fatalf("%.1f allocations per 100-message batch, want <= 1", a)
	}
}

// BenchmarkBatch100x1KiB: decode + submit + resume + reply for batches of
// 100 messages of 1 KiB through the state machine; ns/msg is per message.
func BenchmarkBatch100x1KiB(b *testing.B) {
	r := newRig(b, genMsgs(100, 1024))
	b.SetBytes(int64(len(r.in)))
	b.ReportAllocs()
	for b.Loop() {
		r.run(b)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/msg")
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "msgs/s")
}
