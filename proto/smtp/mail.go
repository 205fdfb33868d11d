package smtp

import (
	"sluice/proto"
)

// transaction is the envelope being built. Addresses live in one arena so
// a message costs one string allocation however many recipients it has.
type transaction struct {
	mail        bool
	senderRelay bool    // the sender's domain is in Relay_For_Sending_Domains
	arena       []byte  // sender, then each recipient
	ends        []int32 // end offset in arena of the sender, then of each recipient
}

func (s *session) resetTx() {
	s.tx.mail, s.tx.senderRelay = false, false
	s.tx.arena = s.tx.arena[:0]
	s.tx.ends = s.tx.ends[:0]
	s.bdat = bdatState{}
	s.resetFilterTx()
	s.trimBuf()
}

func (s *session) nrcpt() int { return max(len(s.tx.ends)-1, 0) }

func (s *session) mail(arg []byte, out []byte) ([]byte, proto.Action) {
	if s.h.Generation() != s.c.Generation {
		return s.reconfig(out)
	}
	if s.tx.mail {
		return s.reply(out, rMailTwice), proto.Continue
	}
	if s.set.maxRecv > 0 && s.receptions >= s.set.maxRecv {
		return s.closeWith(out, rReceptions)
	}
	rest, ok := cutPrefixFold(arg, "FROM:")
	if !ok {
		return s.reply(out, rMailSyntax), proto.Continue
	}
	p, params, ok := parsePath(s.trimEnvWS(rest), s.set.envWS)
	if !ok {
		return s.reply(out, rMailSyntax), proto.Continue
	}
	var mp mailParams
	if r, ok := s.mailParams(params, &mp); !ok {
		return s.reply(out, r), proto.Continue
	}
	switch {
	case p.null && !s.set.allowNull:
		return s.reply(out, rNullSender), proto.Continue
	case p.postmaster:
		return s.reply(out, rMailSyntax), proto.Continue
	case p.ipLit && !s.set.allowIPLit:
		return s.reply(out, rIPLiteral), proto.Continue
	case p.nonASCII && !mp.utf8:
		return s.reply(out, rNeedUTF8), proto.Continue
	case s.set.sizeAdv && mp.size > 0 && mp.size > s.set.hardMax:
		return s.reply(out, rTooBig), proto.Continue
	}
	if s.f.o.Pressure != nil && s.f.o.Pressure.On() {
		return s.reply(out, rNoStorage), proto.Continue // pressure.go
	}
	if out, a, refused := s.throttled(out); refused {
		return out, a // edge.go
	}
	s.tx.mail = true
	s.ft.size = mp.size
	s.tx.senderRelay = !p.null && domainIn(s.set.relaySenders, p.domain)
	s.tx.arena = append(s.tx.arena[:0], p.mailbox...)
	s.tx.ends = append(s.tx.ends[:0], int32(len(s.tx.arena)))
	return s.reply(out, rMailOK), proto.Continue
}

func (s *session) rcpt(arg []byte, out []byte) []byte {
	if !s.tx.mail {
		return s.rejectRcpt(out, rRcptNoMail)
	}
	rest, ok := cutPrefixFold(arg, "TO:")
	if !ok {
		return s.rejectRcpt(out, rRcptSyntax)
	}
	p, params, ok := parsePath(s.trimEnvWS(rest), s.set.envWS)
	if !ok || p.null {
		return s.rejectRcpt(out, rRcptSyntax)
	}
	switch {
	case len(params) > 0:
		return s.rejectRcpt(out, rBadParam)
	case p.ipLit && !s.set.allowIPLit:
		return s.rejectRcpt(out, rIPLiteral)
	case p.nonASCII && !s.set.utf8:
		return s.rejectRcpt(out, rNeedUTF8)
	case s.set.maxRcptMsg > 0 && int64(s.nrcpt()) >= s.set.maxRcptMsg:
		return s.rejectRcpt(out, rRcptPerMsg)
	case s.set.maxRcptConn > 0 && s.connRcpts >= s.set.maxRcptConn:
		return s.rejectRcpt(out, rRcptPerConn)
	case !p.postmaster && !s.mayRelayTo(p.domain):
		return s.rejectRcpt(out, rRelayDenied)
	}
	return s.acceptRcpt(p.mailbox, out)
}

// rejectRcpt answers a refused RCPT and reports it to a host that keeps
// protocol statistics (metrics.Instrument offers RejectRecipient).
func (s *session) rejectRcpt(out []byte, r reply) []byte {
	if h, ok := s.h.(proto.Rejecter); ok {
		h.RejectRecipient(int(r.code[0]-'0')*100 + int(r.code[1]-'0')*10 + int(r.code[2]-'0'))
	}
	return s.reply(out, r)
}

// trimEnvWS drops blanks after "FROM:"/"TO:" when
// rfc2821_allow_whitespace_in_envelope is set.
func (s *session) trimEnvWS(b []byte) []byte {
	for s.set.envWS && len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func (s *session) data(arg []byte, out []byte) []byte {
	switch {
	case len(arg) > 0:
		return s.reply(out, rDataArgs)
	case !s.tx.mail:
		return s.reply(out, rDataNoMail)
	case s.nrcpt() == 0:
		return s.reply(out, rDataNoRcpt)
	}
	s.startMessage()
	s.d = dataScan{st: dsLineStart, hdr: true}
	s.st = stData
	return s.reply(out, rData)
}

// startMessage begins the message buffer with the trace header.
func (s *session) startMessage() {
	s.buf = s.buf[:0]
	if s.set.trace {
		s.buf = s.appendReceived(s.buf)
	}
}

// submit hands the finished message to the spool and suspends. The
// message's buffers are not touched again until Resume.
func (s *session) submit(out []byte) ([]byte, proto.Action) {
	// One copy of the arena for every address: hosts may keep the strings
	// past Resume (test hosts, loggers), so they must not alias the arena.
	all := string(s.tx.arena)
	start := s.tx.ends[0]
	s.rcpts = s.rcpts[:0]
	for _, end := range s.tx.ends[1:] {
		s.rcpts = append(s.rcpts, all[start:end])
		start = end
	}
	s.msg = proto.Message{Protocol: "esmtp", Sender: all[:s.tx.ends[0]],
		Recipients: s.rcpts, Data: s.buf}
	return s.spool(out)
}
