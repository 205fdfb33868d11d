package ecstream

import (
	"sluice/internal/membudget"
	"time"

	"sluice/proto"
	"sluice/proto/ecstream/wire"
)

type state uint8

const (
	stHello  state = iota // greeting sent, Hello expected
	stReady               // between frames
	stBody                // copying a Batch payload
	stWait                // batch submitted, waiting for Resumes
	stClosed              // Error or Notice written; input is discarded
)

// slot is one message's reply-to-be.
type slot struct {
	text      string
	code      uint16
	status    uint8
	submitted bool
}

type session struct {
	f   *Factory
	c   *proto.ConnInfo
	h   proto.Host
	lim limits
	st  state

	need  int    // payload length of the Batch being received
	frame []byte // its payload, copied as it arrives
	env   []byte // envelope bytes of accepted messages (pass 1)
	lens  []int  // their lengths: sender, then each recipient
	msgs  []proto.Message
	rcpts []string
	slots []slot

	tag     uint32
	pending int   // Submits not yet resumed
	held    int64 // message-data budget held by frame (internal/membudget)
	cursor  int   // next slot to look at for a Resume
}

func (s *session) Start(out []byte) ([]byte, proto.Action) {
	return wire.AppendGreeting(out, wire.GreetingInfo{MinVersion: wire.Version1,
		MaxVersion: wire.Version1, MaxFrame: s.lim.maxFrame, MaxBatch: s.lim.maxBatch,
		IdleSeconds: uint32(s.lim.idle / time.Second)}), proto.Continue
}

func (s *session) Timeout() time.Duration { return s.lim.idle }

func (s *session) Closed(proto.CloseReason) {
	s.st = stClosed
	s.frame, s.env, s.msgs, s.rcpts, s.slots = nil, nil, nil, nil, nil
	membudget.Release(&s.held)
}

func (s *session) Feed(in, out []byte) (int, []byte, proto.Action) {
	n := 0
	for {
		switch s.st {
		case stClosed:
			return len(in), out, proto.Close
		case stWait:
			return n, out, proto.Suspend
		case stBody:
			k := min(s.need-len(s.frame), len(in)-n)
			if len(s.frame)+k > cap(s.frame) {
				var ok bool
				if s.frame, ok = membudget.Grow(s.frame, &s.held, k); !ok {
					// The daemon's message-data budget is spent: the batch
					// is not stored (nothing of it was acknowledged) and
					// the client resends it later.
					_, out, a, _ := s.fatal(out, CodeUnavailable, "4.3.1 insufficient system storage, retry later")
					return len(in), out, a
				}
			}
			s.frame = append(s.frame, in[n:n+k]...)
			n += k
			if len(s.frame) < s.need {
				return n, out, proto.Continue
			}
			var a proto.Action
			if out, a = s.endBatch(out); a != proto.Continue {
				return n, out, a
			}
		default:
			if s.reloaded() {
				out, a := s.reconnect(out)
				return n, out, a
			}
			k, o, a, done := s.frameStart(in[n:], out)
			n, out = n+k, o
			if done {
				return n, out, a
			}
		}
	}
}

// frameStart handles a frame header (and the whole of a small frame). done
// means Feed must return (with a); otherwise Feed keeps looping.
func (s *session) frameStart(in, out []byte) (int, []byte, proto.Action, bool) {
	t, size, ok := wire.ParseHeader(in)
	if !ok {
		return 0, out, proto.Continue, true
	}
	switch {
	case t == wire.Hello && s.st == stHello:
		if size != wire.HelloLen {
			return s.fatal(out, CodeMalformed, "5.5.2 malformed hello")
		}
		if len(in) < wire.HeaderLen+wire.HelloLen {
			return 0, out, proto.Continue, true
		}
		v, err := wire.ParseHello(in[wire.HeaderLen : wire.HeaderLen+wire.HelloLen])
		if err != nil {
			return s.fatal(out, CodeMalformed, "5.5.2 malformed hello")
		}
		if v != wire.Version1 {
			return s.fatal(out, CodeVersion, "5.5.4 unsupported version")
		}
		s.st = stReady
		return wire.HeaderLen + wire.HelloLen, out, proto.Continue, false
	case t == wire.Quit:
		if size != 0 {
			return s.fatal(out, CodeMalformed, "5.5.2 malformed quit")
		}
		s.st = stClosed
		return wire.HeaderLen, wire.AppendNotice(out, wire.NoticeBye, "bye"), proto.CloseAfterFlush, true
	case t == wire.Hello:
		return s.fatal(out, CodeSequence, "5.5.1 repeated hello")
	case t == wire.Batch && s.st == stHello:
		return s.fatal(out, CodeSequence, "5.5.1 hello expected")
	case t == wire.Batch:
		if size > s.lim.maxFrame {
			return s.fatal(out, CodeTooBig, "5.3.4 frame too large")
		}
		if size < wire.BatchHeadLen {
			return s.fatal(out, CodeMalformed, "5.5.2 malformed batch")
		}
		s.st, s.need, s.frame = stBody, int(size), s.frame[:0]
		return wire.HeaderLen, out, proto.Continue, false
	}
	return s.fatal(out, CodeMalformed, "5.5.2 unexpected frame type")
}

// fatal writes an Error frame and closes after flushing it.
func (s *session) fatal(out []byte, code uint16, text string) (int, []byte, proto.Action, bool) {
	if s.f.log != nil {
		s.f.log.Info("ecstream: protocol error", "conn", s.c.ID, "remote", s.c.Remote, "code", code, "reason", text)
	}
	s.st = stClosed
	return 0, wire.AppendError(out, code, text), proto.CloseAfterFlush, true
}

func (s *session) reloaded() bool {
	return s.h.Generation() != s.c.Generation || s.h.ShuttingDown()
}

// reconnect tells the client to come back on a new connection, then closes.
func (s *session) reconnect(out []byte) ([]byte, proto.Action) {
	s.st = stClosed
	text := "4.3.2 configuration reloaded, reconnect"
	if s.h.ShuttingDown() {
		text = "4.3.2 shutting down, reconnect"
	}
	return wire.AppendNotice(out, wire.NoticeReconnect, text), proto.CloseAfterFlush
}

func (s *session) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	if s.st != stWait || s.pending == 0 {
		return out, proto.Continue // not ours to answer; the engine broke the contract
	}
	for !s.slots[s.cursor].submitted {
		s.cursor++
	}
	sl := &s.slots[s.cursor]
	s.cursor++
	if r.Err == nil {
		sl.status, sl.code, sl.text = wire.StatusAccepted, CodeAccepted, r.ID
	} else {
		sl.status, sl.code, sl.text = wire.StatusTempFail, CodeSpool, "4.3.0 spool commit failed, try again later"
	}
	if s.pending--; s.pending > 0 {
		return out, proto.Suspend
	}
	return s.answer(out)
}

// answer writes the batch's Reply frame and gets ready for the next frame.
func (s *session) answer(out []byte) ([]byte, proto.Action) {
	out, off := wire.StartFrame(out, wire.Reply)
	out = wire.AppendReplyHead(out, s.tag, uint32(len(s.slots)))
	for i := range s.slots {
		sl := &s.slots[i]
		out = wire.AppendReplyItem(out, sl.status, sl.code, sl.text)
		sl.text = ""
	}
	out = wire.EndFrame(out, off)
	s.release()
	s.st = stReady
	if s.reloaded() {
		return s.reconnect(out)
	}
	return out, proto.Continue
}

// release drops references into the finished batch, and its buffers when
// they are large.
func (s *session) release() {
	clear(s.msgs)
	clear(s.rcpts)
	if cap(s.frame) > keepBuffer {
		s.frame = nil
		membudget.Release(&s.held)
	}
	if cap(s.env) > keepBuffer {
		s.env = nil
	}
}

// InContent implements proto.ContentReceiver: the payload of a Batch frame.
func (s *session) InContent() bool { return s.st == stBody }
