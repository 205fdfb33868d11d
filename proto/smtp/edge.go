package smtp

import (
	"sluice/proto"
)

// The edge's SMTP replies (docs/edge.md): per-source limits, in Postfix's
// words (anvil), and the postscreen-style refusals before the banner.

// throttled counts a MAIL against Inbound_Throttle_Messages; over the limit
// it is answered 450 4.7.1 and the transaction does not start. Every MAIL
// attempt counts, accepted or not, as in Postfix.
func (s *session) throttled(out []byte) ([]byte, bool) {
	if s.f.o.Messages == nil {
		return out, false
	}
	if ok, _ := s.f.o.Messages.AllowMessage(s.c, s.h.Now()); ok {
		return out, false
	}
	r := reply{"450", "4.7.1", "Error: too much mail from " + s.c.Remote.Addr().String()}
	return s.reply(out, r), true
}

// refuseRate is the line for a connection over a per-source limit.
func (f *Factory) refuseRate(c *proto.ConnInfo, host string) reply {
	return reply{"421", "4.7.0", host + " Error: too many connections from " + c.Remote.Addr().String()}
}

// rPregreet refuses a client that talked before the banner (Pregreet_Delay).
var rPregreet = reply{"554", "5.5.1", "Error: client talked before the banner"}

// refuseDNSBL refuses a client listed by DNSBL_Zones, naming the zone.
func refuseDNSBL(c *proto.ConnInfo) reply {
	return reply{"554", "5.7.1", "Service unavailable; client [" + c.Remote.Addr().String() + "] blocked using " + c.Listed}
}
