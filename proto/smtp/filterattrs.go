package smtp

import (
	"bytes"
	"crypto/tls"
	"strconv"
	"strings"

	pdel "sluice/filter/policy"
)

// The policy delegation request: every attribute Postfix sends that sluice
// knows (docs/filters.md), built on the worker from the session's state.

// policyAttrs is the request for one lookup, built on the worker.
func (s *session) policyAttrs(state, rcpt string) []pdel.Attr {
	name := "SMTP"
	if s.ehlo {
		name = "ESMTP"
	}
	client := s.c.Remote.Addr().Unmap().String()
	port := strconv.Itoa(int(s.c.Remote.Port()))
	if s.c.Unix {
		client, port = "127.0.0.1", "0"
	}
	sm, su := s.fs.saslMethod, s.fs.saslUser
	if !s.authed { // TLSStarted forgets an AUTH
		sm, su = "", ""
	}
	kv := [...]string{
		"request", "smtpd_access_policy",
		"protocol_state", state,
		"protocol_name", name,
		"helo_name", string(s.heloName),
		"queue_id", "",
		"sender", string(s.tx.arena[:s.tx.ends[0]]),
		"recipient", rcpt,
		"recipient_count", strconv.Itoa(s.rcptCount(state)),
		"client_address", client,
		"client_port", port,
		"client_name", "unknown",
		"reverse_client_name", "unknown",
		"server_address", s.c.Local.Addr().Unmap().String(),
		"server_port", strconv.Itoa(int(s.c.Local.Port())),
		"instance", strconv.FormatUint(s.c.ID, 16) + "." + strconv.FormatUint(s.fs.seq, 16),
		"sasl_method", sm,
		"sasl_username", su,
		"sasl_sender", "",
		"size", strconv.FormatInt(s.msgSize(state), 10),
		"ccert_subject", "",
		"ccert_issuer", "",
		"ccert_fingerprint", "",
		"encryption_protocol", s.tlsName(),
		"encryption_cipher", s.fs.tlsCipher,
		"encryption_keysize", strconv.Itoa(s.fs.tlsBits),
		"etrn_domain", "",
		"stress", "",
		"mail_version", "sluice",
	}
	a := make([]pdel.Attr, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		a = append(a, pdel.Attr{Name: kv[i], Value: kv[i+1]})
	}
	return a
}

// rcptCount is recipient_count: accepted recipients, 0 before DATA as in
// Postfix.
func (s *session) rcptCount(state string) int {
	if state == "RCPT" {
		return 0
	}
	return s.nrcpt()
}

// msgSize is the declared SIZE= at RCPT and the real size at the end.
func (s *session) msgSize(state string) int64 {
	if state == "RCPT" {
		return s.ft.size
	}
	return s.d.size
}

func (s *session) tlsName() string {
	switch {
	case !s.tls:
		return ""
	case s.fs.tlsVersion != "":
		return s.fs.tlsVersion
	}
	return "TLS"
}

// noteTLS keeps what the policy and the milters are told about TLS.
func (fs *filterSess) noteTLS(cs *tls.ConnectionState) {
	if cs == nil {
		return
	}
	fs.tlsVersion = strings.Replace(tls.VersionName(cs.Version), "TLS 1.", "TLSv1.", 1)
	fs.tlsCipher = tls.CipherSuiteName(cs.CipherSuite)
	fs.tlsBits = 128
	if strings.Contains(fs.tlsCipher, "256") || strings.Contains(fs.tlsCipher, "CHACHA20") {
		fs.tlsBits = 256
	}
}

// noteSASL keeps the mechanism and user name of a successful AUTH for the
// policy's sasl_method and sasl_username.
func (s *session) noteSASL(mech uint8, loginUser, plainResp []byte) {
	if mech == authPLAIN {
		_, rest, _ := bytes.Cut(plainResp, []byte{0})
		user, _, _ := bytes.Cut(rest, []byte{0})
		s.fs.saslMethod, s.fs.saslUser = "PLAIN", string(user)
		return
	}
	s.fs.saslMethod, s.fs.saslUser = "LOGIN", string(loginUser)
}
