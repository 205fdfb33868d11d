package ecstream

import (
	"encoding/binary"
	"testing"

	"sluice/proto/ecstream/wire"
	"sluice/proto/prototest"
)

// raw builds a frame with an arbitrary header and payload.
func raw(t wire.Type, payload ...byte) []byte {
	return append(wire.AppendHeader(nil, t, len(payload)), payload...)
}

// rawBatch builds a Batch frame from a hand-written payload.
func rawBatch(tag, count uint32, body ...byte) []byte {
	p := wire.AppendBatchHead(nil, tag, count)
	return raw(wire.Batch, append(p, body...)...)
}

func be16(n int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(n)) }
func be32(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

func TestErrorFrames(t *testing.T) {
	good := batch(1, tmsg{from: "a@b", to: []string{"c@d"}, body: "x"})
	msg := func(parts ...[]byte) []byte { return cat(parts...) }
	cases := []struct {
		name string
		in   []byte
		code uint16
	}{
		{"batch before hello", good, CodeSequence},
		{"hello bad magic", raw(wire.Hello, []byte("ECSTREAX\x01")...), CodeMalformed},
		{"hello short", raw(wire.Hello, []byte("ECSTREAM")...), CodeMalformed},
		{"hello long", raw(wire.Hello, []byte("ECSTREAM\x01\x00")...), CodeMalformed},
		{"hello version 2", wire.AppendHello(nil, 2), CodeVersion},
		{"hello version 0", wire.AppendHello(nil, 0), CodeVersion},
		{"repeated hello", cat(hello(), hello()), CodeSequence},
		{"unknown type", cat(hello(), raw(99)), CodeMalformed},
		{"type zero", cat(hello(), raw(0, 1, 2)), CodeMalformed},
		{"client sends reply", cat(hello(), raw(wire.Reply, 0, 0, 0, 0, 0, 0, 0, 0)), CodeMalformed},
		{"client sends greeting", raw(wire.Greeting), CodeMalformed},
		{"quit with payload", cat(hello(), raw(wire.Quit, 1)), CodeMalformed},
		{"frame too large", cat(hello(), wire.AppendHeader(nil, wire.Batch, 1<<20+1)), CodeTooBig},
		{"frame length max", cat(hello(), []byte{0xff, 0xff, 0xff, 0xff, byte(wire.Batch)}), CodeTooBig},
		{"batch shorter than head", cat(hello(), raw(wire.Batch, 0, 0, 0, 1)), CodeMalformed},
		{"too many messages", cat(hello(), batch(1, genMsgs(6, 16)...)), CodeBatchSize},
		{"count beyond payload", cat(hello(), rawBatch(1, 3, msg(be16(0), be16(0), be32(0))...)), CodeMalformed},
		{"count huge", cat(hello(), rawBatch(1, 5, msg(be16(0), be16(0), be32(0))...)), CodeMalformed},
		{"sender overflows", cat(hello(), rawBatch(1, 1, msg(be16(50), []byte("abcd"), be32(0))...)), CodeMalformed},
		{"rcpt count overflows", cat(hello(), rawBatch(1, 1, msg(be16(0), be16(3), be16(1), []byte("r"), be32(0))...)), CodeMalformed},
		{"rcpt overflows", cat(hello(), rawBatch(1, 1, msg(be16(0), be16(1), be16(9), []byte("r"), be32(0))...)), CodeMalformed},
		{"body length missing", cat(hello(), rawBatch(1, 1, msg(be16(0), be16(1), be16(1), []byte("r"), be16(0))...)), CodeMalformed},
		{"body overflows", cat(hello(), rawBatch(1, 1, msg(be16(0), be16(1), be16(1), []byte("r"), be32(5), []byte("abc"))...)), CodeMalformed},
		{"trailing bytes", cat(hello(), rawBatch(1, 1, msg(be16(0), be16(1), be16(1), []byte("r"), be32(1), []byte("ab"))...)), CodeMalformed},
		{"second message malformed", cat(hello(), rawBatch(1, 2, msg(be16(0), be16(1), be16(1), []byte("r"), be32(1), []byte("a"), be16(0), be16(0), be16(0))...)), CodeMalformed},
	}
	f := NewFactory(FactoryOptions{MaxFrame: 1 << 20})
	p := policy("ecstream_max_batch_size", intVal(5))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Anything after the bad frame, even a good batch, is ignored.
			in := cat(c.in, good)
			if err := prototest.SplitEvery(mk(f, p), in); err != nil {
				t.Fatal(err)
			}
			s, h := mk(f, p)()
			res, err := prototest.Run(s, h, in)
			if err != nil {
				t.Fatal(err)
			}
			fs := frames(t, res.Out)
			last := fs[len(fs)-1]
			if last.t != wire.Error || last.code != c.code || !res.Closed || len(h.Submitted) != 0 {
				t.Fatalf("got %+v (text %q) closed=%v submitted=%d, want error %d",
					last.t, last.text, res.Closed, len(h.Submitted), c.code)
			}
			if n, _, a := s.Feed(good, nil); a.String() != "close" || n != len(good) {
				t.Fatalf("feed after error: %d %v", n, a)
			}
		})
	}
}

// A reload while a batch is being received or committed: that batch is
// finished and answered, then the client is told to reconnect; a pipelined
// batch behind it is not submitted.
func TestReloadFinishesInFlightBatch(t *testing.T) {
	msgs := genMsgs(3, 100)
	b1, b2 := batch(1, msgs...), batch(2, msgs...)
	for cut := 1; cut < len(b1); cut++ {
		wantMsgs := want(msgs)
		if cut < wire.HeaderLen {
			wantMsgs = nil // the header was not read: not in flight yet
		}
		s, h := newSession(policy())
		d := prototest.NewDriver(s, h)
		if err := d.Feed(cat(hello(), b1[:cut])); err != nil {
			t.Fatal(err)
		}
		h.Gen = 2
		if err := d.Feed(cat(b1[cut:], b2)); err != nil {
			t.Fatal(err)
		}
		res := d.Finish()
		fs := frames(t, res.Out)
		if err := prototest.SameMessages(h.Submitted, wantMsgs); err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if len(wantMsgs) == 0 {
			fs = append(fs[:1], frame{t: wire.Reply, items: make([]wire.ReplyItem, 3)}, fs[1])
		}
		if len(fs) != 3 || fs[1].t != wire.Reply || len(fs[1].items) != 3 || fs[2].t != wire.Notice ||
			fs[2].code != uint16(wire.NoticeReconnect) || !res.Closed {
			t.Fatalf("cut %d: frames %+v closed %v", cut, fs, res.Closed)
		}
	}
}

func TestReloadOrShutdownBetweenBatches(t *testing.T) {
	for _, shutdown := range []bool{false, true} {
		s, h := newSession(policy())
		d := prototest.NewDriver(s, h)
		if err := d.Feed(cat(hello(), batch(1, genMsgs(1, 20)...))); err != nil {
			t.Fatal(err)
		}
		if shutdown {
			h.Draining = true
		} else {
			h.Gen = 3
		}
		if err := d.Feed(batch(2, genMsgs(2, 20)...)); err != nil {
			t.Fatal(err)
		}
		res := d.Finish()
		fs := frames(t, res.Out)
		if len(h.Submitted) != 1 || len(fs) != 3 || fs[2].t != wire.Notice || !res.Closed {
			t.Fatalf("shutdown=%v: %d submitted, frames %+v", shutdown, len(h.Submitted), fs)
		}
	}
}
