package smtp

import (
	"bytes"
	"encoding/base64"
)

// authState is an AUTH exchange in progress (RFC 4954).
type authState struct {
	mech    uint8 // 0 none, authPLAIN, authLOGIN
	user    [maxLine]byte
	userLen int
	scratch [maxLine]byte // decoded client responses; never escapes
}

const (
	authPLAIN uint8 = iota + 1
	authLOGIN
)

const (
	challengeEmpty = "334 \r\n"
	challengeUser  = "334 VXNlcm5hbWU6\r\n" // "Username:"
	challengePass  = "334 UGFzc3dvcmQ6\r\n" // "Password:"
)

// authCommand starts "AUTH <mechanism> [initial-response]".
func (s *session) authCommand(arg []byte, out []byte) []byte {
	switch {
	case s.authed:
		return s.reply(out, rAuthTwice)
	case s.tx.mail || !s.ehlo:
		return s.reply(out, rBadSeq)
	}
	mech, initial, hasInitial := bytes.Cut(arg, []byte{' '})
	if s.auth == nil {
		s.auth = new(authState)
	}
	switch {
	case asciiFold(mech, "PLAIN") && s.users[mechPlain] != nil:
		s.auth.mech = authPLAIN
		if !hasInitial {
			s.st = stAuth
			return append(out, challengeEmpty...)
		}
	case asciiFold(mech, "LOGIN") && s.users[mechLogin] != nil:
		s.auth.mech = authLOGIN
		s.auth.userLen = -1
		if !hasInitial {
			s.st = stAuth
			return append(out, challengeUser...)
		}
	default:
		return s.reply(out, rMechanism)
	}
	if bytes.Equal(initial, []byte{'='}) { // RFC 4954 4: "=" is an empty response
		initial = initial[:0]
	}
	return s.authStep(initial, out)
}

// authLine handles a client response line during AUTH.
func (s *session) authLine(line []byte, out []byte) []byte {
	if bytes.Equal(line, []byte{'*'}) {
		s.endAuth()
		return s.reply(out, rAuthCancel)
	}
	return s.authStep(line, out)
}

func (s *session) endAuth() {
	if s.auth != nil {
		s.auth.mech, s.auth.userLen = 0, 0
	}
	s.st = stCmd
}

// authStep decodes one base64 response and advances the mechanism.
func (s *session) authStep(b64 []byte, out []byte) []byte {
	a := s.auth
	n, err := base64.StdEncoding.Decode(a.scratch[:], b64)
	if err != nil || base64.StdEncoding.DecodedLen(len(b64)) > len(a.scratch) {
		s.endAuth()
		return s.reply(out, rBadBase64)
	}
	resp := a.scratch[:n]
	if a.mech == authLOGIN && a.userLen < 0 {
		a.userLen = copy(a.user[:], resp)
		s.st = stAuth
		return append(out, challengePass...)
	}
	var ok bool
	if a.mech == authPLAIN {
		ok = s.checkPlain(resp)
	} else {
		ok = s.users[mechLogin].Check(a.user[:a.userLen], resp)
	}
	if ok {
		s.noteSASL(a.mech, a.user[:max(a.userLen, 0)], resp)
	}
	s.endAuth()
	if !ok {
		s.bad++ // failed logins count towards the bad-command limit
		return appendReply(out, rAuthFail, s.set.enhanced)
	}
	s.authed = true
	return s.reply(out, rAuthOK)
}

// checkPlain checks "authzid NUL authcid NUL password" (RFC 4616); an
// authzid other than the authcid is refused.
func (s *session) checkPlain(resp []byte) bool {
	authz, rest, ok := bytes.Cut(resp, []byte{0})
	if !ok {
		return false
	}
	user, pass, ok := bytes.Cut(rest, []byte{0})
	if !ok || (len(authz) > 0 && !bytes.Equal(authz, user)) {
		return false
	}
	return s.users[mechPlain].Check(user, pass)
}
