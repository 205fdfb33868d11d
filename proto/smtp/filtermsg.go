package smtp

import (
	"bytes"

	pdel "sluice/filter/policy"
	"sluice/proto"
)

// resetFilterTx forgets the transaction's filter state; a new transaction
// gets a new policy instance.
func (s *session) resetFilterTx() {
	s.ft = filterTx{}
	s.fs.seq++
}

// spool hands the finished message (s.msg) to the spool, after the
// end-of-message filters when there are any. The 250 still comes only
// from Resume after the spool commit of the (possibly modified) message.
func (s *session) spool(out []byte) ([]byte, proto.Action) {
	if s.set.flt.message() {
		job := &filterJob{stage: jobMessage}
		s.ft.job = job
		s.st = stFilter
		run := s.messageFilters(job)
		s.h.Go(func() (string, error) {
			run()
			return "", nil
		})
		return out, proto.Suspend
	}
	return s.commit(out)
}

// commit applies the PREPEND headers and submits, or answers a discarded
// message without spooling it.
func (s *session) commit(out []byte) ([]byte, proto.Action) {
	if s.ft.discard {
		s.resetTx()
		s.st = stCmd
		return s.reply(out, rDiscarded), proto.Continue
	}
	if len(s.ft.prepend) > 0 {
		s.msg.Data = prependHeaders(s.msg.Data, s.ft.prepend)
	}
	s.st = stWait
	s.h.Submit(&s.msg)
	return out, proto.Suspend
}

var rDiscarded = reply{"250", "2.0.0", "OK discarded"}

// messageFilters returns the end-of-message work, to run off the worker.
// Everything it reads is copied here, on the worker; it writes only job
// and, when a milter changes the message, s.msg (which nothing else
// touches while the session is suspended).
func (s *session) messageFilters(job *filterJob) func() {
	var attrs []pdel.Attr
	if s.set.flt.policyEOM {
		rcpt := ""
		if len(s.msg.Recipients) == 1 {
			rcpt = s.msg.Recipients[0]
		}
		attrs = s.policyAttrs("END-OF-MESSAGE", rcpt)
	}
	c := s.set.flt.policy
	return func() {
		if attrs != nil {
			job.pol = c.Check(attrs)
		}
	}
}

// resumeMessage applies the end-of-message verdict.
func (s *session) resumeMessage(job *filterJob, out []byte) ([]byte, proto.Action) {
	if s.set.flt.policyEOM {
		d := s.notePolicy(job.pol, "END-OF-MESSAGE", "")
		switch d.Kind {
		case pdel.Reject, pdel.Defer:
			job.msg.reply = decisionReply(d, "Message rejected: ")
			job.msg.close = d.Close
		case pdel.Discard:
			s.ft.discard = true
		case pdel.Prepend: // Postfix ignores PREPEND here too
			s.f.o.Logger.Warn("smtp: PREPEND at END-OF-MESSAGE ignored, as Postfix does", "filter", "policy")
		}
	}
	v := &job.msg
	if v.reply.code != "" {
		if h, ok := s.h.(interface{ RejectMessage(code int) }); ok {
			h.RejectMessage(replyCode(v.reply))
		}
		s.resetTx()
		if v.close {
			return s.closeWith(out, v.reply)
		}
		return s.reply(out, v.reply), proto.Continue
	}
	if v.discard {
		s.ft.discard = true
	}
	return s.commit(out)
}

func replyCode(r reply) int {
	return int(r.code[0]-'0')*100 + int(r.code[1]-'0')*10 + int(r.code[2]-'0')
}

// prependHeaders returns data with the header lines hs in front, in order.
func prependHeaders(data []byte, hs []string) []byte {
	n := len(data)
	for _, h := range hs {
		n += len(h) + 2
	}
	b := make([]byte, 0, n)
	for _, h := range hs {
		b = append(b, h...)
		b = append(b, '\r', '\n')
	}
	return append(b, data...)
}

// traceLen is the length of the first header field of data (sluice's own
// Received: line with its folded continuation lines).
func traceLen(data []byte) int {
	i := 0
	for {
		j := bytes.Index(data[i:], crlf)
		if j < 0 {
			return len(data)
		}
		i += j + 2
		if i >= len(data) || (data[i] != ' ' && data[i] != '\t') {
			return i
		}
	}
}
