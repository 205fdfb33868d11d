package http

import (
	"bytes"
	"net/mail"
	"strconv"

	"sluice/proto"
	"sluice/proto/http/tmpl"
)

// envSender is the envelope sender when no return_path is given: the From
// address (of the rendered email_rfc822 header for that shape).
func (p *txPlan) envSender(d *tmpl.Data, sc *txScratch) (string, *apiErr) {
	if p.rfc822 != nil {
		v, err := renderPart(p.rfc822, d, tmpl.Text, &sc.a)
		if err != nil {
			return "", renderErr("email_rfc822", err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(sc.a[:len(v)]))
		if err != nil {
			return "", badData("email_rfc822 does not parse as a message: " + err.Error())
		}
		a, err := mail.ParseAddress(m.Header.Get("From"))
		if err != nil {
			return "", badData("email_rfc822 needs a From: address or a return_path")
		}
		return a.Address, nil
	}
	_, addr, e := p.fromAddr(d, sc)
	return addr, e
}

// apiError answers a refused request in Momentum 4's error shape.
func (s *session) apiError(out []byte, e *apiErr) ([]byte, proto.Action) {
	b := append(s.resp[:0], `{"errors":[`...)
	b = appendAPIErr(b, e)
	if len(s.tx.rej) > 1 {
		b = append(b, `],"results":{"rcpt_to_errors":[`...)
		b = s.appendRejections(b)
		b = append(b, `],"total_rejected_recipients":`...)
		b = appendInt(b, len(s.tx.rej))
		b = append(b, `,"total_accepted_recipients":0}}`...)
	} else {
		b = append(b, "]}"...)
	}
	s.resp = b
	return s.reply(out, e.status, ctJSON, b, "")
}

func appendAPIErr(b []byte, e *apiErr) []byte {
	b = append(b, `{"message":`...)
	b = appendJSONString(b, e.msg)
	if e.code != "" {
		b = append(b, `,"code":`...)
		b = appendJSONString(b, e.code)
	}
	if e.desc != "" {
		b = append(b, `,"description":`...)
		b = appendJSONString(b, e.desc)
	}
	if e.part != "" {
		b = append(b, `,"part":`...)
		b = appendJSONString(b, e.part)
		if e.line > 0 {
			b = append(b, `,"line":`...)
			b = strconv.AppendInt(b, int64(e.line), 10)
		}
	}
	return append(b, '}')
}

func (s *session) appendRejections(b []byte) []byte {
	for i, r := range s.tx.rej {
		if i > 0 {
			b = append(b, ',')
		}
		e := *r.e
		e.desc = "recipients[" + strconv.Itoa(r.i) + "]: " + e.desc
		b = appendAPIErr(b, &e)
	}
	return b
}

// transmitDone answers POST /api/v1/transmissions and /api/v1/messages
// once every message is durable: Momentum's results, with the refused
// recipients (code 2000, "transmission created, but with validation
// errors") when some were refused.
func (s *session) transmitDone(out []byte) ([]byte, proto.Action) {
	if err := s.firstErr(); err != nil {
		return s.reply(out, 503, ctJSON, appendErrorJSON(s.resp[:0], spoolReason(err)), retryAfter)
	}
	b := s.resp[:0]
	if len(s.tx.rej) > 0 {
		b = append(b, `{"errors":[{"message":"transmission created, but with validation errors","code":"2000"}],"results":{"rcpt_to_errors":[`...)
		b = s.appendRejections(b)
		b = append(b, "],"...)
	} else {
		b = append(b, `{"results":{`...)
	}
	b = append(b, `"total_rejected_recipients":`...)
	b = appendInt(b, len(s.tx.rej))
	b = append(b, `,"total_accepted_recipients":`...)
	n := 0
	for i := range s.msgs {
		n += len(s.msgs[i].Recipients)
	}
	b = appendInt(b, n)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, s.results[0].ID)
	b = append(b, "}}"...)
	s.resp = b
	return s.reply(out, 200, ctJSON, b, "")
}
