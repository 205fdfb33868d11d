package metrics

import (
	"errors"
	"testing"
	"time"

	"sluice/metrics/stat"
	"sluice/proto"
)

// script is a fake protocol: Feed runs the next step, which may write
// replies, submit messages and report rejections through its Host.
type script struct {
	h     proto.Host
	steps []func(s *script, out []byte) ([]byte, proto.Action)
	i     int
	why   proto.CloseReason
}

type scriptFactory struct{ last *script }

func (f *scriptFactory) NewSession(c *proto.ConnInfo, h proto.Host) proto.Session {
	f.last = &script{h: h}
	return f.last
}

func (f *scriptFactory) Refuse(c *proto.ConnInfo, why proto.RefuseReason, out []byte) []byte {
	return append(out, "421 busy\r\n"...)
}

func (s *script) Start(out []byte) ([]byte, proto.Action) {
	return append(out, "220-hello\r\n220 ready\r\n"...), proto.Continue
}

func (s *script) Feed(in, out []byte) (int, []byte, proto.Action) {
	out, a := s.steps[s.i](s, out)
	s.i++
	return len(in), out, a
}

func (s *script) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	if r.Err != nil {
		return append(out, "451 try later\r\n"...), proto.Continue
	}
	return append(out, "250 ok\r\n"...), proto.Continue
}

func (s *script) Timeout() time.Duration       { return 0 }
func (s *script) Closed(why proto.CloseReason) { s.why = why }

// fakeHost answers nothing itself; with a driver it notes what is owed
// there, as the engine does, and the test delivers the results.
type fakeHost struct {
	now       time.Time
	submitted []*proto.Message
	gos       int
	d         *proto.Driver
	seqs      []uint64
}

func (h *fakeHost) Submit(m *proto.Message) {
	h.submitted = append(h.submitted, m)
	if h.d != nil {
		h.seqs = append(h.seqs, h.d.Push(m))
	}
}

func (h *fakeHost) Go(fn func() (string, error)) {
	h.gos++
	if h.d != nil {
		h.seqs = append(h.seqs, h.d.Push(nil))
	}
}

// anyRunner lets the driver feed at any time.
type anyRunner struct{}

func (anyRunner) MayFeed() bool                     { return true }
func (anyRunner) InContent() bool                   { return false }
func (anyRunner) Act(proto.Action, proto.Step) bool { return true }
func (h *fakeHost) Generation() uint64              { return 1 }
func (h *fakeHost) ShuttingDown() bool              { return false }
func (h *fakeHost) Now() time.Time                  { return h.now }

type rejecter interface {
	RejectRecipient(code int)
	RejectMessage(code int)
}

func TestInstrumentCountsAConversation(t *testing.T) {
	p := stat.NewProto(2)
	sf := &scriptFactory{}
	f := Instrument(sf, p, Options{Replies: LineReplies})
	t0 := time.Unix(1000, 0)
	h := &fakeHost{now: t0}
	sess := f.NewSession(&proto.ConnInfo{Worker: 1, Accepted: t0}, h)
	msg := &proto.Message{Recipients: []string{"a@x", "b@x"}, Data: make([]byte, 5000)}
	sf.last.steps = []func(*script, []byte) ([]byte, proto.Action){
		func(s *script, out []byte) ([]byte, proto.Action) { // RCPT refused, reported by the protocol
			s.h.(rejecter).RejectRecipient(550)
			return append(out, "250 ok\r\n550 5.1.1 no such user\r\n"...), proto.Continue
		},
		func(s *script, out []byte) ([]byte, proto.Action) { // two messages pipelined, then a Go
			s.h.Submit(msg)
			s.h.Submit(msg)
			s.h.Go(func() (string, error) { return "", nil })
			return out, proto.Suspend
		},
	}
	d := &proto.Driver{S: sess, R: anyRunner{}}
	h.d = d
	d.Start()
	for _, in := range []string{"x", "y"} {
		if err := d.Input([]byte(in), proto.MaxUnconsumed); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.seqs) != 3 {
		t.Fatalf("%d results owed", len(h.seqs))
	}
	// Delivered out of order: the driver resumes in call order, and tells
	// the wrapper which message each result answers.
	d.Deliver(h.seqs[2], proto.Result{Text: "done"}) // the Go: counts nothing
	d.Deliver(h.seqs[1], proto.Result{Err: errors.New("disk full")})
	d.Deliver(h.seqs[0], proto.Result{ID: "1"})
	d.ResumeDue()
	out := d.Out
	h.now = t0.Add(3 * time.Second)
	sess.Closed(proto.CloseClient)
	if len(h.submitted) != 2 || h.gos != 1 || sf.last.why != proto.CloseClient {
		t.Fatalf("host calls not passed through: %d submits, %d gos, close %v", len(h.submitted), h.gos, sf.last.why)
	}
	s := p.Snapshot()
	if s.Sessions != 1 || s.Messages != 1 || s.Recipients != 2 || s.Size.Sum != 5000 {
		t.Fatalf("sessions %d messages %d recipients %d size %v", s.Sessions, s.Messages, s.Recipients, s.Size.Sum)
	}
	if s.MessagesRejected[stat.Class4xx] != 1 || s.RecipientsRejected[stat.Class5xx] != 1 {
		t.Fatalf("rejections: messages %v recipients %v", s.MessagesRejected, s.RecipientsRejected)
	}
	// 220 (the continuation line is not a reply), 250, 550, 250, 451, 250.
	if want := [stat.NumClasses]uint64{4, 0, 1, 1}; s.Replies != want {
		t.Fatalf("replies %v, want %v (output %q)", s.Replies, want, out)
	}
	if s.Duration.Count() != 1 || s.Duration.Sum != 3 {
		t.Fatalf("duration %+v", s.Duration)
	}
	if got := string(f.Refuse(nil, proto.RefuseACL, nil)); got != "421 busy\r\n" {
		t.Fatalf("Refuse not passed through: %q", got)
	}
}

func TestInstrumentNoRepliesIgnoresOutput(t *testing.T) {
	p := stat.NewProto(1)
	sess := Instrument(&scriptFactory{}, p, Options{}).NewSession(&proto.ConnInfo{}, &fakeHost{})
	sess.Start(nil)
	if s := p.Snapshot(); s.Replies != [stat.NumClasses]uint64{} || s.Sessions != 1 {
		t.Fatalf("NoReplies counted %v", s.Replies)
	}
}

func TestInstrumentFeedDoesNotAllocate(t *testing.T) {
	p := stat.NewProto(1)
	sf := &scriptFactory{}
	sess := Instrument(sf, p, Options{Replies: LineReplies}).NewSession(&proto.ConnInfo{}, &fakeHost{})
	m := &proto.Message{Recipients: []string{"a"}}
	step := func(s *script, out []byte) ([]byte, proto.Action) {
		s.h.Submit(m)
		s.i--
		return append(out, "250-a\r\n250 b\r\n"...), proto.Suspend
	}
	sf.last.steps = []func(*script, []byte) ([]byte, proto.Action){step}
	out := make([]byte, 0, 256)
	in := []byte("line\r\n")
	sess.Feed(in, out) // first Submit grows the pending queue once
	sess.Resume(proto.Result{}, out)
	n := testing.AllocsPerRun(1000, func() {
		_, o, _ := sess.Feed(in, out[:0])
		sess.Resume(proto.Result{}, o[:0])
	})
	if n != 0 {
		t.Fatalf("instrumented Feed+Resume allocates %.1f per run", n)
	}
}
