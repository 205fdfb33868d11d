package smtp

import (
	"bytes"
	"strconv"
	"strings"

	"sluice/filter/milter"

	pdel "sluice/filter/policy"
	"sluice/proto"
)

// resetFilterTx forgets the transaction's filter state; a new transaction
// gets a new policy instance.
func (s *session) resetFilterTx() {
	s.ft = filterTx{}
	s.fs.seq++
	for _, cv := range s.fs.convs {
		cv.EndTx() // no I/O: the ABORT goes with the next MAIL
	}
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
// Everything it reads is copied here, on the worker, except the message
// bytes, which nothing touches while the session is suspended; it writes
// only job.
func (s *session) messageFilters(job *filterJob) func() {
	var attrs []pdel.Attr
	if s.set.flt.policyEOM {
		rcpt := ""
		if len(s.msg.Recipients) == 1 {
			rcpt = s.msg.Recipients[0]
		}
		attrs = s.policyAttrs("END-OF-MESSAGE", rcpt)
	}
	pc, convs := s.set.flt.policy, s.convs()
	env := s.milterEnvelope(s.msg.Sender, s.msg.Recipients)
	data := s.msg.Data
	tl := 0
	if s.set.trace {
		tl = traceLen(data)
	}
	return func() {
		if attrs != nil {
			job.pol = pc.Check(attrs)
			if k := job.pol.Decision.Kind; k == pdel.Reject || k == pdel.Defer {
				return
			}
		}
		job.data, job.sender, job.rcpts = data, env.Sender, env.Recipients
		for _, cv := range convs {
			v := cv.Message(env, job.data, tl)
			job.mv = append(job.mv, v)
			if v.Kind != milter.Continue {
				return
			}
			if v.Changed {
				job.changed = true
				job.data, job.sender, job.rcpts = v.Data, v.Sender, v.Recipients
				env.Sender, env.Recipients = v.Sender, v.Recipients
			}
		}
	}
}

// milterEnvelope copies what the milters are told about the message.
func (s *session) milterEnvelope(sender string, rcpts []string) *milter.Envelope {
	e := &milter.Envelope{Client: s.c.Remote, Local: s.c.Local, Unix: s.c.Unix, Helo: string(s.heloName),
		TLS: s.tls, Sender: sender, Recipients: append([]string(nil), rcpts...),
		QueueID: strconv.FormatUint(s.c.ID, 16) + "." + strconv.FormatUint(s.fs.seq, 16)}
	if s.authed {
		e.AuthType, e.AuthUser = s.fs.saslMethod, s.fs.saslUser
	}
	if s.tls {
		e.TLSVersion, e.TLSCipher, e.TLSBits = s.tlsName(), s.fs.tlsCipher, s.fs.tlsBits
	}
	return e
}

// resumeMessage applies the end-of-message verdicts: the policy's, then
// each milter's in order.
func (s *session) resumeMessage(job *filterJob, out []byte) ([]byte, proto.Action) {
	v := &job.msg
	if s.set.flt.policyEOM {
		d := s.notePolicy(job.pol, "END-OF-MESSAGE", "")
		switch d.Kind {
		case pdel.Reject, pdel.Defer:
			v.reply = decisionReply(d, "Message rejected: ")
			v.close = d.Close
		case pdel.Discard:
			s.ft.discard = true
		case pdel.Prepend: // Postfix ignores PREPEND here too
			s.f.o.Logger.Warn("smtp: PREPEND at END-OF-MESSAGE ignored, as Postfix does", "filter", "policy")
		}
	}
	for i, mv := range job.mv {
		s.noteMilter(s.set.flt.milters[i], mv, "END-OF-MESSAGE")
		switch mv.Kind {
		case milter.Reject, milter.Tempfail:
			v.reply = milterReply(mv.Reply)
		case milter.Discard:
			s.ft.discard = true
		}
		if mv.Quarantine != "" {
			s.ft.prepend = append(s.ft.prepend, "X-Sluice-Quarantine: "+oneLine(mv.Quarantine)+" (milter "+s.set.flt.milters[i].Service()+")")
		}
	}
	if v.reply.code != "" {
		if h, ok := s.h.(proto.Rejecter); ok {
			h.RejectMessage(replyCode(v.reply))
		}
		s.resetTx()
		if v.close {
			return s.closeWith(out, v.reply)
		}
		return s.reply(out, v.reply), proto.Continue
	}
	if job.changed {
		s.msg.Data, s.msg.Sender, s.msg.Recipients = job.data, job.sender, job.rcpts
		if len(job.rcpts) == 0 { // every recipient removed: nothing to deliver
			s.f.o.Logger.Warn("smtp: milters removed every recipient; message discarded", "filter", "milter", "conn", s.c.ID)
			s.ft.discard = true
		}
	}
	return s.commit(out)
}

// noteMilter logs a failed milter and a refusal, naming the milter.
func (s *session) noteMilter(c *milter.Client, v milter.Verdict, stage string) {
	log := s.f.o.Logger
	if v.Err != nil {
		log.Warn("smtp: milter failed; default action applied", "filter", "milter", "service", c.Service(),
			"err", v.Err, "default", v.Kind.String(), "conn", s.c.ID)
	}
	if v.Kind != milter.Continue {
		log.Info("smtp: rejected by filter", "filter", "milter", "service", c.Service(), "stage", stage,
			"answer", v.Answer, "reply", v.Reply, "remote", s.c.Remote, "conn", s.c.ID)
	}
}

// milterReply turns a milter's reply ("554 5.7.1 text", lines joined by
// CRLF when several) into one reply line.
func milterReply(r string) reply {
	var texts []string
	code, enh := "", ""
	for _, line := range strings.Split(strings.TrimRight(r, "\r\n"), "\r\n") {
		if len(line) < 3 {
			continue
		}
		if code == "" {
			code = line[:3]
		}
		rest := strings.TrimLeft(line[min(4, len(line)):], " ")
		if e, t, ok := strings.Cut(rest, " "); ok && isEnhancedCode(e) {
			if enh == "" {
				enh = e
			}
			rest = t
		}
		texts = append(texts, rest)
	}
	if code == "" || (code[0] != '4' && code[0] != '5') {
		return reply{"451", "4.7.1", "Service unavailable - try again later"}
	}
	if enh != "" && enh[0] != code[0] {
		enh = ""
	}
	return reply{code: code, enh: enh, text: oneLine(strings.Join(texts, " "))}
}

func isEnhancedCode(s string) bool {
	p := strings.Split(s, ".")
	if len(p) != 3 || len(p[0]) != 1 || (p[0][0] != '2' && p[0][0] != '4' && p[0][0] != '5') {
		return false
	}
	for _, x := range p[1:] {
		if x == "" || len(x) > 3 || strings.Trim(x, "0123456789") != "" {
			return false
		}
	}
	return true
}

// oneLine drops line breaks and NULs, so text can go into a reply or header.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return ' '
		}
		return r
	}, s)
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
