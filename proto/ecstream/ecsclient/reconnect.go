package ecsclient

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Reconnecting sends batches over a connection it re-establishes when the
// server asks (reload, shutdown) or the connection drops, and resends every
// batch that was not answered.
//
// Delivery is at-least-once: a batch answered by the server is never sent
// again, and after a reconnect Notice the server has answered every batch it
// started, so a reload never duplicates a message. But if a connection drops
// after the server committed a batch and before its Reply arrived, the batch
// is sent again and those messages are stored twice.
//
// Per-message failures (TempFail, PermFail) are returned, not retried.
// Methods are safe for concurrent use; concurrent Sends share one pipelined
// connection.
type Reconnecting struct {
	network, addr string
	opts          []Option
	// Attempts is how many connections one Send may try (default 5).
	Attempts int
	// Backoff is the first pause between failed attempts, doubled each time
	// up to 5 s (default 100 ms). A reconnect Notice is retried at once.
	Backoff time.Duration

	mu     sync.Mutex
	c      *Client
	closed bool
}

// NewReconnecting returns a client that dials network/addr on first use.
func NewReconnecting(network, addr string, opts ...Option) *Reconnecting {
	return &Reconnecting{network: network, addr: addr, opts: opts, Attempts: 5, Backoff: 100 * time.Millisecond}
}

// Send sends batch and returns its replies, reconnecting and resending as
// needed. The returned error is the last attempt's.
func (r *Reconnecting) Send(ctx context.Context, batch []Message) ([]Reply, error) {
	pause := r.Backoff
	var err error
	for range max(r.Attempts, 1) {
		var c *Client
		if c, err = r.client(ctx); err == nil {
			var replies []Reply
			if replies, err = c.Send(ctx, batch); err == nil {
				return replies, nil
			}
			if c.Err() == nil {
				return nil, err // the connection is fine: too large, or ctx ended
			}
			r.drop(c)
		}
		if !retryable(err) || ctx.Err() != nil {
			return nil, err
		}
		if errors.Is(err, ErrReconnect) {
			continue
		}
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		pause = min(2*pause, 5*time.Second)
	}
	return nil, err
}

// retryable: connection-level failures are; a batch the server refuses as
// such (too large, permanent error) or a closed client is not.
func retryable(err error) bool {
	var se *ServerError
	switch {
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrClosed), errors.Is(err, ErrProtocol),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.As(err, &se):
		return se.Temporary()
	}
	return true // reconnect notice, dial or I/O error
}

func (r *Reconnecting) client(ctx context.Context) (*Client, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if r.c != nil && r.c.Err() == nil {
		return r.c, nil
	}
	c, err := Dial(ctx, r.network, r.addr, r.opts...)
	if err != nil {
		return nil, err
	}
	r.c = c
	return c, nil
}

// drop forgets the dead connection c if it is still the current one.
func (r *Reconnecting) drop(c *Client) {
	r.mu.Lock()
	if r.c == c {
		r.c = nil
	}
	r.mu.Unlock()
}

// Close closes the current connection politely; later Sends fail.
func (r *Reconnecting) Close(ctx context.Context) error {
	r.mu.Lock()
	c := r.c
	r.c, r.closed = nil, true
	r.mu.Unlock()
	if c != nil {
		return c.Close(ctx)
	}
	return nil
}
