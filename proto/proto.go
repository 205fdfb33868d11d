// Package proto is the contract between the engine and the protocol state
// machines (proto/smtp, proto/http, proto/ecstream, proto/control).
//
// A Session is pure: bytes in, bytes and an Action out. It never sees a
// socket, a ring, a goroutine or a clock other than the one Host gives it.
//
// Buffer lifetimes:
//   - the in slice passed to Feed belongs to the engine and is valid only for
//     the duration of the call; a session that needs bytes later must copy them.
//     Bytes the session does not consume (n < len(in)) are kept by the engine
//     and passed again, followed by new input, on the next Feed.
//   - out is the connection's output buffer: a session appends to it and
//     returns the extended slice; it must not keep a reference to it.
//   - a *Message handed to Host.Submit belongs to the engine until Resume is
//     called; the session must not modify or reuse it before then.
//
// A session must never leave more than MaxUnconsumed bytes unconsumed: it
// must answer an over-long line itself (for SMTP, 500) and discard it. The
// engine closes a connection that breaks this rule.
package proto

import (
	"errors"
	"net/netip"
	"time"

	"sluice/config"
)

// MaxUnconsumed bounds the input an engine keeps for a session between reads.
const MaxUnconsumed = 64 << 10

// Action tells the engine what to do after a call into a Session.
type Action uint8

const (
	// Continue: flush any output and keep reading.
	Continue Action = iota
	// Suspend: the session called Host.Submit and waits for Resume. The
	// engine flushes output, stops feeding input and does not reap the
	// connection for idleness while it waits.
	Suspend
	// CloseAfterFlush: send all pending output, then close.
	CloseAfterFlush
	// Close: close now, discarding pending output.
	Close
	// StartTLS: flush pending output (the "220 ready" line), then switch the
	// transport to TLS as a server and continue feeding plaintext.
	StartTLS
)

func (a Action) String() string {
	switch a {
	case Continue:
		return "continue"
	case Suspend:
		return "suspend"
	case CloseAfterFlush:
		return "close-after-flush"
	case Close:
		return "close"
	case StartTLS:
		return "start-tls"
	}
	return "unknown"
}

// ConnInfo describes one accepted connection. It is immutable for the life
// of the session.
type ConnInfo struct {
	ID         uint64
	Worker     int
	Listener   string         // canonical type, e.g. "ESMTP_Listener"
	Listen     string         // canonical Listen address, e.g. "127.0.0.1:2525"
	Local      netip.AddrPort // for a Unix socket: 127.0.0.1:0
	Remote     netip.AddrPort // for a Unix socket: 127.0.0.1:0 (Momentum treats it as loopback)
	Unix       bool
	PeerUID    int  // SO_PEERCRED uid on a Unix socket, -1 otherwise
	TLS        bool // the transport is TLS (implicit Use_SSL or after STARTTLS)
	Policy     *config.Policy
	Generation uint64 // config generation the connection was accepted under
	// Reserve: accepted on the fd reserve (engine/reserve.go); an HTTP
	// session serves only its health endpoints and closes.
	Reserve  bool
	Accepted time.Time
	// Proxy describes the PROXY header that set Remote and Local, for logs:
	// the balancer's address and the recorded TLVs. "" without a header.
	Proxy string
	// Listed is the DNSBL zone that listed the client, for the refusal
	// line (RefuseDNSBL); "" otherwise.
	Listed string
}

// Message is one received message, handed to the spool through Host.Submit.
type Message struct {
	Protocol   string // "esmtp", "http", "ecstream"
	Sender     string // reverse path without brackets; "" for the null sender
	Recipients []string
	Data       []byte // the message as it is to be stored, trace header included
}

// Result is the outcome of a Submit or a Go, delivered by Resume.
type Result struct {
	ID   string // Submit: the spool's message id, set when Err == nil
	Text string // Go: the text fn returned
	Err  error  // Submit: non-nil means the message is NOT durable; answer a temporary failure
	// Msg is the message the Submit carried (nil for a Go), set by the
	// Driver, so a wrapper (metrics.Instrument) knows what a Resume answers.
	Msg *Message
}

// ErrSpool is wrapped by Result.Err when the spool could not commit.
var ErrSpool = errors.New("spool: commit failed")

// Host is what a session may ask of the engine. It is implemented by the
// engine per worker and is only called from the session's own worker.
type Host interface {
	// Submit hands a message to the spool. The session must return Suspend
	// from the same call; the engine calls Resume once the message is durable
	// (or has failed). Several messages may be submitted in one call (a
	// pipelined ECStream batch); Resume is called once per Submit, in order.
	Submit(m *Message)
	// Generation is the current config generation; a session compares it
	// with ConnInfo.Generation to detect a reload.
	Generation() uint64
	// ShuttingDown reports that the daemon is draining.
	ShuttingDown() bool
	// Now is the worker's cached clock for this loop turn.
	Now() time.Time
	// Go runs fn on its own goroutine, off the worker, for work that may
	// block or that calls back into the engine (a console "config reload",
	// "shutdown", an Apply). The session must return Suspend from the same
	// call; the engine calls Resume with Result{Text, Err} from fn once it
	// returns. Submit and Go results are delivered in call order.
	Go(fn func() (string, error))
}

// CloseReason says why a session ended, for logs and metrics.
type CloseReason uint8

const (
	CloseClient   CloseReason = iota // peer closed or reset
	CloseIdle                        // idle timeout
	CloseError                       // I/O error
	CloseProtocol                    // the session asked to close
	CloseShutdown                    // daemon shutdown deadline
)

// Session is one protocol conversation.
type Session interface {
	// Start appends the greeting (may be nothing) and returns the action.
	Start(out []byte) ([]byte, Action)
	// Feed consumes input. It returns how many bytes of in were consumed,
	// the extended output and the action.
	Feed(in, out []byte) (n int, outNew []byte, a Action)
	// Resume delivers the result of a Submit to a suspended session.
	Resume(r Result, out []byte) ([]byte, Action)
	// Timeout is the idle limit now in force (0: none). The engine reads it
	// after every Start, Feed and Resume.
	Timeout() time.Duration
	// Closed is called once when the connection is gone.
	Closed(reason CloseReason)
}

// RefuseReason says why a connection is refused at accept.
type RefuseReason uint8

const (
	RefuseSessionCap RefuseReason = iota // Listener_Sessions / Service_Sessions reached
	RefuseShutdown                       // daemon draining
	RefuseACL                            // Always_Deny or unauthorised
	RefuseRate                           // Inbound_Throttle_Connections / Inbound_Concurrent_Connections
	RefusePregreet                       // the client talked before the banner (Pregreet_Delay)
	RefuseDNSBL                          // listed by DNSBL_Zones; ConnInfo.Listed names the zone
)

// MessageLimiter is asked when a message starts (SMTP MAIL, an HTTP
// injection, an ECStream message): it counts one message from the client
// against Inbound_Throttle_Messages. Over the limit the protocol answers a
// temporary failure (SMTP 450 4.7.1, HTTP 429 with Retry-After = retry,
// ECStream 450). A nil MessageLimiter limits nothing.
type MessageLimiter interface {
	AllowMessage(c *ConnInfo, now time.Time) (ok bool, retry time.Duration)
}

// Factory creates sessions for one listener type.
type Factory interface {
	// NewSession creates the session for an accepted connection.
	NewSession(c *ConnInfo, h Host) Session
	// Refuse appends the line written before a refused connection is
	// closed (for SMTP: "421 4.4.5 Service unavailable, concurrency limit
	// reached.\r\n"). It may append nothing.
	Refuse(c *ConnInfo, why RefuseReason, out []byte) []byte
}
