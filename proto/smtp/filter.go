package smtp

import (
	"sluice/filter/milter"
	pdel "sluice/filter/policy"
	"sluice/proto"
)

// Filter hooks (docs/filters.md). A lookup never runs on the worker: the
// session copies what the lookup needs, sets stFilter, calls Host.Go and
// returns Suspend; the engine feeds nothing more until Resume brings the
// answer back. The job is written only by the goroutine before it returns
// and read only by Resume afterwards (Host.Go orders the two).

// filterTx is the per-transaction filter state; resetTx clears it.
type filterTx struct {
	size    int64    // MAIL FROM SIZE=, for the policy's size attribute
	prepend []string // headers from PREPEND answers, in order
	discard bool     // a DISCARD answer: accept, then drop the message
	job     *filterJob
}

// filterSess is the per-session filter state.
type filterSess struct {
	seq        uint64         // messages begun, for the policy's instance attribute
	convs      []*milter.Conv // one per Milter, made at the first RCPT
	saslMethod string
	saslUser   string
	tlsVersion string // "TLSv1.3", after TLSStarted
	tlsCipher  string
	tlsBits    int
}

// Job stages.
const (
	jobRcpt uint8 = iota
	jobMessage
)

type filterJob struct {
	stage     uint8
	rcptStart int          // jobRcpt: arena offset of the candidate recipient
	pol       pdel.Outcome // the policy answer
	msg       msgVerdict   // jobMessage: the end-of-message verdict

	// jobMessage, written by the goroutine: each milter's verdict and the
	// message as the milters left it.
	mv      []milter.Verdict
	changed bool
	data    []byte
	sender  string
	rcpts   []string
}

// msgVerdict is what the end-of-message filters decided.
type msgVerdict struct {
	reply   reply  // code != "": refuse the message with this reply
	filter  string // who refused or failed, for the log
	answer  string // the filter's raw answer, for the log
	discard bool
	close   bool
}

// acceptRcpt records a recipient that passed the session's own checks,
// or suspends to ask the policy service and then the milters first (in
// that order, as Postfix checks a command before its milters).
func (s *session) acceptRcpt(mailbox []byte, out []byte) []byte {
	start := len(s.tx.arena)
	s.tx.arena = append(s.tx.arena, mailbox...)
	fs := &s.set.flt
	if !fs.policyRcpt && len(fs.milters) == 0 {
		return s.addRcpt(out)
	}
	job := &filterJob{stage: jobRcpt, rcptStart: start}
	s.ft.job = job
	s.st = stFilter
	rcpt := string(mailbox)
	var attrs []pdel.Attr
	if fs.policyRcpt {
		attrs = s.policyAttrs("RCPT", rcpt)
	}
	pc, convs := fs.policy, s.convs()
	var env *milter.Envelope
	if len(convs) > 0 {
		env = s.milterEnvelope(string(s.tx.arena[:s.tx.ends[0]]), nil)
	}
	s.h.Go(func() (string, error) {
		if attrs != nil {
			job.pol = pc.Check(attrs)
			if k := job.pol.Decision.Kind; k == pdel.Reject || k == pdel.Defer {
				return "", nil
			}
		}
		for _, cv := range convs {
			v := cv.Rcpt(env, rcpt)
			job.mv = append(job.mv, v)
			if v.Kind != milter.Continue {
				break
			}
		}
		return "", nil
	})
	return out
}

// addRcpt commits the candidate recipient at the end of the arena.
func (s *session) addRcpt(out []byte) []byte {
	s.connRcpts++
	s.tx.ends = append(s.tx.ends, int32(len(s.tx.arena)))
	return s.reply(out, rRcptOK)
}

// suspended is the action after a command: Suspend while a lookup runs.
func (s *session) suspended() proto.Action {
	if s.st == stFilter {
		return proto.Suspend
	}
	return proto.Continue
}

// resumeFilter finishes the command a lookup held.
func (s *session) resumeFilter(out []byte) ([]byte, proto.Action) {
	job := s.ft.job
	s.ft.job = nil
	s.st = stCmd
	if job == nil {
		return out, proto.Continue
	}
	if job.stage == jobMessage {
		return s.resumeMessage(job, out)
	}
	rcpt := string(s.tx.arena[job.rcptStart:])
	var d pdel.Decision
	if s.set.flt.policyRcpt {
		d = s.notePolicy(job.pol, "RCPT", rcpt)
	}
	var r reply
	switch d.Kind {
	case pdel.Reject, pdel.Defer:
		r = decisionReply(d, "<"+rcpt+">: Recipient address rejected: ")
	}
	discard := d.Kind == pdel.Discard
	for i, v := range job.mv {
		s.noteMilter(s.set.flt.milters[i], v, "RCPT")
		switch v.Kind {
		case milter.Reject, milter.Tempfail:
			r = milterReply(v.Reply)
		case milter.Discard:
			discard = true
		}
	}
	if r.code != "" {
		s.tx.arena = s.tx.arena[:job.rcptStart]
		if d.Close {
			return s.closeWith(out, r)
		}
		return s.rejectRcpt(out, r), proto.Continue
	}
	if d.Kind == pdel.Prepend && len(s.ft.prepend) < maxPrepend {
		s.ft.prepend = append(s.ft.prepend, d.Text)
	}
	if discard {
		s.ft.discard = true
	}
	return s.addRcpt(out), proto.Continue
}

// convs returns the session's milter conversations, made at first use.
func (s *session) convs() []*milter.Conv {
	if s.fs.convs == nil && len(s.set.flt.milters) > 0 {
		for _, c := range s.set.flt.milters {
			s.fs.convs = append(s.fs.convs, c.NewConv())
		}
	}
	return s.fs.convs
}

// closeConvs ends the milter conversations off the worker (QUIT may
// block on a stuck milter); an operation in flight finishes first.
func (s *session) closeConvs() {
	if convs := s.fs.convs; convs != nil {
		s.fs.convs = nil
		go func() {
			for _, cv := range convs {
				cv.Close()
			}
		}()
	}
}

// maxPrepend bounds the PREPEND headers kept for one message.
const maxPrepend = 32

// notePolicy logs a failed lookup, an unsupported action and a refusal,
// naming the service, and returns the decision to apply.
func (s *session) notePolicy(o pdel.Outcome, stage, rcpt string) pdel.Decision {
	d := o.Decision
	log := s.f.o.Logger
	svc := s.set.flt.policy.Service()
	switch {
	case o.Err != nil:
		log.Warn("smtp: policy service failed; default action applied", "filter", "policy", "service", svc,
			"stage", stage, "err", o.Err, "default", d.Kind.String(), "conn", s.c.ID)
	case d.Warn != "":
		log.Warn("smtp: policy action not supported", "filter", "policy", "service", svc, "action", o.Action, "note", d.Warn)
	}
	if d.Kind == pdel.Reject || d.Kind == pdel.Defer {
		log.Info("smtp: rejected by filter", "filter", "policy", "service", svc, "stage", stage,
			"answer", o.Action, "reply", d.Code, "rcpt", rcpt, "remote", s.c.Remote, "conn", s.c.ID)
	}
	return d
}

// decisionReply is the SMTP reply of a Reject or Defer decision, in
// Postfix's form: "554 5.7.1 <a@b>: Recipient address rejected: text".
func decisionReply(d pdel.Decision, prefix string) reply {
	enh := d.Enhanced
	if enh == "" {
		enh = string(d.Code[0]) + ".7.1"
	}
	text := d.Text
	if text == "" {
		text = "Access denied"
	}
	return reply{code: d.Code, enh: enh, text: prefix + text}
}
