// Package ecsclient is a Go client for sluice's ECStream protocol
// (docs/ecstream.md). It imports only the wire codec, never the engine.
//
// A Client is one connection. Send and SendAsync may be called from any
// number of goroutines: batches are written in call order and pipelined (at
// most Window batches in flight), and the server answers them in the same
// order, one Reply frame per batch. A batch is either answered as a whole or
// fails as a whole with the connection's error; per-message results are in
// the Replies.
//
// Once a connection fails (Error or reconnect Notice frame, I/O error, Close)
// every batch in flight fails with that error and the Client is dead; use
// Reconnecting to resend such batches on a new connection (at-least-once).
//
// Buffer lifetimes: a batch's Messages may be reused as soon as SendAsync
// returns (they are encoded before it returns).
package ecsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"sluice/proto/ecstream/wire"
)

// Message is one message to inject.
type Message struct {
	Sender     string // "" is the null sender
	Recipients []string
	Body       []byte // stored byte-exact
}

// Status of one message in a Reply.
type Status uint8

const (
	Accepted Status = Status(wire.StatusAccepted) // durable; Text is the message id
	TempFail Status = Status(wire.StatusTempFail) // not stored; may be retried later
	PermFail Status = Status(wire.StatusPermFail) // not stored; do not retry
)

func (s Status) String() string {
	switch s {
	case Accepted:
		return "accepted"
	case TempFail:
		return "temporary failure"
	case PermFail:
		return "permanent failure"
	}
	return "unknown"
}

// Reply is the server's answer for one message.
type Reply struct {
	Status Status
	Code   int    // SMTP-like: 250, 451, 552, 553, 554
	Text   string // message id when Accepted, reason otherwise
}

// Limits are what the server's greeting announced.
type Limits struct {
	Version  uint8
	MaxFrame int // largest Batch payload in bytes
	MaxBatch int // most messages per batch
	Idle     time.Duration
}

var (
	// ErrReconnect: the server finished the batches it had started and asked
	// the client to reconnect (reload or shutdown). Batches failing with it
	// were not stored and may be resent.
	ErrReconnect = errors.New("ecsclient: server asked to reconnect")
	// ErrClosed: the connection is closed.
	ErrClosed = errors.New("ecsclient: connection closed")
	// ErrTooLarge: a batch exceeds the server's MaxBatch or MaxFrame, or an
	// address does not fit the wire format. Split it.
	ErrTooLarge = errors.New("ecsclient: batch too large for the server's limits")
	// ErrProtocol: the server sent something this client cannot understand.
	ErrProtocol = errors.New("ecsclient: protocol violation by server")
)

// ServerError is an Error frame: the server rejected the connection or a
// frame and closed. Codes 4xx are temporary (e.g. 421 session cap).
type ServerError struct {
	Code int
	Text string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("ecsclient: server error %d: %s", e.Code, e.Text)
}

// Temporary reports whether the server may accept a new attempt later.
func (e *ServerError) Temporary() bool { return e.Code >= 400 && e.Code < 500 }

type options struct {
	window int
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Option configures Dial, NewClient and NewReconnecting.
type Option func(*options)

// WithWindow sets how many batches may be in flight (default 16, min 1).
func WithWindow(n int) Option { return func(o *options) { o.window = max(n, 1) } }

// WithDialer replaces net.Dialer (tests, TLS, proxies).
func WithDialer(d func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(o *options) { o.dial = d }
}

func buildOptions(opts []Option) options {
	o := options{window: 16}
	for _, f := range opts {
		f(&o)
	}
	if o.dial == nil {
		var d net.Dialer
		o.dial = d.DialContext
	}
	return o
}

// Dial connects to an ECStream listener and completes the handshake.
func Dial(ctx context.Context, network, addr string, opts ...Option) (*Client, error) {
	o := buildOptions(opts)
	conn, err := o.dial(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("ecsclient: dial %s: %w", addr, err)
	}
	c, err := newClient(ctx, conn, o)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// NewClient runs the handshake on an established connection; the Client
// owns conn from then on, even on error.
func NewClient(ctx context.Context, conn net.Conn, opts ...Option) (*Client, error) {
	c, err := newClient(ctx, conn, buildOptions(opts))
	if err != nil {
		conn.Close()
	}
	return c, err
}
