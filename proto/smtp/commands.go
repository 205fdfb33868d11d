package smtp

import (
	"bytes"

	"sluice/proto"
)

var crlf = []byte("\r\n")

// feedLine reads one CRLF-terminated line and runs it. Only CRLF ends a
// line; a line with a bare CR or LF inside is refused whole.
func (s *session) feedLine(in, out []byte) (int, []byte, proto.Action) {
	i := bytes.Index(in[:min(len(in), maxLine)], crlf)
	if i < 0 {
		if len(in) < maxLine {
			return 0, out, proto.Continue // wait for the rest of the line
		}
		s.st = stDiscard
		s.discardCR = false
		k, out := s.feedDiscard(in, out)
		return k, out, proto.Continue
	}
	line := in[:i]
	more := len(in) > i+2
	if bytes.IndexByte(line, '\n') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
		if s.st == stAuth {
			s.st = stCmd
		}
		return i + 2, s.reply(out, rBareCRLF), proto.Continue
	}
	if s.st == stAuth {
		out = s.authLine(line, out)
		return i + 2, out, proto.Continue
	}
	out, a := s.command(line, more, out)
	if a == proto.StartTLS && more && s.set.injection != injReject {
		return len(in), out, a // ignore: drop the injected plaintext unread
	}
	return i + 2, out, a
}

// feedDiscard drops an over-long line up to its CRLF, then answers 500.
func (s *session) feedDiscard(in, out []byte) (int, []byte) {
	if s.discardCR && in[0] == '\n' {
		return 1, s.endDiscard(out)
	}
	if i := bytes.Index(in, crlf); i >= 0 {
		return i + 2, s.endDiscard(out)
	}
	s.discardCR = in[len(in)-1] == '\r'
	return len(in), out
}

func (s *session) endDiscard(out []byte) []byte {
	if s.auth != nil && s.auth.mech != 0 {
		*s.auth = authState{}
	}
	s.st = stCmd
	return s.reply(out, rTooLong)
}

// Command verbs, upper-cased and packed for an allocation-free switch.
const (
	vHELO = 'H'<<24 | 'E'<<16 | 'L'<<8 | 'O'
	vEHLO = 'E'<<24 | 'H'<<16 | 'L'<<8 | 'O'
	vMAIL = 'M'<<24 | 'A'<<16 | 'I'<<8 | 'L'
	vRCPT = 'R'<<24 | 'C'<<16 | 'P'<<8 | 'T'
	vDATA = 'D'<<24 | 'A'<<16 | 'T'<<8 | 'A'
	vBDAT = 'B'<<24 | 'D'<<16 | 'A'<<8 | 'T'
	vRSET = 'R'<<24 | 'S'<<16 | 'E'<<8 | 'T'
	vNOOP = 'N'<<24 | 'O'<<16 | 'O'<<8 | 'P'
	vQUIT = 'Q'<<24 | 'U'<<16 | 'I'<<8 | 'T'
	vVRFY = 'V'<<24 | 'R'<<16 | 'F'<<8 | 'Y'
	vHELP = 'H'<<24 | 'E'<<16 | 'L'<<8 | 'P'
	vAUTH = 'A'<<24 | 'U'<<16 | 'T'<<8 | 'H'
	vSTLS = 1 // STARTTLS, the only longer verb
)

// splitVerb returns the packed verb and its argument (after one space).
// A verb is known only when followed by nothing or a space.
func splitVerb(line []byte) (uint32, []byte) {
	if len(line) >= 8 && asciiFold(line[:8], "STARTTLS") && (len(line) == 8 || line[8] == ' ') {
		return vSTLS, line[min(len(line), 9):]
	}
	if len(line) < 4 || (len(line) > 4 && line[4] != ' ') {
		return 0, nil
	}
	var v uint32
	for _, c := range line[:4] {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		v = v<<8 | uint32(c)
	}
	return v, line[min(len(line), 5):]
}

// command runs one command line; more says that input follows it.
func (s *session) command(line []byte, more bool, out []byte) ([]byte, proto.Action) {
	if s.set.trailingWS {
		line = bytes.TrimRight(line, " \t")
	}
	v, arg := splitVerb(line)
	if s.h.ShuttingDown() && v != vQUIT {
		return s.closeWith(out, rShutdown)
	}
	if s.bdat.active && v != vBDAT && v != vRSET && v != vQUIT && v != vNOOP && v != vHELP {
		return s.reply(out, rBadSeq), proto.Continue
	}
	if s.set.requireEHLO && !s.greeted {
		switch v {
		case vMAIL, vRCPT, vDATA, vBDAT, vAUTH, vSTLS, vVRFY:
			return s.reply(out, rNeedEHLO), proto.Continue
		}
	}
	switch v {
	case vHELO, vEHLO:
		return s.greet(arg, v == vEHLO, out), proto.Continue
	case vMAIL:
		return s.mail(arg, out)
	case vRCPT:
		out = s.rcpt(arg, out)
		return out, s.suspended()
	case vDATA:
		return s.data(arg, out), proto.Continue
	case vBDAT:
		if s.set.chunking {
			return s.bdatCommand(arg, out)
		}
	case vRSET:
		return s.rset(arg, out)
	case vNOOP:
		return s.reply(out, rOK), proto.Continue
	case vQUIT:
		return s.quit(arg, out)
	case vVRFY:
		return s.reply(out, rVrfy), proto.Continue
	case vHELP:
		return s.reply(out, rHelp), proto.Continue
	case vAUTH:
		if s.users[mechPlain] != nil || s.users[mechLogin] != nil {
			return s.authCommand(arg, out), proto.Continue
		}
	case vSTLS:
		return s.startTLS(arg, more, out)
	}
	return s.reply(out, rUnknown), proto.Continue
}

// greet answers HELO/EHLO; both reset the transaction (RFC 5321 4.1.4).
func (s *session) greet(arg []byte, ehlo bool, out []byte) []byte {
	if !validHelo(arg) {
		if ehlo {
			return s.reply(out, rBadEHLO)
		}
		return s.reply(out, rBadHELO)
	}
	s.resetTx()
	s.greeted, s.ehlo = true, ehlo
	s.heloName = append(s.heloName[:0], arg...)
	s.bad = 0
	if ehlo {
		return s.appendEHLO(out)
	}
	out = append(out, "250 "...)
	out = append(out, s.set.host...)
	out = append(out, " says HELO to "...)
	out = s.c.Remote.AppendTo(out)
	return append(out, '\r', '\n')
}

func (s *session) rset(arg []byte, out []byte) ([]byte, proto.Action) {
	if len(arg) > 0 {
		return s.reply(out, rRsetArgs), proto.Continue
	}
	if s.h.Generation() != s.c.Generation {
		return s.reconfig(out)
	}
	s.resetTx()
	return s.reply(out, rOK), proto.Continue
}

// reconfig answers 421 <Reconfig_Message> and closes: the session was
// accepted under an older configuration generation.
func (s *session) reconfig(out []byte) ([]byte, proto.Action) {
	s.st = stDone
	out = append(out, "421 "...)
	out = append(out, s.set.reconfig...)
	return append(out, '\r', '\n'), proto.CloseAfterFlush
}

func (s *session) quit(arg []byte, out []byte) ([]byte, proto.Action) {
	if len(arg) > 0 {
		return s.reply(out, rNoParams), proto.Continue
	}
	s.st = stDone
	out = append(out, "221 "...)
	if s.set.enhanced {
		out = append(out, "2.3.0 "...)
	}
	out = append(out, s.set.host...)
	return append(out, " closing connection\r\n"...), proto.CloseAfterFlush
}

// startTLS answers 220 and asks the engine to switch. Bytes pipelined
// after STARTTLS were sent in plaintext and must not be run after the
// switch (CVE-2011-0411): reject refuses and drops; ignore and allow drop
// the bytes (feedLine) and go on.
func (s *session) startTLS(arg []byte, more bool, out []byte) ([]byte, proto.Action) {
	switch {
	case !s.set.startTLS:
		return s.reply(out, rUnknown), proto.Continue
	case len(arg) > 0:
		return s.reply(out, rNoParams), proto.Continue
	case s.tls:
		return s.reply(out, rTLSActive), proto.Continue
	case s.tx.mail:
		return s.reply(out, rBadSeq), proto.Continue
	case more && s.set.injection == injReject:
		return s.closeWith(out, rInjection)
	}
	s.st = stTLSWait
	return s.reply(out, rTLSReady), proto.StartTLS
}
