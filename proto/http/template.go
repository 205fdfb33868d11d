package http

import "strings"

// render substitutes <%= :key %> and [%= :key %] markers in tpl with
// keys[lower(key)] (plain text, no encoding; unknown keys become empty).
// Anything that is not a complete marker is copied as is.
func render(dst []byte, tpl string, keys map[string]string) []byte {
	for {
		i := strings.IndexAny(tpl, "<[")
		if i < 0 {
			return append(dst, tpl...)
		}
		dst = append(dst, tpl[:i]...)
		tpl = tpl[i:]
		key, n := marker(tpl)
		if n == 0 {
			dst = append(dst, tpl[0])
			tpl = tpl[1:]
			continue
		}
		dst = append(dst, keys[strings.ToLower(key)]...)
		tpl = tpl[n:]
	}
}

// marker parses a marker at the start of t, returning its key and length,
// or n == 0 if t does not start with one.
func marker(t string) (key string, n int) {
	var closer string
	switch {
	case strings.HasPrefix(t, "<%="):
		closer = "%>"
	case strings.HasPrefix(t, "[%="):
		closer = "%]"
	default:
		return "", 0
	}
	end := strings.Index(t[3:], closer)
	if end < 0 {
		return "", 0
	}
	inner := strings.TrimSpace(t[3 : 3+end])
	if len(inner) < 2 || inner[0] != ':' {
		return "", 0
	}
	key = strings.TrimSpace(inner[1:])
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c == '%' || c >= 0x7f {
			return "", 0
		}
	}
	if key == "" {
		return "", 0
	}
	return key, 3 + end + len(closer)
}

// appendCRLF appends src with every line ending (CRLF, lone LF, lone CR)
// written as CRLF, and ends the message with a CRLF.
func appendCRLF(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			dst = append(dst, '\r', '\n')
		case '\n':
			dst = append(dst, '\r', '\n')
		default:
			dst = append(dst, c)
		}
	}
	if len(dst) < 2 || dst[len(dst)-2] != '\r' || dst[len(dst)-1] != '\n' {
		dst = append(dst, '\r', '\n')
	}
	return dst
}
