package smtp

import (
	"crypto/tls"
	"sluice/internal/membudget"
	"sluice/internal/spill"
	"time"

	"sluice/internal/creds"
	"sluice/proto"
)

// state is where the session is in the conversation.
type state uint8

const (
	stCmd     state = iota // reading command lines
	stDiscard              // discarding the rest of an over-long line
	stAuth                 // reading an AUTH continuation line
	stData                 // reading a DATA body
	stBDAT                 // reading a BDAT chunk
	stWait                 // a message was submitted; waiting for Resume
	stFilter               // a filter lookup runs off the worker (filter.go)
	stTarpit               // a refused MAIL waits out Inbound_Throttle_Tarpit (edge.go)
	stTLSWait              // STARTTLS answered; waiting for TLSStarted
	stDone                 // closing; no more input is read
)

const (
	maxLine = 512 // RFC 5321 4.5.3.1.4: command line, CRLF included
	maxBad  = 10  // bad commands in a row before 421
)

// Indexes of session.users.
const (
	mechPlain = iota
	mechLogin
)

// session is one ESMTP conversation. It is owned by one worker; see the
// package doc for buffer lifetimes.
type session struct {
	f   *Factory
	c   *proto.ConnInfo
	h   proto.Host
	set *settings

	users [2]*creds.Users
	st    state

	tls, tlsVerified, authed, relayHost bool
	ehlo                                bool   // the last greeting was EHLO
	greeted                             bool   // HELO or EHLO seen
	heloName                            []byte // argument of the last HELO/EHLO

	bad        int  // consecutive bad commands
	discardCR  bool // stDiscard: the last byte seen was CR
	receptions int64
	connRcpts  int64

	tx   transaction
	d    dataScan
	bdat bdatState
	ft   filterTx   // filter.go
	fs   filterSess // filter.go
	auth *authState // allocated at the first AUTH: most sessions never send one

	msg   proto.Message
	rcpts []string  // backing array of msg.Recipients, reused per message
	held  int64     // message-data budget held by buf (internal/membudget)
	spill spill.Buf // buf's spill file, past spill.Threshold (room)
	buf   []byte    // backing array of msg.Data, reused per message
}

// Start writes the banner.
func (s *session) Start(out []byte) ([]byte, proto.Action) {
	return append(out, s.set.banner...), proto.Continue
}

// Feed consumes every complete command in `in` and appends all their
// replies, so a pipelined group is answered in one write (RFC 2920). It stops
// early only to Suspend, StartTLS or close.
func (s *session) Feed(in, out []byte) (int, []byte, proto.Action) {
	n := 0
	for n < len(in) {
		var k int
		a := proto.Continue
		switch s.st {
		case stCmd, stAuth:
			k, out, a = s.feedLine(in[n:], out)
		case stDiscard:
			k, out = s.feedDiscard(in[n:], out)
		case stData:
			k, out, a = s.feedData(in[n:], out)
		case stBDAT:
			k, out, a = s.feedBDAT(in[n:], out)
		case stWait, stFilter, stTarpit: // the engine does not feed a suspended session
			return n, out, proto.Continue
		default: // stTLSWait (plaintext after the switch: engine error), stDone
			return len(in), out, proto.Close
		}
		n += k
		if a == proto.Continue && s.bad >= maxBad {
			out = appendReply(out, rTooMany, s.set.enhanced)
			s.st = stDone
			a = proto.CloseAfterFlush
		}
		if a != proto.Continue {
			return n, out, a
		}
		if k == 0 {
			break
		}
	}
	return n, out, proto.Continue
}

// Resume answers the message submitted at the end of DATA or BDAT LAST:
// 250 only when the spool committed it.
func (s *session) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	if s.st == stFilter {
		return s.resumeFilter(out)
	}
	if s.st == stTarpit {
		return s.endTarpit(out)
	}
	if s.st != stWait {
		return out, proto.Continue
	}
	s.st = stCmd
	if r.Err != nil {
		out = s.reply(out, rSpoolFail)
	} else {
		s.receptions++
		out = append(out, "250 "...)
		if s.set.enhanced {
			out = append(out, "2.0.0 "...)
		}
		out = append(out, "OK "...)
		out = append(out, r.ID...)
		out = append(out, '\r', '\n')
		s.bad = 0
	}
	s.resetTx() // drops a big buffer (trimBuf)
	return out, proto.Continue
}

// keepBuf is the largest message buffer kept between messages; its
// capacity stays counted in the message-data budget (membudget).
const keepBuf = 256 << 10

// trimBuf drops a big message buffer (or a spilled one) and gives its
// budget back, so an idle session does not hold a big message's memory.
func (s *session) trimBuf() {
	switch {
	case s.spill.Active():
		s.buf = nil
		s.spill.Release()
		membudget.Release(&s.held)
	case cap(s.buf) > keepBuf:
		s.buf = nil
		membudget.Release(&s.held)
	}
}

// room makes room for n more message bytes: past spill.Threshold in a
// spill file where that is safe (mayspill), else within the daemon's
// message-data budget; on refusal the rest of the message is dropped as it
// streams and the end of data is answered 452 4.3.1.
func (s *session) room(n int) bool {
	if len(s.buf)+n <= cap(s.buf) {
		return true
	}
	if s.mayspill() && (s.spill.Active() || len(s.buf)+n > spill.Threshold) {
		was := s.spill.Active()
		if nb, ok := s.spill.Grow(s.buf, n); ok {
			s.buf = nb
			if !was {
				membudget.Release(&s.held) // the heap buffer is garbage now
			}
			return true
		}
	}
	var ok bool
	if s.buf, ok = membudget.Grow(s.buf, &s.held, n); !ok {
		s.d.noMem = true
	}
	return ok
}

// mayspill: the spill file is unmapped at Resume or Closed, so nothing may
// read the message after those: the engine copies it synchronously at
// Submit on the worker, but a TLS session's Submit is staged later by the
// worker, and end-of-message filters read it on their own goroutine.
func (s *session) mayspill() bool {
	return spill.Enabled() && !s.tls && !s.set.flt.message()
}

// Timeout is Idle_Time.
func (s *session) Timeout() time.Duration { return s.set.idle }

// Closed releases the message buffers.
func (s *session) Closed(proto.CloseReason) {
	s.st = stDone
	s.closeConvs()
	s.buf, s.rcpts, s.tx.arena = nil, nil, nil
	s.spill.Release()
	membudget.Release(&s.held)
}

// TLSStarted tells the session that the server TLS handshake completed.
// The engine calls it after it has acted on a StartTLS action, before it
// feeds the first decrypted byte; cs may be nil. As RFC 3207 requires, the
// session forgets everything learnt before TLS (greeting, AUTH, transaction)
// and waits for a new EHLO; no banner is sent. A verified client
// certificate (cs.VerifiedChains) allows relaying when
// TLS_Verified_Peer_Can_Relay is set.
func (s *session) TLSStarted(cs *tls.ConnectionState) {
	s.tls = true
	s.tlsVerified = cs != nil && len(cs.VerifiedChains) > 0
	s.closeConvs() // the milters see the session anew, as after a new connection
	s.fs.noteTLS(cs)
	s.greeted, s.ehlo, s.authed = false, false, false
	s.heloName = s.heloName[:0]
	s.resetTx()
	if s.st == stTLSWait {
		s.st = stCmd
	}
}

// reply appends r and tracks the bad-command run.
func (s *session) reply(out []byte, r reply) []byte {
	out = appendReply(out, r, s.set.enhanced)
	switch {
	case r.bad():
		s.bad++
	case r.code[0] == '2' || r.code[0] == '3':
		s.bad = 0
	}
	return out
}

// closeWith appends r and closes after the flush.
func (s *session) closeWith(out []byte, r reply) ([]byte, proto.Action) {
	s.st = stDone
	return appendReply(out, r, s.set.enhanced), proto.CloseAfterFlush
}

// InContent implements proto.ContentReceiver: DATA body or BDAT chunk octets.
func (s *session) InContent() bool { return s.st == stData || s.st == stBDAT }

// Authenticated implements proto.AuthReporter.
func (s *session) Authenticated() bool { return s.authed }
