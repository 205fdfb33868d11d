// Package echo is a tiny line protocol for testing and benchmarking the
// engine. Every line (ending in "\n") is echoed back, except these commands:
//
//	QUIT          answer "BYE\r\n", then close after the flush
//	CLOSE         close at once, discarding output
//	SUBMIT text   hand "text" to the spool via Host.Submit, answer "OK <id>" or "ERR <error>"
//	GO text       run a function off the worker via Host.Go, answer "GO text"
//	STARTTLS      answer "220 ready", then switch to TLS (proto.StartTLS)
//	TLS?          answer "tls yes" or "tls no" (ConnInfo.TLS)
//	PEER?         answer "peer <ConnInfo.Remote>" (set by a PROXY header)
//
// While the daemon drains (Host.ShuttingDown) the next line is answered
// "421 shutting down" and the connection closed, as SMTP does. A line longer
// than MaxLine is discarded and answered "ERR line too long", so a session
// never leaves more than MaxLine bytes unconsumed.
//
// Buffer lifetimes follow package proto: in is copied (into out or into the
// Message) before Feed returns; nothing is retained.
package echo

import (
	"bytes"
	"sync/atomic"
	"time"

	"sluice/proto"
)

// MaxLine bounds one line, well under proto.MaxUnconsumed.
const MaxLine = 4096

// Factory makes echo sessions. Its counters are for tests.
type Factory struct {
	Greeting string        // written by Start when not empty
	Timeout  time.Duration // the session's idle limit; 0 = the engine's policy
	Closed   [5]atomic.Int64
	Started  atomic.Int64
}

func (f *Factory) NewSession(c *proto.ConnInfo, h proto.Host) proto.Session {
	f.Started.Add(1)
	return &session{f: f, h: h, c: c}
}

// Refuse answers "BUSY <reason>".
func (f *Factory) Refuse(c *proto.ConnInfo, why proto.RefuseReason, out []byte) []byte {
	switch why {
	case proto.RefuseSessionCap:
		return append(out, "BUSY cap\r\n"...)
	case proto.RefuseACL:
		return append(out, "BUSY acl\r\n"...)
	case proto.RefuseRate:
		return append(out, "BUSY rate\r\n"...)
	case proto.RefusePregreet:
		return append(out, "BUSY pregreet\r\n"...)
	case proto.RefuseDNSBL:
		return append(out, "BUSY dnsbl "+c.Listed+"\r\n"...)
	}
	return append(out, "BUSY shutdown\r\n"...)
}

type session struct {
	f *Factory
	h proto.Host
	c *proto.ConnInfo
}

func (s *session) Start(out []byte) ([]byte, proto.Action) {
	return append(out, s.f.Greeting...), proto.Continue
}

func (s *session) Feed(in, out []byte) (int, []byte, proto.Action) {
	n := 0
	for {
		i := bytes.IndexByte(in[n:], '\n')
		if i < 0 {
			if len(in)-n > MaxLine {
				return len(in), append(out, "ERR line too long\r\n"...), proto.Continue
			}
			return n, out, proto.Continue
		}
		line := in[n : n+i+1]
		n += i + 1
		if s.h.ShuttingDown() {
			return n, append(out, "421 shutting down\r\n"...), proto.CloseAfterFlush
		}
		cmd := bytes.TrimRight(line, "\r\n")
		switch {
		case bytes.Equal(cmd, []byte("QUIT")):
			return n, append(out, "BYE\r\n"...), proto.CloseAfterFlush
		case bytes.Equal(cmd, []byte("CLOSE")):
			return n, out, proto.Close
		case bytes.Equal(cmd, []byte("STARTTLS")):
			return n, append(out, "220 ready\r\n"...), proto.StartTLS
		case bytes.Equal(cmd, []byte("TLS?")):
			if s.c.TLS {
				out = append(out, "tls yes\r\n"...)
			} else {
				out = append(out, "tls no\r\n"...)
			}
			continue
		case bytes.Equal(cmd, []byte("PEER?")):
			out = append(append(append(out, "peer "...), s.c.Remote.String()...), "\r\n"...)
			continue
		case bytes.HasPrefix(cmd, []byte("SUBMIT ")):
			s.h.Submit(&proto.Message{Protocol: "echo", Sender: "echo", Recipients: []string{"sink"},
				Data: bytes.Clone(cmd[7:])})
			return n, out, proto.Suspend
		case bytes.HasPrefix(cmd, []byte("GO ")):
			text := string(cmd[3:])
			s.h.Go(func() (string, error) { return text, nil })
			return n, out, proto.Suspend
		}
		out = append(out, line...)
	}
}

func (s *session) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	switch {
	case r.Err != nil:
		out = append(out, "ERR "...)
		out = append(out, r.Err.Error()...)
	case r.ID != "":
		out = append(out, "OK "...)
		out = append(out, r.ID...)
	default:
		out = append(out, "GO "...)
		out = append(out, r.Text...)
	}
	return append(out, "\r\n"...), proto.Continue
}

func (s *session) Timeout() time.Duration { return s.f.Timeout }

func (s *session) Closed(r proto.CloseReason) {
	if int(r) < len(s.f.Closed) {
		s.f.Closed[r].Add(1)
	}
}
