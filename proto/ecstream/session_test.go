package ecstream

import (
	"errors"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/ecstream/wire"
	"sluice/proto/prototest"
)

func TestConversation(t *testing.T) {
	msgs := genMsgs(3, 200)
	msgs[1].from = "" // null sender
	s, h := newSession(policy())
	res, err := prototest.Run(s, h, cat(hello(), batch(7, msgs...), batch(8, msgs[0]), wire.AppendQuit(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := prototest.SameMessages(h.Submitted, want(append(msgs, msgs[0]))); err != nil {
		t.Fatal(err)
	}
	fs := frames(t, res.Out)
	if len(fs) != 4 || fs[0].t != wire.Greeting || fs[1].t != wire.Reply || fs[2].t != wire.Reply || fs[3].t != wire.Notice {
		t.Fatalf("frames: %+v", fs)
	}
	g := fs[0].greet
	if g.MinVersion != 1 || g.MaxVersion != 1 || g.MaxBatch != 10000 || g.IdleSeconds != 300 || g.MaxFrame != DefaultMaxFrame {
		t.Errorf("greeting %+v", g)
	}
	if fs[1].tag != 7 || len(fs[1].items) != 3 || fs[2].tag != 8 || len(fs[2].items) != 1 {
		t.Fatalf("replies %+v %+v", fs[1], fs[2])
	}
	for i, id := range []string{"MSGID0001", "MSGID0002", "MSGID0003"} {
		it := fs[1].items[i]
		if it.Status != wire.StatusAccepted || it.Code != 250 || string(it.Text) != id {
			t.Errorf("item %d: %+v", i, it)
		}
	}
	if fs[3].code != uint16(wire.NoticeBye) || !res.Closed {
		t.Errorf("quit: %+v closed=%v", fs[3], res.Closed)
	}
	if s.Timeout() != 300*time.Second {
		t.Errorf("timeout %v", s.Timeout())
	}
}

func TestSplitEveryOffset(t *testing.T) {
	f := NewFactory(FactoryOptions{})
	for _, n := range []int{1, 3, 100} {
		msgs := genMsgs(n, 48)
		in := cat(hello(), batch(1, msgs...), batch(2, msgs[:1]...), wire.AppendQuit(nil))
		if err := prototest.SplitEvery(mk(f, policy()), in); err != nil {
			t.Fatalf("batch of %d: %v", n, err)
		}
		s, h := mk(f, policy())()
		if _, err := prototest.ByteAtATime(s, h, in); err != nil {
			t.Fatal(err)
		}
		if err := prototest.SameMessages(h.Submitted, want(append(msgs, msgs[0]))); err != nil {
			t.Fatalf("batch of %d byte at a time: %v", n, err)
		}
	}
}

// A 100 × 1 KiB batch is larger than proto.MaxUnconsumed: it must still be
// consumed as it arrives, at any split.
func TestLargeBatchSplits(t *testing.T) {
	msgs := genMsgs(100, 1024)
	in := cat(hello(), batch(1, msgs...), batch(2, msgs...))
	if len(in) <= proto.MaxUnconsumed {
		t.Fatalf("input %d bytes is not larger than MaxUnconsumed", len(in))
	}
	for _, step := range []int{1, 7, 1000, 4096, 65536} {
		var chunks [][]byte
		for i := 0; i < len(in); i += step {
			chunks = append(chunks, in[i:min(i+step, len(in))])
		}
		s, h := newSession(policy())
		res, err := prototest.Run(s, h, chunks...)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if err := prototest.SameMessages(h.Submitted, want(append(msgs, msgs...))); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if fs := frames(t, res.Out); len(fs) != 3 || len(fs[2].items) != 100 || res.Left != 0 {
			t.Fatalf("step %d: %d frames, left %d", step, len(fs), res.Left)
		}
	}
}

func TestTruncatedBatchStoresNothing(t *testing.T) {
	in := cat(hello(), batch(1, genMsgs(3, 100)...))
	for cut := len(hello()); cut < len(in); cut++ {
		s, h := newSession(policy())
		res, err := prototest.Run(s, h, in[:cut])
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Submitted) != 0 || res.Closed || len(frames(t, res.Out)) != 1 {
			t.Fatalf("cut %d: submitted %d closed %v out %q", cut, len(h.Submitted), res.Closed, res.Out)
		}
	}
}

func TestPerMessageFailures(t *testing.T) {
	p := policy("max_message_size", &config.Value{Kind: config.KindSize, Raw: "100", Int: 100})
	good := tmsg{from: "a@b", to: []string{"c@d"}, body: "ok"}
	msgs := []tmsg{
		good,
		{from: "a@b", body: "no recipients"},
		{from: "a b", to: []string{"c@d"}, body: "bad sender"},
		{from: "a@b", to: []string{"c@d", "<e@f>"}, body: "bad rcpt"},
		{from: "a@b", to: []string{"c@d", ""}, body: "empty rcpt"},
		{from: "a@b", to: []string{"c@d"}, body: string(make([]byte, 101))},
		good,
	}
	s, h := newSession(p)
	res, err := prototest.Run(s, h, cat(hello(), batch(3, msgs...)))
	if err != nil {
		t.Fatal(err)
	}
	if err := prototest.SameMessages(h.Submitted, want([]tmsg{good, good})); err != nil {
		t.Fatal(err)
	}
	fs := frames(t, res.Out)
	wantCodes := []uint16{250, 554, 553, 553, 553, 552, 250}
	if len(fs) != 2 || len(fs[1].items) != len(wantCodes) {
		t.Fatalf("frames %+v", fs)
	}
	for i, c := range wantCodes {
		it := fs[1].items[i]
		st := wire.StatusPermFail
		if c == 250 {
			st = wire.StatusAccepted
		}
		if it.Code != c || it.Status != st {
			t.Errorf("item %d: %+v, want code %d", i, it, c)
		}
	}
	if string(fs[1].items[6].Text) != "MSGID0002" || fs[0].greet.MaxFrame != DefaultMaxFrame {
		t.Errorf("ids/greeting: %q %+v", fs[1].items[6].Text, fs[0].greet)
	}
}

func TestSpoolFailureIsTemporary(t *testing.T) {
	s, h := newSession(policy())
	h.Fail = errors.New("disk full")
	res, err := prototest.Run(s, h, cat(hello(), batch(1, genMsgs(2, 20)...)))
	if err != nil {
		t.Fatal(err)
	}
	fs := frames(t, res.Out)
	for _, it := range fs[1].items {
		if it.Status != wire.StatusTempFail || it.Code != 451 {
			t.Errorf("item %+v", it)
		}
	}
	if len(fs[1].items) != 2 || res.Closed {
		t.Fatalf("%+v closed=%v", fs, res.Closed)
	}
}

func TestEmptyBatchIsAnswered(t *testing.T) {
	s, h := newSession(policy())
	res, err := prototest.Run(s, h, cat(hello(), batch(9), batch(10, genMsgs(1, 20)...)))
	if err != nil {
		t.Fatal(err)
	}
	fs := frames(t, res.Out)
	if len(fs) != 3 || fs[1].tag != 9 || len(fs[1].items) != 0 || fs[2].tag != 10 || len(h.Submitted) != 1 {
		t.Fatalf("%+v", fs)
	}
}

func TestLimitsFromPolicy(t *testing.T) {
	f := NewFactory(FactoryOptions{})
	p := policy("ecstream_max_batch_size", intVal(5),
		"ecstream_idle_time", &config.Value{Kind: config.KindSeconds, Dur: 7 * time.Second},
		"max_message_size", &config.Value{Kind: config.KindSize, Int: 100 << 20})
	s, _ := mk(f, p)()
	out, a := s.Start(nil)
	fs := frames(t, out)
	g := fs[0].greet
	if a != proto.Continue || g.MaxBatch != 5 || g.IdleSeconds != 7 || g.MaxFrame != 100<<20+FrameOverhead {
		t.Fatalf("greeting %+v", g)
	}
	if s.Timeout() != 7*time.Second {
		t.Fatalf("timeout %v", s.Timeout())
	}
	// Absent options (a test policy without defaults) fall back to the defaults.
	s, _ = mk(f, config.NewPolicy("ECStream_Listener", "x", nil))()
	if s.Timeout() != DefaultIdle || s.(*session).lim.maxBatch != DefaultMaxBatch {
		t.Fatalf("defaults: %v %d", s.Timeout(), s.(*session).lim.maxBatch)
	}
}

func TestRefuse(t *testing.T) {
	f := NewFactory(FactoryOptions{})
	c := prototest.Conn("ECStream_Listener", "127.0.0.1:1825", "192.0.2.7:1", policy())
	for why, code := range map[proto.RefuseReason]uint16{proto.RefuseSessionCap: 421, proto.RefuseShutdown: 421, proto.RefuseACL: 554} {
		fs := frames(t, f.Refuse(c, why, nil))
		if len(fs) != 1 || fs[0].t != wire.Error || fs[0].code != code {
			t.Errorf("refuse %d: %+v", why, fs)
		}
	}
}
