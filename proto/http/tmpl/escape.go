package tmpl

// escapeInPlace rewrites dst[start:] through esc: the escaped form is
// appended after the value and then moved into place. Nothing is allocated
// when no byte needs escaping, or when dst has room.
func escapeInPlace(dst []byte, start int, need func(c byte) bool,
	esc func(dst []byte, c byte) []byte) []byte {
	i := start
	for i < len(dst) && !need(dst[i]) {
		i++
	}
	if i == len(dst) {
		return dst
	}
	end := len(dst)
	dst = append(dst, dst[start:i]...)
	for j := i; j < end; j++ {
		if c := dst[j]; need(c) {
			dst = esc(dst, c)
		} else {
			dst = append(dst, c)
		}
	}
	n := copy(dst[start:], dst[end:])
	return dst[:start+n]
}

func needHTML(c byte) bool {
	return c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c == '/'
}

// htmlEscape escapes as Momentum does: & < > " ' and /.
func htmlEscape(dst []byte, c byte) []byte {
	switch c {
	case '&':
		return append(dst, "&amp;"...)
	case '<':
		return append(dst, "&lt;"...)
	case '>':
		return append(dst, "&gt;"...)
	case '"':
		return append(dst, "&quot;"...)
	case '\'':
		return append(dst, "&#x27;"...)
	}
	return append(dst, "&#x2F;"...)
}

// needURL: everything but RFC 3986 unreserved bytes is percent-encoded.
func needURL(c byte) bool {
	return !(isLetter(c) || isDigit(c) || c == '-' || c == '.' || c == '~')
}

func urlEscape(dst []byte, c byte) []byte {
	const hex = "0123456789ABCDEF"
	return append(dst, '%', hex[c>>4], hex[c&15])
}
