package smtp

import "bytes"

// mailParams are the MAIL FROM parameters we understand.
type mailParams struct {
	size               int64
	sizeSeen, bodySeen bool
	utf8, authSeen     bool
}

// mailParams parses `*(SP esmtp-param)` after the reverse path. It returns
// the reply to give when the parameters are refused.
func (s *session) mailParams(b []byte, mp *mailParams) (reply, bool) {
	for len(b) > 0 {
		if b[0] != ' ' {
			return rMailSyntax, false
		}
		b = b[1:]
		tok := b
		if i := bytes.IndexByte(b, ' '); i >= 0 {
			tok, b = b[:i], b[i:]
		} else {
			b = nil
		}
		kw, val, hasVal := bytes.Cut(tok, []byte{'='})
		if !validKeyword(kw) || (hasVal && !validValue(val)) {
			return rMailSyntax, false
		}
		if r, ok := s.mailParam(kw, val, hasVal, mp); !ok {
			return r, false
		}
	}
	return reply{}, true
}

func (s *session) mailParam(kw, val []byte, hasVal bool, mp *mailParams) (reply, bool) {
	switch {
	case asciiFold(kw, "SIZE") && s.set.sizeAdv:
		n, ok := parseDecimal(val)
		if !hasVal || !ok || mp.sizeSeen {
			return rMailSyntax, false
		}
		mp.size, mp.sizeSeen = n, true
	case asciiFold(kw, "BODY"):
		if mp.bodySeen || !(asciiFold(val, "7BIT") || asciiFold(val, "8BITMIME")) {
			return rBadParam, false
		}
		mp.bodySeen = true
	case asciiFold(kw, "SMTPUTF8") && s.set.utf8:
		if hasVal || mp.utf8 {
			return rMailSyntax, false
		}
		mp.utf8 = true
	case asciiFold(kw, "AUTH") && (s.users[mechPlain] != nil || s.users[mechLogin] != nil):
		// RFC 4954 5: the submitter's identity; accepted and not trusted.
		if !hasVal || mp.authSeen {
			return rMailSyntax, false
		}
		mp.authSeen = true
	default:
		return rBadParam, false
	}
	return reply{}, true
}

// validKeyword: esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").
func validKeyword(b []byte) bool {
	if len(b) == 0 || !isLetDig(b[0]) {
		return false
	}
	for _, c := range b {
		if !isLetDig(c) && c != '-' {
			return false
		}
	}
	return true
}

// validValue: esmtp-value = 1*(%d33-60 / %d62-126), UTF-8 tolerated.
func validValue(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 33 || c == '=' || c == 127 {
			return false
		}
	}
	return true
}

// parseDecimal parses 1-18 ASCII digits.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// asciiFold reports whether b equals s ignoring ASCII case; s is upper or
// lower case ASCII.
func asciiFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c, d := b[i], s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if 'a' <= d && d <= 'z' {
			d -= 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

func cutPrefixFold(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) || !asciiFold(b[:len(prefix)], prefix) {
		return nil, false
	}
	return b[len(prefix):], true
}
