// Package milter runs a message through Sendmail milters (protocol
// version 6, as libmilter, rspamd and OpenDKIM speak it) and applies their
// answers to sluice's copy of the message before it is spooled.
//
// The wire protocol (framing, option negotiation, macros, v6 actions,
// timeouts) is github.com/d--j/go-milter's client: it is kept up, speaks
// all of v6 and is tested against real Postfix and Sendmail, so a second
// codec here would only add risk. This package owns what is sluice's:
//
//   - message.go: the message as header fields and a body, the hidden trace
//     header, and the header edits a milter may ask for (add, insert,
//     change, delete), with values cleaned so an edit cannot inject a
//     header or end the header section;
//   - client.go: one conversation per message (connect, HELO, MAIL, RCPT,
//     DATA, headers, end of headers, body, end of message, QUIT), the
//     verdict, the envelope edits (change sender, add and delete
//     recipients), body replacement, quarantine, and the default action when
//     the milter fails; per-milter Stats.
//
// # Invariants
//
//   - Run never panics on a milter's answer and never returns a message
//     whose header section is malformed by an edit.
//   - Run blocks: callers on an event loop run it off the loop (the SMTP
//     session uses proto.Host.Go). It holds one milter connection for the
//     duration of one message; it keeps no connection between messages
//     (libmilter filters expect one connection per SMTP session, and sluice
//     replays the session's events per message).
//   - The input message bytes are not modified; edits build a new slice.
package milter
