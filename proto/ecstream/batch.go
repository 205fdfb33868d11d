package ecstream

import (
	"sluice/proto"
	"sluice/proto/ecstream/wire"
)

// endBatch decodes the complete Batch payload in s.frame. A malformed
// payload is fatal before anything is submitted. Otherwise every acceptable
// message is submitted (and the session suspends), the others are answered
// with permanent failures.
func (s *session) endBatch(out []byte) ([]byte, proto.Action) {
	var r wire.BatchReader
	if err := r.Reset(s.frame); err != nil {
		_, out, a, _ := s.fatal(out, CodeMalformed, "5.5.2 malformed batch")
		return out, a
	}
	if r.Count > s.lim.maxBatch {
		_, out, a, _ := s.fatal(out, CodeBatchSize, "5.5.3 too many messages in batch")
		return out, a
	}
	s.tag = r.Tag
	s.slots, s.env, s.lens = s.slots[:0], s.env[:0], s.lens[:0]
	s.msgs = s.msgs[:0]
	nrcpt := 0
	for {
		m, ok, err := r.Next()
		if err != nil {
			_, out, a, _ := s.fatal(out, CodeMalformed, "5.5.2 malformed batch")
			return out, a
		}
		if !ok {
			break
		}
		sl := s.throttled(s.pressured(s.check(&m)))
		if sl.submitted {
			s.keep(&m)
			nrcpt += m.NRcpt
		}
		s.slots = append(s.slots, sl)
	}
	s.submit(nrcpt)
	if s.pending == 0 {
		return s.answer(out)
	}
	s.st, s.cursor = stWait, 0
	return out, proto.Suspend
}

// check decides whether m may be submitted; a slot with submitted == false
// already carries its permanent failure.
func (s *session) check(m *wire.RawMessage) slot {
	switch {
	case m.NRcpt == 0:
		return slot{status: wire.StatusPermFail, code: CodeNoRcpt, text: "5.5.1 no recipients"}
	case s.lim.maxMsg > 0 && int64(len(m.Body)) > s.lim.maxMsg:
		return slot{status: wire.StatusPermFail, code: CodeTooBig, text: "5.3.4 message too big"}
	case !validAddress(m.Sender, true):
		return slot{status: wire.StatusPermFail, code: CodeBadAddress, text: "5.1.7 bad sender address"}
	}
	for list, i := m.Rcpts, 0; i < m.NRcpt; i++ {
		var rc []byte
		rc, list = wire.NextRcpt(list)
		if !validAddress(rc, false) {
			return slot{status: wire.StatusPermFail, code: CodeBadAddress, text: "5.1.3 bad recipient address"}
		}
	}
	return slot{submitted: true}
}

// validAddress accepts printable bytes other than angle brackets (UTF-8
// allowed); only the sender may be empty (the null sender).
func validAddress(a []byte, sender bool) bool {
	if len(a) == 0 {
		return sender
	}
	for _, c := range a {
		if c <= ' ' || c == 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// keep records an accepted message: its envelope goes to the arena (lens
// gets the recipient count, the sender length, each recipient length), its
// Data aliases the frame buffer.
func (s *session) keep(m *wire.RawMessage) {
	s.env = append(s.env, m.Sender...)
	s.lens = append(s.lens, m.NRcpt, len(m.Sender))
	for list, i := m.Rcpts, 0; i < m.NRcpt; i++ {
		var rc []byte
		rc, list = wire.NextRcpt(list)
		s.env = append(s.env, rc...)
		s.lens = append(s.lens, len(rc))
	}
	s.msgs = append(s.msgs, proto.Message{Protocol: Protocol, Data: m.Body})
}

// submit turns the arena into one immutable string (one allocation per
// batch, shared by every envelope of it) and submits the kept messages.
func (s *session) submit(nrcpt int) {
	s.pending = len(s.msgs)
	if s.pending == 0 {
		return
	}
	env := string(s.env)
	if cap(s.rcpts) < nrcpt {
		s.rcpts = make([]string, nrcpt)
	}
	s.rcpts = s.rcpts[:nrcpt]
	off, li, ri := 0, 0, 0
	for i := range s.msgs {
		m := &s.msgs[i]
		n, sl := s.lens[li], s.lens[li+1]
		li += 2
		m.Sender, off = env[off:off+sl], off+sl
		for j := range n {
			l := s.lens[li]
			li++
			s.rcpts[ri+j], off = env[off:off+l], off+l
		}
		m.Recipients = s.rcpts[ri : ri+n : ri+n]
		ri += n
	}
	for i := range s.msgs {
		s.h.Submit(&s.msgs[i])
	}
}
