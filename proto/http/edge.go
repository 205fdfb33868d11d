package http

import (
	"strconv"
	"time"

	"sluice/proto"
)

// throttled counts each message of the request against the client's
// Inbound_Throttle_Messages; over the limit the request is answered 429
// with Retry-After (the seconds until the window ends) and nothing is
// submitted.
func (s *session) throttled(out []byte) ([]byte, proto.Action, bool) {
	lim := s.f.o.Messages
	if lim == nil {
		return out, proto.Continue, false
	}
	for range s.msgs {
		if ok, retry := lim.AllowMessage(s.c, s.h.Now()); !ok {
			s.msgs = s.msgs[:0]
			s.resp = appendErrorJSON(s.resp[:0], "too many messages from "+s.c.Remote.Addr().String())
			out, a := s.reply(out, 429, ctJSON, s.resp, retryHeader(retry))
			return out, a, true
		}
	}
	return out, proto.Continue, false
}

// retryHeader is a Retry-After line in whole seconds, at least 1.
func retryHeader(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	return "Retry-After: " + strconv.FormatInt(max(secs, 1), 10) + "\r\n"
}

// refuseRateRetry is the Retry-After of a connection refused by a
// per-source connection limit: the period of the limit that applies.
func refuseRateRetry(c *proto.ConnInfo) string {
	if c == nil || c.Policy == nil {
		return retryAfter
	}
	if d := c.Policy.Duration("inbound_throttle_connections"); d > 0 {
		return retryHeader(d)
	}
	return retryHeader(time.Second)
}
