package http

import (
	"errors"
	"strings"

	"sluice/proto"
)

// dispatch serves a complete request whose body (if any) is in s.body.data.
func (s *session) dispatch(out []byte) ([]byte, proto.Action) {
	switch s.rt {
	case rInject:
		if s.req.method != mPOST {
			return s.reply(out, 200, "", nil, "") // Momentum's connectivity check
		}
		return s.inject(out)
	case rTransmissions:
		return s.transmit(out)
	case rMessages:
		return s.rawMessage(out)
	case rHealthz:
		return s.reply(out, 200, ctText, []byte("ok\n"), "")
	case rReadyz:
		if s.h.ShuttingDown() {
			return s.reply(out, 503, ctText, []byte("not ready: shutting down\n"), "")
		}
		if s.f.o.Ready == nil {
			return s.reply(out, 200, ctText, []byte("ready\n"), "")
		}
		return s.call(out, s.f.ready)
	case rSummary:
		if s.req.method == mDELETE {
			return s.call(out, s.f.resetSummary)
		}
		return s.call(out, s.f.summary)
	case rMetrics:
		return s.call(out, s.f.metrics)
	case rTemplates, rTemplate:
		return s.templates(out)
	case rCluster:
		return s.call(out, s.f.o.Cluster)
	}
	return s.reply(out, 404, ctJSON, appendErrorJSON(s.resp[:0], "not found"), "")
}

// call runs an operator callback off the worker; Resume answers.
func (s *session) call(out []byte, fn func() (string, error)) ([]byte, proto.Action) {
	s.st = stWait
	s.results = s.results[:0]
	s.msgs = s.msgs[:0]
	s.h.Go(fn)
	return out, proto.Suspend
}

// submit hands every message in s.msgs to the spool; the answer waits for
// all of their Resumes.
func (s *session) submit(out []byte) ([]byte, proto.Action) {
	for i := range s.msgs {
		if s.maxMsg > 0 && int64(len(s.msgs[i].Data)) > s.maxMsg {
			s.msgs = s.msgs[:0]
			s.resp = appendErrorJSON(s.resp[:0], "message exceeds Max_Message_Size")
			return s.reply(out, 413, ctJSON, s.resp, "")
		}
	}
	if out, a, refused := s.pressured(out); refused {
		return out, a
	}
	if out, a, refused := s.throttled(out); refused {
		return out, a
	}
	if !s.takeBuilt() {
		s.msgs = s.msgs[:0]
		s.resp = appendErrorJSON(s.resp[:0], errNoMem.why)
		return s.reply(out, 503, ctJSON, s.resp, "Retry-After: 60\r\n")
	}
	s.st = stWait
	s.results = s.results[:0]
	for i := range s.msgs {
		s.h.Submit(&s.msgs[i])
	}
	return out, proto.Suspend
}

// Resume collects spool results (one per Submit, in order) or the result of
// an operator callback, and answers once the last one is in.
func (s *session) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	if s.st != stWait {
		return out, proto.Continue
	}
	s.results = append(s.results, r)
	if len(s.results) < len(s.msgs) {
		return out, proto.Suspend
	}
	switch s.rt {
	case rInject:
		return s.injectDone(out)
	case rTransmissions, rMessages:
		if s.tx.job != nil { // a large transmission built off the worker
			return s.txBuilt(out, s.tx.job)
		}
		return s.transmitDone(out)
	case rTemplates, rTemplate:
		return s.tplDone(out, r)
	case rReadyz:
		if r.Err != nil {
			return s.reply(out, 503, ctText, append(append(s.resp[:0], "not ready: "...), r.Err.Error()+"\n"...), "")
		}
		return s.reply(out, 200, ctText, []byte("ready\n"), "")
	case rSummary, rCluster:
		if r.Err != nil {
			return s.reply(out, 500, ctJSON, appendErrorJSON(s.resp[:0], r.Err.Error()), "")
		}
		return s.reply(out, 200, ctJSON, append(s.resp[:0], r.Text...), "")
	case rMetrics:
		if r.Err != nil {
			return s.reply(out, 500, ctText, append(s.resp[:0], r.Err.Error()+"\n"...), "")
		}
		return s.reply(out, 200, ctProm, append(s.resp[:0], r.Text...), "")
	}
	return s.reply(out, 500, ctJSON, appendErrorJSON(s.resp[:0], "internal error"), "")
}

// firstErr returns the first failed spool result.
func (s *session) firstErr() error {
	for _, r := range s.results {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}

const retryAfter = "Retry-After: 60\r\n"

// spoolReason is the text of a failed commit for a client.
func spoolReason(err error) string {
	if errors.Is(err, proto.ErrSpool) {
		return "spool commit failed, try again later"
	}
	return "message not accepted: " + strings.TrimSpace(err.Error())
}

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}
