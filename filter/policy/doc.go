// Package policy is a client of the Postfix SMTP access policy delegation
// protocol (SMTPD_POLICY_README): a request is "name=value" lines ended by
// an empty line; the reply is "action=<access(5) value>" and an empty line.
//
// The package has three parts:
//   - the codec (codec.go): AppendRequest writes a request, Decoder reads a
//     reply incrementally, whatever the read boundaries;
//   - the action parser (action.go): ParseAction turns an access(5) value
//     into a Decision (permit, dunno, reject, defer, prepend, discard);
//   - the Client (client.go): pooled persistent connections to one service
//     ("inet:host:port" or "unix:/path"), a timeout on every dial, write and
//     read, one retry on a fresh connection, and per-service Stats.
//
// # Invariants
//
//   - A reply is never longer than MaxReply octets; a longer one is an
//     error and its connection is closed, so memory per call is bounded.
//   - A connection goes back to the pool only after a whole reply was read,
//     so a pooled connection never holds a stale answer.
//   - Values never carry NUL, CR or LF (they are replaced by '?'), so a
//     client-controlled string cannot inject an attribute.
//   - Client.Check blocks: callers on an event loop run it off the loop
//     (the SMTP session uses proto.Host.Go).
//
// # Failure policy
//
// When the service cannot be reached, times out, answers badly or answers
// without an action, Check returns an error and the caller applies its
// configured default action (Policy_Default_Action). Postfix's default is
// "451 4.3.5 Server configuration problem" (fail closed: the client retries
// later); "DUNNO" makes the service non-critical (fail open).
package policy
