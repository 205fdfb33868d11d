package ecsclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"sluice/proto/ecstream/wire"
)

// maxServerFrame bounds frames read from the server other than Reply;
// maxReplyFrame bounds Reply frames.
const (
	maxServerFrame = 64 << 10
	maxReplyFrame  = 256 << 20
)

// Client is one ECStream connection. Its methods are safe for concurrent use.
type Client struct {
	conn   net.Conn
	r      *bufio.Reader
	rbuf   []byte // payload buffer, reader goroutine only
	lim    Limits
	window chan struct{} // one token per batch in flight
	dead   chan struct{} // closed when err is set

	wmu  sync.Mutex // serialises writes, and with mu keeps queue order = wire order
	wbuf []byte
	tag  uint32

	mu      sync.Mutex
	queue   []*Pending // batches written, not yet answered, in order
	err     error
	closing bool
}

// Pending is a batch in flight.
type Pending struct {
	tag     uint32
	n       int
	done    chan struct{}
	replies []Reply
	err     error
}

// Done is closed when the batch has been answered or has failed.
func (p *Pending) Done() <-chan struct{} { return p.done }

// Wait returns the batch's replies, one per message in order, or the error
// that ended the connection before the batch was answered. If ctx ends
// first, the batch stays in flight and its outcome is unknown.
func (p *Pending) Wait(ctx context.Context) ([]Reply, error) {
	select {
	case <-p.done:
		return p.replies, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func newClient(ctx context.Context, conn net.Conn, o options) (*Client, error) {
	c := &Client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10),
		window: make(chan struct{}, o.window), dead: make(chan struct{})}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	err := c.handshake()
	if !stop() || err != nil {
		return nil, errors.Join(err, ctx.Err())
	}
	conn.SetDeadline(time.Time{})
	go c.readLoop()
	return c, nil
}

func (c *Client) handshake() error {
	t, p, err := c.readFrame(maxServerFrame)
	if err != nil {
		return fmt.Errorf("ecsclient: reading greeting: %w", err)
	}
	switch t {
	case wire.Greeting:
	case wire.Error:
		return serverError(p)
	default:
		return fmt.Errorf("%w: frame type %d instead of greeting", ErrProtocol, t)
	}
	g, err := wire.ParseGreeting(p)
	if err != nil || g.MinVersion > wire.Version1 || g.MaxVersion < wire.Version1 {
		return fmt.Errorf("%w: no common version in greeting", ErrProtocol)
	}
	c.lim = Limits{Version: wire.Version1, MaxFrame: int(g.MaxFrame), MaxBatch: int(g.MaxBatch),
		Idle: time.Duration(g.IdleSeconds) * time.Second}
	if _, err := c.conn.Write(wire.AppendHello(nil, wire.Version1)); err != nil {
		return fmt.Errorf("ecsclient: sending hello: %w", err)
	}
	return nil
}

// Limits returns what the server announced.
func (c *Client) Limits() Limits { return c.lim }

// Err is nil while the connection is usable, then the error that ended it.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// readFrame reads one frame; the payload is valid until the next call.
func (c *Client) readFrame(limit int) (wire.Type, []byte, error) {
	h, err := c.r.Peek(wire.HeaderLen)
	if err != nil {
		return 0, nil, err
	}
	t, n, _ := wire.ParseHeader(h)
	if t != wire.Reply {
		limit = min(limit, maxServerFrame)
	}
	if int64(n) > int64(limit) {
		return 0, nil, fmt.Errorf("%w: %d-byte frame of type %d", ErrProtocol, n, t)
	}
	c.r.Discard(wire.HeaderLen)
	if cap(c.rbuf) < int(n) {
		c.rbuf = make([]byte, n)
	}
	p := c.rbuf[:n]
	if _, err := io.ReadFull(c.r, p); err != nil {
		return 0, nil, noEOF(err)
	}
	return t, p, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func serverError(p []byte) error {
	code, text, err := wire.ParseError(p)
	if err != nil {
		return fmt.Errorf("%w: empty error frame", ErrProtocol)
	}
	return &ServerError{Code: int(code), Text: string(text)}
}
