package metrics

import (
	"crypto/tls"
	"log/slog"
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
// The wrapped session's Host also offers proto.Rejecter, so a protocol can
// report rejections the wrapper cannot infer (see docs/observability.md).
//
// Cost per call: one interface hop and, with LineReplies, one scan of the
// bytes appended. No allocation after the first Submit of a connection.
func Instrument(f proto.Factory, p *stat.Proto, o Options) proto.Factory {
	return &instFactory{f: f, p: p, o: o}
}

// Options of Instrument.
type Options struct {
	Replies Replies
	// Log, when set, receives a reception line per durable message and a
	// reject line per refused connection, 4xx/5xx reply (LineReplies) and
	// spool failure (see LogReception, LogReject).
	Log *slog.Logger
}

type instFactory struct {
	f proto.Factory
	p *stat.Proto
	o Options
}

func (f *instFactory) NewSession(c *proto.ConnInfo, h proto.Host) proto.Session {
	f.p.Session(c.Worker)
	s := &instSession{f: f, h: h, c: c, w: c.Worker, start: c.Accepted}
	s.s = f.f.NewSession(c, s)
	return s
}

func (f *instFactory) Refuse(c *proto.ConnInfo, why proto.RefuseReason, out []byte) []byte {
	n := len(out)
	out = f.f.Refuse(c, why, out)
	if f.o.Log != nil {
		text := string(trimLine(out[n:]))
		if text == "" {
			text = [...]string{"session cap reached", "shutting down", "denied by Peer ACL"}[why%3]
		}
		LogReject(f.o.Log, c, PhaseConnect, replyCode(out[n:]), text)
	}
	return out
}

// The session wrapper states what it offers; what a Resume answers comes
// with the Result (Result.Msg, set by the engine's proto.Driver), so the
// wrapper keeps no queue of its own.
var (
	_ proto.Host          = (*instSession)(nil)
	_ proto.Rejecter      = (*instSession)(nil)
	_ proto.TLSStarter    = (*instSession)(nil)
	_ proto.TLSConfigurer = (*instFactory)(nil)
)

type instSession struct {
	s     proto.Session
	f     *instFactory
	h     proto.Host
	c     *proto.ConnInfo
	w     int
	start time.Time
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
	if m := r.Msg; m != nil { // a Submit's result (a Go's carries none)
		switch {
		case r.Err == nil:
			s.f.p.Received(s.w, len(m.Recipients), int64(len(m.Data)))
			if s.f.o.Log != nil {
				LogReception(s.f.o.Log, s.c, r.ID, m)
			}
		default:
			s.f.p.RejectMessage(s.w, 451)
			if s.f.o.Log != nil {
				LogReject(s.f.o.Log, s.c, PhaseData, 451, r.Err.Error())
			}
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
	if s.f.o.Replies != LineReplies {
		return
	}
	for len(b) >= 3 {
		if code := replyCode(b); code != 0 && (len(b) == 3 || b[3] != '-') {
			if c, ok := stat.ClassOf(code); ok {
				s.f.p.Reply(s.w, c)
				if c >= stat.Class4xx && s.f.o.Log != nil {
					LogReject(s.f.o.Log, s.c, PhaseReply, code, string(trimLine(b)))
				}
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

// Host, as seen by the wrapped session: passed through.

func (s *instSession) Submit(m *proto.Message)      { s.h.Submit(m) }
func (s *instSession) Go(fn func() (string, error)) { s.h.Go(fn) }

func (s *instSession) Generation() uint64 { return s.h.Generation() }
func (s *instSession) ShuttingDown() bool { return s.h.ShuttingDown() }
func (s *instSession) Now() time.Time     { return s.h.Now() }

// RejectRecipient lets the protocol count a refused recipient.
func (s *instSession) RejectRecipient(code int) { s.f.p.RejectRecipient(s.w, code) }

// RejectMessage lets the protocol count a refused message (MAIL or DATA
// refused), not a spool failure, which Instrument counts itself.
func (s *instSession) RejectMessage(code int) { s.f.p.RejectMessage(s.w, code) }

// TLSStarted forwards the engine's "TLS is up" notice to a session that
// wants it (SMTP resets to the post-banner state there).
func (s *instSession) TLSStarted(cs *tls.ConnectionState) {
	if t, ok := s.s.(proto.TLSStarter); ok {
		t.TLSStarted(cs)
	}
}

// TLSConfig forwards to the wrapped factory when it terminates TLS; nil, nil
// when it does not, so wrapping never changes whether a Listen offers TLS.
func (f *instFactory) TLSConfig(c *proto.ConnInfo) (*tls.Config, error) {
	if t, ok := f.f.(proto.TLSConfigurer); ok {
		return t.TLSConfig(c)
	}
	return nil, nil
}
