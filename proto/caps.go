package proto

import "crypto/tls"

// Optional capabilities, named so that every package asks for them the same
// way (a type assertion on one of these) and every implementation states
// them with a compile-time check (var _ proto.TLSStarter = (*session)(nil)).

// TLSStarter is a Session that wants to know when TLS is up (SMTP resets to
// the post-banner state and reads the client certificate). The engine calls
// it after the handshake, before the first decrypted byte is fed.
type TLSStarter interface {
	TLSStarted(cs *tls.ConnectionState)
}

// TLSConfigurer is a Factory that can terminate TLS (STARTTLS, Use_SSL):
// it builds the server configuration from a Listen's policy. The daemon
// asks for it when it builds a Listen, so a bad certificate fails the load.
type TLSConfigurer interface {
	TLSConfig(c *ConnInfo) (*tls.Config, error)
}

// Rejecter is a Host that counts rejections a wrapper cannot infer from the
// session's output (metrics.Instrument offers it): a refused recipient and
// a refused message (MAIL or DATA refused, not a spool failure).
type Rejecter interface {
	RejectRecipient(code int)
	RejectMessage(code int)
}
