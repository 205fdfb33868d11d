package http

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
	return appendQP(dst, body)
}
