package http

import "bytes"

// envelope holds the X-Mail-From and X-Rcpt-To values of a POST
// /api/v1/messages request, copied out of the input because the body that
// follows may arrive in later reads.
type envelope struct {
	buf   []byte
	from  [2]int
	rcpts [][2]int
}

func (e *envelope) reset() {
	e.buf, e.from, e.rcpts = e.buf[:0], [2]int{}, e.rcpts[:0]
}

func (e *envelope) add(v []byte) [2]int {
	start := len(e.buf)
	e.buf = append(e.buf, v...)
	return [2]int{start, len(e.buf)}
}

func (e *envelope) str(sp [2]int) string { return string(e.buf[sp[0]:sp[1]]) }

// header records one header field. Names are matched case-insensitively.
func (r *request) header(name, val []byte, env *envelope) *herr {
	switch len(name) {
	case 4:
		if bytes.EqualFold(name, []byte("host")) {
			r.hosts++
		}
	case 6:
		if bytes.EqualFold(name, []byte("expect")) {
			if !bytes.EqualFold(val, []byte("100-continue")) {
				return errExpect
			}
			r.expect = true
		}
	case 9:
		if bytes.EqualFold(name, []byte("x-rcpt-to")) {
			for len(val) > 0 {
				var item []byte
				item, val, _ = bytes.Cut(val, []byte{','})
				if item = trimOWS(item); len(item) > 0 {
					env.rcpts = append(env.rcpts, env.add(item))
				}
			}
		}
	case 10:
		if bytes.EqualFold(name, []byte("connection")) {
			r.connection(val)
		}
	case 11:
		if bytes.EqualFold(name, []byte("x-mail-from")) {
			r.mailFrom = true
			env.from = env.add(val)
		}
	case 13:
		if bytes.EqualFold(name, []byte("authorization")) {
			r.auth = val
		}
	case 14:
		if bytes.EqualFold(name, []byte("content-length")) {
			return r.contentLength(val)
		}
	case 17:
		if bytes.EqualFold(name, []byte("transfer-encoding")) {
			return r.transferEncoding(val)
		}
	}
	return nil
}

func (r *request) contentLength(val []byte) *herr {
	if len(val) == 0 || len(val) > 18 {
		return errBadLength
	}
	var n int64
	for _, c := range val {
		if !isDigit(c) {
			return errBadLength
		}
		n = n*10 + int64(c-'0')
	}
	if r.clen >= 0 && r.clen != n {
		return errBadLength
	}
	r.clen = n
	return nil
}

// transferEncoding accepts exactly one coding in all, "chunked".
func (r *request) transferEncoding(val []byte) *herr {
	for len(val) > 0 {
		var item []byte
		item, val, _ = bytes.Cut(val, []byte{','})
		item = trimOWS(item)
		if len(item) == 0 {
			continue
		}
		if r.chunked || !bytes.EqualFold(item, []byte("chunked")) {
			return errTEUnknown
		}
		r.chunked = true
	}
	return nil
}

func (r *request) connection(val []byte) {
	for len(val) > 0 {
		var item []byte
		item, val, _ = bytes.Cut(val, []byte{','})
		item = trimOWS(item)
		switch {
		case bytes.EqualFold(item, []byte("close")):
			r.closeTok = true
		case bytes.EqualFold(item, []byte("keep-alive")):
			r.keepAlive = true
		}
	}
}

// finish applies the checks that need the whole head.
func (r *request) finish() *herr {
	if (r.minor == 1 && r.hosts != 1) || r.hosts > 1 {
		return errNoHost
	}
	if r.chunked && r.minor == 0 {
		return errTE10
	}
	if r.chunked && r.clen >= 0 {
		return errBothLengths
	}
	if r.minor == 0 {
		r.close = !r.keepAlive || r.closeTok
		r.expect = false
	} else {
		r.close = r.closeTok
	}
	return nil
}

// hasBody reports whether a body follows the head.
func (r *request) hasBody() bool { return r.chunked || r.clen > 0 }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// tokenChars marks RFC 9110 tchar.
var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-32] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChars[c] {
			return false
		}
	}
	return true
}

// validValue rejects control characters other than HTAB (a bare CR or a NUL
// inside a field value is a smuggling vector).
func validValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
