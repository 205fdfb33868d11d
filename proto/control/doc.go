// Package control is the Control_Listener: sluice's operator console. It
// speaks the Momentum console grammar (config get|eval|set|unset|show|
// showrecurse|reload, summary, show inbound, count, listeners, peer,
// version, pid, help, shutdown, quit) over the line-in, length-framed-out
// protocol of docs/console.md, and client.go is that protocol's client.
//
// Invariants:
//   - one request line gets exactly one framed response, in order, so
//     clients may pipeline; blank lines get none;
//   - nothing but quit is executed for a client that is not authorised
//     (Always_Deny, an unknown uid on a Unix socket) or, on TCP with
//     Enable_Authentication, not yet logged in;
//   - a session never holds more than MaxLine unconsumed bytes: an
//     over-long line is discarded up to its LF and answered "failed".
//
// Concurrency: a session is a pure state machine run by one worker. Every
// Backend call and every password check runs through proto.Host.Go on its
// own goroutine; the session returns Suspend and answers on Resume. The
// closure given to Go captures only a copied request and the Factory, never
// the session, so nothing is shared with the worker. The Factory is shared
// by all workers; its password cache is locked and used only from Go
// goroutines.
//
// Buffer lifetimes: tokens point into the parser's own scratch buffer, not
// into the engine's input, and are copied into strings before a Backend
// call. Parsing and inline answers (help, version, pid, errors) do not
// allocate once the session's scratch buffers have grown.
package control
