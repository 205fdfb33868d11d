package http

import (
	"strings"

	"sluice/proto"
)

// rawMessage serves POST /api/v1/messages: the body is the message, stored
// byte for byte; X-Mail-From and X-Rcpt-To carry the envelope.
func (s *session) rawMessage(out []byte) ([]byte, proto.Action) {
	s.tx.rej = s.tx.rej[:0]
	if !s.req.mailFrom {
		return s.badRequest(out, "X-Mail-From header is required (use <> for the null sender)")
	}
	from, ok := cleanAddr(s.env.str(s.env.from), true)
	if !ok {
		return s.badRequest(out, "invalid X-Mail-From address")
	}
	if len(s.env.rcpts) == 0 {
		return s.badRequest(out, "at least one X-Rcpt-To header is required")
	}
	for _, sp := range s.env.rcpts {
		to, ok := cleanAddr(s.env.str(sp), false)
		if !ok {
			return s.badRequest(out, "invalid X-Rcpt-To address")
		}
		s.rcpts = append(s.rcpts, to)
	}
	if len(s.body.data) == 0 {
		return s.badRequest(out, "empty message body")
	}
	s.msgs = append(s.msgs[:0], proto.Message{Protocol: "http", Sender: from,
		Recipients: s.rcpts, Data: s.body.data})
	return s.submit(out)
}

// badRequest answers 400 for a well-framed request with bad content; the
// connection stays open.
func (s *session) badRequest(out []byte, why string) ([]byte, proto.Action) {
	s.resp = appendErrorJSON(s.resp[:0], why)
	return s.reply(out, 400, ctJSON, s.resp, "")
}

// cleanAddr turns "<a@b>" or "a@b" into the bare address. The null sender
// ("" or "<>") is allowed only when nullOK. A recipient must have a domain,
// except postmaster (RFC 5321 §4.5.1).
func cleanAddr(a string, nullOK bool) (string, bool) {
	a = strings.TrimSpace(a)
	if len(a) >= 2 && a[0] == '<' && a[len(a)-1] == '>' {
		a = a[1 : len(a)-1]
	}
	if a == "" {
		return "", nullOK
	}
	if len(a) > 320 {
		return "", false
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' {
			return "", false
		}
	}
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return a, !nullOK && strings.EqualFold(a, "postmaster")
	}
	return a, at > 0 && at < len(a)-1
}
