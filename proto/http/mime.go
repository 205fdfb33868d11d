package http

import "strings"

// header writes one header field. A line longer than 78 characters is
// folded before a space (RFC 5322 §2.2.3), so unfolding gives the value
// back exactly; a run without spaces is never split.
func header(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	if len(name)+2+len(value) <= 78 {
		dst = append(dst, value...)
		return append(dst, "\r\n"...)
	}
	col := len(name) + 2
	for value != "" {
		word := len(value)
		if i := strings.IndexByte(value[1:], ' '); i >= 0 {
			word = i + 1 // up to the next space, this one's leading space included
		}
		if col > 1 && col+word > 78 && value[0] == ' ' {
			dst = append(dst, "\r\n"...)
			col = 0
		}
		dst = append(dst, value[:word]...)
		col += word
		value = value[word:]
	}
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
