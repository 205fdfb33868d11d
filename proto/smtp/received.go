package smtp

// appendReceived writes the trace header (RFC 5321 4.4):
//
//	Received: from <helo> ([<ip>]:<port>)
//		by <received_hostname> (sluice) with <ESMTP|ESMTPS|ESMTPA|ESMTPSA|SMTP|SMTPS>;
//		<RFC 5322 date from Host.Now()>
//
// The with-clause follows RFC 3848. A Unix socket peer shows as
// "(unix socket)". It does not allocate when b has room.
func (s *session) appendReceived(b []byte) []byte {
	b = append(b, "Received: from "...)
	if len(s.heloName) > 0 {
		b = append(b, s.heloName...)
	} else {
		b = append(b, "unknown"...)
	}
	if s.c.Unix {
		b = append(b, " (unix socket)"...)
	} else {
		b = append(b, " (["...)
		b = s.c.Remote.Addr().Unmap().AppendTo(b)
		b = append(b, "]:"...)
		b = appendUint(b, uint64(s.c.Remote.Port()))
		b = append(b, ')')
	}
	b = append(b, "\r\n\tby "...)
	b = append(b, s.set.recvHost...)
	b = append(b, " (sluice) with "...)
	b = append(b, s.withProto()...)
	b = append(b, ";\r\n\t"...)
	b = s.h.Now().AppendFormat(b, "Mon, 02 Jan 2006 15:04:05 -0700")
	return append(b, '\r', '\n')
}

// withProto is the RFC 3848 protocol name of this session.
func (s *session) withProto() string {
	switch {
	case !s.ehlo && s.tls:
		return "SMTPS"
	case !s.ehlo:
		return "SMTP"
	case s.tls && s.authed:
		return "ESMTPSA"
	case s.tls:
		return "ESMTPS"
	case s.authed:
		return "ESMTPA"
	}
	return "ESMTP"
}

func appendUint(b []byte, n uint64) []byte {
	var t [20]byte
	i := len(t)
	for {
		i--
		t[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, t[i:]...)
}
