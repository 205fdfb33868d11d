package ecstream

import (
	"sluice/proto"
	"sluice/proto/ecstream/wire"
)

// CodeThrottled answers a message over Inbound_Throttle_Messages: a
// temporary failure, as SMTP's 450 4.7.1.
const CodeThrottled = 450

// throttled counts a message that passed the checks against the client's
// Inbound_Throttle_Messages; over the limit its slot is a temporary failure
// and it is not submitted.
func (s *session) throttled(sl slot) slot {
	if s.f.msgs == nil || !sl.submitted {
		return sl
	}
	if ok, _ := s.f.msgs.AllowMessage(s.c, s.h.Now()); ok {
		return sl
	}
	return slot{status: wire.StatusTempFail, code: CodeThrottled, text: "4.7.1 too much mail from " + s.c.Remote.Addr().String()}
}

// refuseRate is the Error frame for a connection over a per-source limit.
func refuseRate(c *proto.ConnInfo, out []byte) []byte {
	return wire.AppendError(out, CodeUnavailable, "4.7.0 too many connections from "+c.Remote.Addr().String())
}
