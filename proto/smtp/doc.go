// Package smtp is the ESMTP_Listener protocol: an RFC 5321 server session
// as a pure state machine on the proto.Session contract, following
// Momentum's listener options and reply texts (momentum-spec §3.3, §6).
// docs/smtp.md has the reply table, the extensions and the limits.
//
// # Invariants
//
//   - A message is answered 250 only after Resume delivered a Result with
//     Err == nil; a spool error answers 451 4.3.0 and the message is not
//     acknowledged. A message is submitted only whole: at CRLF.CRLF or at
//     the end of BDAT LAST, never on a partial body.
//   - Only CRLF "." CRLF ends DATA, whatever the read boundaries; a bare LF
//     or CR never starts a line, so LF.LF and LF.CRLF never end a body.
//   - Only CRLF ends a command line. A line longer than 512 octets is read
//     to its CRLF and dropped with 500; at most 511 octets are ever left
//     unconsumed (BDAT chunks and DATA bodies are consumed as they arrive),
//     far below proto.MaxUnconsumed.
//   - Every complete command of one Feed is answered in that Feed, so a
//     pipelined group (RFC 2920) leaves in one write.
//   - Policy delegation and milter calls (filter.go, filtermsg.go) never run
//     on the worker: the session copies what they need, sets stFilter, calls
//     Host.Go and suspends; Resume answers the held RCPT, or submits the
//     message as the filters left it, so the 250 still follows the spool
//     commit of the modified message.
//   - Command parsing, reply formatting and DATA scanning do not allocate;
//     an accepted message costs one string (the envelope addresses).
//
// # Concurrency
//
// A session belongs to one worker and is never called concurrently. The
// Factory is shared by every worker: its caches (settings per
// *config.Policy, password files per path and mtime, TLS configurations)
// are safe for concurrent use. Settings are computed once per policy.
//
// # Buffer lifetimes
//
// Feed never keeps `in` or `out`. Addresses are copied into the session's
// envelope arena; the body is copied, unstuffed, into the session's message
// buffer. The *proto.Message passed to Host.Submit (and its Data and
// Recipients backing arrays) belong to the engine until Resume; the
// session reuses them for the next message afterwards. Recipient and
// sender strings are fresh per message and may be kept.
//
// # TLS
//
// TLS is terminated by the engine, never by the session:
//
//  1. The factory decides whether STARTTLS is offered: listed in
//     SMTP_Extensions, TLS_Certificate and TLS_Key set, Use_SSL off.
//  2. On STARTTLS the session appends "220 2.0.0 Ready to start TLS" and
//     returns proto.StartTLS having consumed exactly the STARTTLS line. With
//     STARTTLS_Injection_Policy = reject (the default), a STARTTLS line
//     followed by more input in the same Feed is refused with 554 and the
//     connection closed (CVE-2011-0411); with ignore or allow the extra
//     plaintext is consumed and dropped.
//  3. The engine flushes the 220, gets the configuration from
//     (*Factory).TLSConfig(conn), runs the server handshake over the socket
//     and then calls the session's TLSStarted(*tls.ConnectionState) (assert
//     `proto.TLSStarter`) before feeding the
//     first decrypted byte. A failed handshake closes the connection.
//  4. TLSStarted resets the session to the post-banner state (RFC 3207 4.2):
//     no greeting, no AUTH, no transaction. STARTTLS is no longer offered.
//
// Use_SSL listeners: the engine handshakes before Start and sets
// ConnInfo.TLS; it may also call TLSStarted before Start to pass the client
// certificate (needed only for TLS_Verified_Peer_Can_Relay).
package smtp
