package http

import (
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"time"
)

// appender is an io.Writer that appends to a byte slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// buildMessage writes a transmission for one recipient as an RFC 5322
// message. Bodies are quoted-printable, so a boundary starting with "=_"
// can never occur inside a part.
func (s *session) buildMessage(dst []byte, req *transReq, sender string, from, to *mail.Address) []byte {
	now := s.h.Now()
	id := strconv.FormatInt(now.UnixNano(), 36) + "." + strconv.FormatUint(s.c.ID, 36) +
		"." + strconv.FormatUint(s.seq, 36)
	c := &req.Content
	dst = header(dst, "Return-Path", "<"+sender+">")
	dst = header(dst, "Date", now.Format(time.RFC1123Z))
	dst = header(dst, "Message-ID", "<"+id+"@"+s.f.o.Hostname+">")
	dst = header(dst, "From", from.String())
	dst = header(dst, "To", to.String())
	dst = header(dst, "Subject", mime.QEncoding.Encode("utf-8", c.Subject))
	if c.ReplyTo != "" {
		dst = header(dst, "Reply-To", c.ReplyTo)
	}
	dst = header(dst, "MIME-Version", "1.0")
	switch {
	case c.Text != "" && c.HTML != "":
		boundary := "=_sluice_" + id
		dst = header(dst, "Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
		dst = append(dst, "\r\n"...)
		dst = append(dst, "--"+boundary+"\r\n"...)
		dst = part(dst, "text/plain", c.Text)
		dst = append(dst, "--"+boundary+"\r\n"...)
		dst = part(dst, "text/html", c.HTML)
		dst = append(dst, "--"+boundary+"--\r\n"...)
	case c.HTML != "":
		dst = part(dst, "text/html", c.HTML)
	default:
		dst = part(dst, "text/plain", c.Text)
	}
	return dst
}

func header(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// part writes a Content-Type, the blank line and a quoted-printable body
// that ends with CRLF.
func part(dst []byte, ctype, body string) []byte {
	dst = header(dst, "Content-Type", ctype+"; charset=utf-8")
	dst = header(dst, "Content-Transfer-Encoding", "quoted-printable")
	dst = append(dst, "\r\n"...)
	a := appender{dst}
	w := quotedprintable.NewWriter(&a)
	w.Write([]byte(body))
	w.Close()
	if n := len(a.b); n < 2 || a.b[n-2] != '\r' || a.b[n-1] != '\n' {
		a.b = append(a.b, "\r\n"...)
	}
	return a.b
}
