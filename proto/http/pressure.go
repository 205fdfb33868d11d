package http

import "sluice/proto"

// pressured refuses an injection while the spool is above
// Spool_High_Water (FactoryOptions.Pressure): 503 with Retry-After, and
// nothing is submitted.
func (s *session) pressured(out []byte) ([]byte, proto.Action, bool) {
	if p := s.f.o.Pressure; p == nil || !p.On() {
		return out, proto.Continue, false
	}
	s.msgs = s.msgs[:0]
	s.resp = appendErrorJSON(s.resp[:0], "insufficient system storage: the spool is above its high-water mark; retry later")
	out, a := s.reply(out, 503, ctJSON, s.resp, "Retry-After: 30\r\n")
	return out, a, true
}
