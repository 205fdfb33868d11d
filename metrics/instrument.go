package metrics

import (
	"time"

	"sluice/metrics/stat"
	"sluice/proto"
)

// Replies says how Instrument finds final replies in a session's output.
type Replies uint8

const (
	// NoReplies: the protocol's output is not line replies (ECStream, HTTP,
	// control); sluice_protocol_replies_total stays 0 for it.
	NoReplies Replies = iota
	// LineReplies: SMTP-style "DDD text" lines; a line whose fourth byte is
	// "-" continues a reply and is not counted.
	LineReplies
)

// Instrument wraps a protocol factory so that its sessions count into p
// without any change to the protocol: sessions started, session duration,
// messages made durable (a Submit whose Resume carries no error) with
// their recipients and size, messages rejected because the spool failed
// (counted 4xx: the session answers a temporary failure), and with
// LineReplies the final replies by class.
//
// The wrapped session also offers the protocol, through its Host,
//
//	RejectRecipient(code int)
//	RejectMessage(code int)
//
// so a protocol can report rejections the wrapper cannot infer with a
// type assertion on its Host, needing no import (see docs/observability.md).
//
// Cost per call: one interface hop and, with LineReplies, one scan of the
// bytes appended. No allocation after the first Submit of a connection.
func Instrument(f proto.Factory, p *stat.Proto, r Replies) proto.Factory {
	return &instFactory{f: f, p: p, r: r}
}

type instFactory struct {
	f proto.Factory
	p *stat.Proto
	r Replies
}

func (f *instFactory) NewSession(c *proto.ConnInfo, h proto.Host) proto.Session {
	f.p.Session(c.Worker)
	s := &instSession{f: f, h: h, w: c.Worker, start: c.Accepted}
	s.s = f.f.NewSession(c, s)
	return s
}

func (f *instFactory) Refuse(c *proto.ConnInfo, why proto.RefuseReason, out []byte) []byte {
	return f.f.Refuse(c, why, out)
}

// pending is one Submit (rcpts >= 0) or Go (rcpts < 0) awaiting Resume;
// results come back in call order (proto.Host).
type pending struct {
	rcpts int32
	size  int64
}

type instSession struct {
	s     proto.Session
	f     *instFactory
	h     proto.Host
	w     int
	start time.Time
	pend  []pending
}

func (s *instSession) Start(out []byte) ([]byte, proto.Action) {
	n := len(out)
	out, a := s.s.Start(out)
	s.replies(out[n:])
	return out, a
}

func (s *instSession) Feed(in, out []byte) (int, []byte, proto.Action) {
	n0 := len(out)
	n, out, a := s.s.Feed(in, out)
	s.replies(out[n0:])
	return n, out, a
}

func (s *instSession) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	if len(s.pend) > 0 {
		p := s.pend[0]
		k := copy(s.pend, s.pend[1:])
		s.pend = s.pend[:k]
		switch {
		case p.rcpts < 0: // a Go result
		case r.Err == nil:
			s.f.p.Received(s.w, int(p.rcpts), p.size)
		default:
			s.f.p.RejectMessage(s.w, 451)
		}
	}
	n0 := len(out)
	out, a := s.s.Resume(r, out)
	s.replies(out[n0:])
	return out, a
}

func (s *instSession) Timeout() time.Duration { return s.s.Timeout() }

func (s *instSession) Closed(why proto.CloseReason) {
	s.s.Closed(why)
	if !s.start.IsZero() {
		s.f.p.Duration.Observe(s.w, int64(s.h.Now().Sub(s.start)))
	}
}

// replies counts the final reply lines in b (output just appended).
func (s *instSession) replies(b []byte) {
	if s.f.r != LineReplies {
		return
	}
	for len(b) >= 3 {
		if isDigit(b[0]) && isDigit(b[1]) && isDigit(b[2]) && (len(b) == 3 || b[3] != '-') {
			if c, ok := stat.ClassOf(int(b[0]-'0')*100 + int(b[1]-'0')*10 + int(b[2]-'0')); ok {
				s.f.p.Reply(s.w, c)
			}
		}
		i := indexNL(b)
		if i < 0 {
			return
		}
		b = b[i+1:]
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func indexNL(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// Host, as seen by the wrapped session: Submit and Go are noted so that
// Resume knows what it answers; the rest is passed through.

func (s *instSession) Submit(m *proto.Message) {
	var size int64 = int64(len(m.Data))
	s.pend = append(s.pend, pending{rcpts: int32(len(m.Recipients)), size: size})
	s.h.Submit(m)
}

func (s *instSession) Go(fn func() (string, error)) {
	s.pend = append(s.pend, pending{rcpts: -1})
	s.h.Go(fn)
}

func (s *instSession) Generation() uint64 { return s.h.Generation() }
func (s *instSession) ShuttingDown() bool { return s.h.ShuttingDown() }
func (s *instSession) Now() time.Time     { return s.h.Now() }

// RejectRecipient lets the protocol count a refused recipient.
func (s *instSession) RejectRecipient(code int) { s.f.p.RejectRecipient(s.w, code) }

// RejectMessage lets the protocol count a refused message (MAIL or DATA
// refused), not a spool failure, which Instrument counts itself.
func (s *instSession) RejectMessage(code int) { s.f.p.RejectMessage(s.w, code) }
