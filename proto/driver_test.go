package proto_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"sluice/proto"
)

// lines is a session that answers each full line "ok <line>", submits the
// line when it starts with "S", and consumes nothing of a partial line.
type lines struct {
	h      proto.Host
	resume []string
	maxIn  int // longest input one Feed saw
}

func (s *lines) Start(out []byte) ([]byte, proto.Action) {
	return append(out, "hi\n"...), proto.Continue
}
func (s *lines) Feed(in, out []byte) (int, []byte, proto.Action) {
	s.maxIn = max(s.maxIn, len(in))
	i := bytes.IndexByte(in, '\n')
	if i < 0 {
		return 0, out, proto.Continue
	}
	if in[0] == 'S' {
		s.h.Submit(&proto.Message{Data: append([]byte(nil), in[:i]...)})
		return i + 1, out, proto.Suspend
	}
	if in[0] == 'B' {
		return len(in) + 1, out, proto.Continue
	}
	return i + 1, append(append(out, "ok "...), in[:i+1]...), proto.Continue
}
func (s *lines) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	s.resume = append(s.resume, string(r.Msg.Data)+"="+r.ID)
	return append(out, "stored "+r.ID+"\n"...), proto.Continue
}
func (s *lines) Timeout() time.Duration   { return 0 }
func (s *lines) Closed(proto.CloseReason) {}

type host struct {
	d    *proto.Driver
	seqs []uint64
}

func (h *host) Submit(m *proto.Message)      { h.seqs = append(h.seqs, h.d.Push(m)) }
func (h *host) Go(fn func() (string, error)) { h.seqs = append(h.seqs, h.d.Push(nil)) }
func (h *host) Generation() uint64           { return 1 }
func (h *host) ShuttingDown() bool           { return false }
func (h *host) Now() time.Time               { return time.Time{} }

type runner struct {
	stop bool
	acts []proto.Action
}

func (r *runner) MayFeed() bool   { return !r.stop }
func (r *runner) InContent() bool { return false }
func (r *runner) Act(a proto.Action, _ proto.Step) bool {
	r.acts = append(r.acts, a)
	return a != proto.Close
}

func newDriver() (*proto.Driver, *lines, *host, *runner) {
	s, h, r := &lines{}, &host{}, &runner{}
	d := &proto.Driver{S: s, R: r}
	h.d, s.h = d, h
	d.Start()
	return d, s, h, r
}

// TestDriverResumesInCallOrder: input stops at a Submit, is kept, and
// resumes after the results, which are handed over in call order with the
// message each answers, whatever order they arrive in.
func TestDriverResumesInCallOrder(t *testing.T) {
	d, s, h, _ := newDriver()
	if err := d.Input([]byte("a\nS1\nS2\nb\npart"), 1<<20); err != nil {
		t.Fatal(err)
	}
	if string(d.Out) != "hi\nok a\n" || string(d.In) != "S2\nb\npart" || d.Pending() != 1 {
		t.Fatalf("out %q kept %q pending %d", d.Out, d.In, d.Pending())
	}
	d.Deliver(h.seqs[0], proto.Result{ID: "x"})
	if !d.ResumeDue() || d.FeedKept() != nil {
		t.Fatal("resume")
	}
	d.Deliver(h.seqs[1], proto.Result{ID: "y"})
	d.ResumeDue()
	d.FeedKept()
	if got := string(d.Out); got != "hi\nok a\nstored x\nstored y\nok b\n" {
		t.Fatalf("out %q", got)
	}
	if string(d.In) != "part" || len(s.resume) != 2 || s.resume[0] != "S1=x" || s.resume[1] != "S2=y" {
		t.Fatalf("kept %q resumed %q", d.In, s.resume)
	}
}

// TestDriverBounds: a session that leaves more than MaxUnconsumed while it
// may be fed, kept input past the caller's limit, and a bad count are
// errors; a runner that stops feeding makes input wait, kept.
func TestDriverBounds(t *testing.T) {
	d, _, _, _ := newDriver()
	if err := d.Input(bytes.Repeat([]byte("x"), proto.MaxUnconsumed+1), 1<<20); !errors.Is(err, proto.ErrOverflow) {
		t.Fatalf("unconsumed bound: %v", err)
	}
	d, _, _, r := newDriver()
	r.stop = true
	if err := d.Input([]byte("a\n"), 10); err != nil || string(d.In) != "a\n" {
		t.Fatalf("paused: %v %q", err, d.In)
	}
	if err := d.Input(make([]byte, 9), 10); !errors.Is(err, proto.ErrOverflow) {
		t.Fatalf("kept limit: %v", err)
	}
	d, _, _, _ = newDriver()
	if err := d.Input([]byte("B\n"), 10); !errors.Is(err, proto.ErrBadCount) {
		t.Fatalf("bad count: %v", err)
	}
}

// TestDriverFeedsInChunks: a large backlog goes in FeedChunk slices, so one
// Feed cannot make unbounded output; all of it is still consumed.
func TestDriverFeedsInChunks(t *testing.T) {
	d, s, _, r := newDriver()
	in := bytes.Repeat([]byte("abcdefg\n"), 3*proto.FeedChunk/8)
	if err := d.Input(in, 1<<20); err != nil || len(d.In) != 0 {
		t.Fatalf("%v, kept %d", err, len(d.In))
	}
	if want := 1 + 3*proto.FeedChunk/8; len(r.acts) != want || s.maxIn != proto.FeedChunk {
		t.Fatalf("%d session calls (want %d), longest input %d", len(r.acts), want, s.maxIn)
	}
}
