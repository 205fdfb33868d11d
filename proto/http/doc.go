// Package http is sluice's HTTP_Listener: an HTTP/1.1 server written as a
// pure proto.Session state machine (it does not use net/http), so HTTP
// injection shares the engine's io_uring path, Peer ACLs, limits and spool
// with SMTP.
//
// Endpoints: POST /v1.0/inject (Momentum 3 REST injector), POST
// /api/v1/transmissions (Momentum 4 minimal transmission), POST
// /api/v1/messages (raw message/rfc822 with the envelope in X-Mail-From and
// X-Rcpt-To headers), and the operator endpoints /stats/summary, /healthz,
// /readyz and /metrics. docs/http.md describes them for operators.
//
// Invariants:
//   - An injection endpoint answers 200 only after every Host.Submit it made
//     has been resumed with Err == nil; a spool failure answers 503 with
//     Retry-After. Nothing is submitted before the whole body has arrived, so
//     a truncated request never produces a message.
//   - A session never keeps more than maxHead (16 KiB) of unconsumed input: a
//     head that does not end within it is answered 431 and the connection
//     closes. Bodies are copied into session-owned buffers as they arrive.
//   - Malformed framing answers 400 and closes; a refused body that cannot be
//     skipped safely (Expect: 100-continue, 413, 411) also closes.
//   - Requests are answered strictly in order (pipelining): while a session is
//     suspended the engine feeds it nothing.
//
// Concurrency: a Session is used by one worker only and is not safe for
// concurrent use. The Factory is shared by all workers; its password-file
// cache is guarded by a mutex and hands sessions immutable snapshots. The
// operator callbacks (Summary, ResetSummary, Ready, Metrics) are never called
// on the worker: they run through Host.Go, so they may block or lock.
//
// Buffer lifetimes: Feed parses the request head in place in the engine's
// input slice and copies out only what outlives the call (the envelope
// headers, the body). A Message handed to Host.Submit points into session
// buffers that are not touched again until the last Resume of that request;
// large buffers are dropped after the request so an idle keep-alive
// connection holds little memory.
package http
