// Package engine is sluice's scheduler: per-core workers that bind every
// Listen, accept, look peers up in the Listen's ACL, enforce session caps,
// and move bytes between the kernel and proto.Session state machines, the
// same way over io_uring and over epoll.
//
// # Workers and back ends
//
// New starts N workers (Options.Workers, default GOMAXPROCS). Each is a
// goroutine locked to its OS thread for life (optionally pinned to a CPU)
// that owns one event loop: an io_uring ring (SINGLE_ISSUER|DEFER_TASKRUN,
// multishot accept, multishot recv over a per-worker provided-buffer ring)
// or an epoll set (edge-triggered, one epoll_ctl per connection). "auto"
// takes io_uring when ring.Probe shows every feature needed and logs why
// not otherwise. Both back ends present the same operations (backend) and
// report through the same completion interface (completions, backend.go),
// never holding the worker itself, so connection logic, protocols, timers
// and caps are one code path. Engine sockets are raw fds: none is ever registered with Go's
// netpoller.
//
// # Sockets and Apply
//
// A TCP Listen is one socket per worker in a SO_REUSEPORT group (with
// SO_REUSEADDR; TCP_NODELAY and buffer sizes are set on the listener and
// inherited by accepted sockets). A Unix Listen is one socket shared by all
// workers; its File_Mode is set between bind and listen; a stale socket file
// is replaced only when nothing answers on it; any other file is an error.
// Apply reconciles: unchanged Listens are untouched (a policy-only change is
// swapped in for new connections), removed/disabled/changed ones are closed
// before anything is bound, so specific<->wildcard moves work in one Apply.
// A failed bind is reported with its likely cause and kept as "failed".
// Established connections are never touched by Apply.
//
// # Connections
//
// Each connection is in one phase (connPhase: open, closing, TLS wait,
// detaching, TLS, torn); only an open connection is fed. Its session is
// driven by a proto.Driver (the package's one socket-free driver, also used
// by the TLS goroutine and by proto/prototest) with the conn as its
// proto.Runner. Input is fed to the session straight from the kernel's buffer (the ring's
// provided buffer or the worker's one read buffer); only an unconsumed tail
// is copied into the connection, and that copy is dropped when consumed, so
// an idle connection holds no input memory. Output is one buffer per
// connection with at most one send in flight; partial sends continue. While
// more than 64 KiB of output is unsent, or a Submit/Go result is owed, the
// session is not fed, and once 16 KiB of input waits the engine stops
// reading, so a client that pipelines without reading is held by TCP flow
// control. A session leaving more than proto.MaxUnconsumed bytes unconsumed
// is closed. Idle limits (Session.Timeout, else the policy's Idle_Time) run
// on a per-worker hashed timer wheel (O(1) arm/cancel, lazy re-filing); only
// session progress restarts the clock, so a slowloris dribble is reaped.
//
// # The gate: PROXY header, limits, banner hold
//
// When the socket peer's policy says Proxy_Protocol, or the policy sets
// Pregreet_Delay or (with Options.Screen) DNSBL_Zones, the connection starts
// under a gate session (gate.go) instead of its protocol's: no banner. The
// PROXY phase (proxy.go) reads only the header (proxyproto), then judges
// the Peer lookup, Always_Deny, caps and per-source limits again for the
// client's address. The hold (hold.go) suspends the connection with a
// pending result while a runtime timer and the Screen's lookup run; bytes
// the client sends meanwhile are kept, and their presence is the pregreet
// test. Then the real session is created and the gate steps aside.
// Per-source connection limits (limits.go) go through Options.Limiter
// (package throttle) at accept, or after the header.
//
// # Caps, spool, shutdown
//
// Listener_Sessions and Service_Sessions are taken at accept from shared
// atomic budgets (per Peer block when set in a Peer scope) and held until
// the connection is fully closed; refused connections get Factory.Refuse
// written and are closed. Host.Submit stages into the worker's SpoolWriter
// (*spool.Writer; its Envelope and Batch types are used as they are); at the
// end of each loop turn everything staged is committed as one group with
// spool's steps: when spool says the batch needs no fdatasync (tmpfs,
// Batch.NoSync) both back ends write it inline with spool.WriteBatch;
// otherwise io_uring issues linked WRITE+FSYNC(DATASYNC) on the worker's
// ring and epoll hands it to a spool.Syncer goroutine that reports back
// through the inbox. Each session is then resumed in order. Shutdown stops accepting, lets sessions see
// Host.ShuttingDown at their next command, and closes the rest at the
// deadline.
//
// # Concurrency contract
//
// All connection state belongs to its worker's thread. Other goroutines
// talk to a worker only through its inbox (post), which wakes the loop via
// an eventfd. Apply and Shutdown are serialised; Listeners, Conns and
// Counters are safe from any goroutine. Counters are atomics written by the
// workers and read at scrape time.
//
// # Buffer lifetimes
//
// Buffers handed to the kernel stay reachable until their completion: the
// send buffer through conn.flight, the provided buffers and ring memory are
// mmapped by package ring, the spool batch through worker.batch, the eventfd
// read target inside the back end. A Session's in slice is valid only during
// Feed; out is the connection's and may be reallocated by the session.
//
// # TLS
//
// TLS runs off the event loop (tls.go). On a StartTLS action the "220
// ready" line is flushed, input pipelined behind STARTTLS is discarded
// (RFC 3207 command injection), and the back end lets go of the fd (epoll:
// EPOLL_CTL_DEL; io_uring: the recv is cancelled and the hand-over waits for
// its last completion). On a UseSSL Listen this happens at accept. The fd
// then moves to a goroutine: crypto/tls over net.FileConn (the only place an
// engine connection meets Go's netpoller), driving the same Session through
// the same proto.Driver (the goroutine is its runner from then on) with
// blocking writes. Submit is posted to the worker's inbox, so
// TLS messages join the worker's group commit; results come back through a
// mutex-guarded queue. The worker keeps the slot, caps and counters until the
// goroutine reports the close; the shutdown deadline closes the net.Conn.
package engine
