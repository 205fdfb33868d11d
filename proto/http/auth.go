package http

import (
	"bytes"
	"encoding/base64"

	"sluice/internal/creds"
)

// authMode is the outcome of the IP ACL and Enable_Authentication, decided
// once per connection (momentum-spec §5: always_deny beats always_allow,
// then enable_authentication, then Basic).
type authMode uint8

const (
	authOpen      authMode = iota // authentication not enabled
	authDeny                      // always_deny: 403 whatever the credentials
	authBasic                     // HTTP Basic against AuthPlainParameters
	authOpenAllow                 // always_allow: no credentials, API keys included
)

// checkBasic validates an Authorization header value against db without
// allocating; buf is scratch space for the decoded credentials.
func checkBasic(db *creds.Users, hdr []byte, buf []byte) bool {
	const scheme = "basic "
	if db.Len() == 0 || len(hdr) <= len(scheme) || !bytes.EqualFold(hdr[:len(scheme)], []byte(scheme)) {
		return false
	}
	enc := bytes.TrimSpace(hdr[len(scheme):])
	if base64.StdEncoding.DecodedLen(len(enc)) > len(buf) {
		return false
	}
	n, err := base64.StdEncoding.Decode(buf, enc)
	if err != nil {
		return false
	}
	user, pass, ok := bytes.Cut(buf[:n], []byte{':'})
	if !ok {
		return false
	}
	return db.Check(user, pass)
}
