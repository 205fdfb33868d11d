package http

// appendQP appends body quoted-printable encoded (RFC 2045 §6.7) for a text
// part: line ends (CRLF, lone LF, lone CR) become CRLF hard breaks; '=',
// control bytes and 8-bit bytes are encoded; a space or tab before a line
// end is encoded; lines are soft-broken with "=" before 76 characters. The
// result ends with CRLF. It appends in place: no writer, no allocation
// beyond dst's growth.
func appendQP(dst []byte, body string) []byte {
	const hex = "0123456789ABCDEF"
	const max = 76 // octets per encoded line, the soft-break "=" included
	col := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\r' || c == '\n' {
			if c == '\r' && i+1 < len(body) && body[i+1] == '\n' {
				i++
			}
			dst = append(dst, '\r', '\n')
			col = 0
			continue
		}
		enc := c == '=' || c >= 0x7f || (c < ' ' && c != '\t')
		if (c == ' ' || c == '\t') && (i+1 == len(body) || body[i+1] == '\r' || body[i+1] == '\n') {
			enc = true // trailing white space would be lost in transport
		}
		n := 1
		if enc {
			n = 3
		}
		// Keep room for the soft break's "=" unless this is the line's
		// last octet.
		last := i+1 == len(body) || body[i+1] == '\r' || body[i+1] == '\n'
		if col+n > max-1 && !(last && col+n <= max) {
			dst = append(dst, '=', '\r', '\n')
			col = 0
		}
		if enc {
			dst = append(dst, '=', hex[c>>4], hex[c&15])
		} else {
			dst = append(dst, c)
		}
		col += n
	}
	if n := len(dst); n < 2 || dst[n-2] != '\r' || dst[n-1] != '\n' || col != 0 {
		dst = append(dst, '\r', '\n')
	}
	return dst
}
