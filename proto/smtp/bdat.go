package smtp

import (
	"bytes"
	"strconv"

	"sluice/proto"
)

// bdatState is a CHUNKING (RFC 3030) transaction in progress.
type bdatState struct {
	active bool  // a chunk was accepted; only BDAT, RSET, NOOP, HELP, QUIT now
	left   int64 // octets of the current chunk still to read
	chunk  int64 // size of the current chunk
	last   bool
	fail   reply // non-zero: the chunk is read and dropped, then this is answered
}

// bdatCommand parses "BDAT <size> [LAST]". The chunk that follows is always
// read, even when the command is refused, so the stream stays in step.
func (s *session) bdatCommand(arg []byte, out []byte) ([]byte, proto.Action) {
	num, last := arg, false
	if i := bytes.IndexByte(arg, ' '); i >= 0 {
		num = arg[:i]
		if !asciiFold(arg[i+1:], "LAST") {
			return s.reply(out, rBDATSyntax), proto.Continue
		}
		last = true
	}
	n, ok := parseDecimal(num)
	if !ok {
		return s.reply(out, rBDATSyntax), proto.Continue
	}
	b := &s.bdat
	b.left, b.chunk, b.last, b.fail = n, n, last, reply{}
	switch {
	case !s.tx.mail:
		b.fail = rDataNoMail
	case s.nrcpt() == 0:
		b.fail = rDataNoRcpt
	case !b.active:
		b.active = true
		s.startMessage()
		s.d = dataScan{}
	}
	s.st = stBDAT
	if n == 0 {
		return s.endChunk(out)
	}
	return out, proto.Continue
}

// feedBDAT consumes chunk octets as they arrive: nothing is held back, and
// octets past the size limit are dropped as they stream.
func (s *session) feedBDAT(in, out []byte) (int, []byte, proto.Action) {
	b := &s.bdat
	k := int(min(b.left, int64(len(in))))
	if b.fail.code == "" {
		s.putChunk(in[:k])
	}
	b.left -= int64(k)
	if b.left > 0 {
		return k, out, proto.Continue
	}
	out, a := s.endChunk(out)
	return k, out, a
}

// endChunk answers a complete chunk; BDAT LAST submits the message.
func (s *session) endChunk(out []byte) ([]byte, proto.Action) {
	b := &s.bdat
	s.st = stCmd
	switch {
	case b.fail.code != "":
		return s.reply(out, b.fail), proto.Continue
	case b.last && s.endChunks():
		s.resetTx()
		return s.reply(out, rBareNewline), proto.Continue
	case s.d.over:
		s.resetTx()
		return s.reply(out, rTooBig), proto.Continue
	case s.d.noMem:
		s.resetTx()
		return s.reply(out, rNoMem), proto.Continue
	case b.last:
		return s.submit(out)
	}
	out = append(out, "250 "...)
	if s.set.enhanced {
		out = append(out, "2.0.0 "...)
	}
	out = strconv.AppendInt(out, b.chunk, 10)
	s.bad = 0
	return append(out, " octets received\r\n"...), proto.Continue
}
