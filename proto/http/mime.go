package http

import (
	"mime/quotedprintable"
)

// appender is an io.Writer that appends to a byte slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
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
