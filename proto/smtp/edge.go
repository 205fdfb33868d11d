package smtp

import (
	"time"

	"sluice/proto"
)

// The edge's SMTP replies (docs/edge.md): per-source limits, in Postfix's
// words (anvil), and the postscreen-style refusals before the banner.

// throttled counts a MAIL against Inbound_Throttle_Messages; over the limit
// it is answered 450 4.7.1 and the transaction does not start. Every MAIL
// that passed the syntax checks counts, as in Postfix. With
// Inbound_Throttle_Tarpit the answer comes only after that delay (the
// session is suspended on a Host.Go that sleeps; Resume answers), the
// Momentum way of slowing a sender down rather than only refusing it.
func (s *session) throttled(out []byte) ([]byte, proto.Action, bool) {
	if s.f.o.Messages == nil {
		return out, proto.Continue, false
	}
	if ok, _ := s.f.o.Messages.AllowMessage(s.c, s.h.Now()); ok {
		return out, proto.Continue, false
	}
	if d := s.c.Policy.Duration("inbound_throttle_tarpit"); d > 0 {
		s.st = stTarpit
		s.h.Go(func() (string, error) { time.Sleep(d); return "", nil })
		return out, proto.Suspend, true
	}
	return s.reply(out, tooMuchMail(s.c)), proto.Continue, true
}

// endTarpit is Resume after the tarpit delay: the 450 is due now.
func (s *session) endTarpit(out []byte) ([]byte, proto.Action) {
	s.st = stCmd
	return s.reply(out, tooMuchMail(s.c)), proto.Continue
}

func tooMuchMail(c *proto.ConnInfo) reply {
	return reply{"450", "4.7.1", "Error: too much mail from " + c.Remote.Addr().String()}
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
