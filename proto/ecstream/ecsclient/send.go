package ecsclient

import (
	"context"
	"fmt"
	"time"

	"sluice/proto/ecstream/wire"
)

// Send writes a batch and waits for its replies (one per message, in order).
func (c *Client) Send(ctx context.Context, batch []Message) ([]Reply, error) {
	p, err := c.SendAsync(ctx, batch)
	if err != nil {
		return nil, err
	}
	return p.Wait(ctx)
}

// SendAsync writes a batch and returns at once; it blocks only while Window
// batches are already in flight. An empty batch is a round-trip ping.
func (c *Client) SendAsync(ctx context.Context, batch []Message) (*Pending, error) {
	if len(batch) > c.lim.MaxBatch {
		return nil, fmt.Errorf("%w: %d messages, server allows %d", ErrTooLarge, len(batch), c.lim.MaxBatch)
	}
	select {
	case c.window <- struct{}{}:
	case <-c.dead:
		return nil, c.Err()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p, err := c.write(ctx, batch)
	if err != nil {
		<-c.window
		return nil, err
	}
	return p, nil
}

func (c *Client) write(ctx context.Context, batch []Message) (*Pending, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b, off := wire.StartFrame(c.wbuf[:0], wire.Batch)
	b = wire.AppendBatchHead(b, c.tag, uint32(len(batch)))
	for i := range batch {
		m := &batch[i]
		var ok bool
		if b, ok = wire.AppendMessage(b, m.Sender, m.Recipients, m.Body); !ok {
			return nil, fmt.Errorf("%w: message %d has an address or recipient list too long", ErrTooLarge, i)
		}
	}
	b = wire.EndFrame(b, off)
	if len(b)-wire.HeaderLen > c.lim.MaxFrame {
		return nil, fmt.Errorf("%w: %d-byte frame, server allows %d", ErrTooLarge, len(b)-wire.HeaderLen, c.lim.MaxFrame)
	}
	if cap(b) <= 1<<20 {
		c.wbuf = b // keep a modest buffer for the next batch
	}
	p := &Pending{tag: c.tag, n: len(batch), done: make(chan struct{})}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.queue = append(c.queue, p)
	c.mu.Unlock()
	c.tag++
	if dl, ok := ctx.Deadline(); ok {
		c.conn.SetWriteDeadline(dl)
	} else {
		c.conn.SetWriteDeadline(time.Time{})
	}
	if _, err := c.conn.Write(b); err != nil {
		c.fail(fmt.Errorf("ecsclient: write: %w", err))
	}
	return p, nil // on a write error, p fails with the connection
}

// readLoop dispatches the server's frames until the connection ends.
func (c *Client) readLoop() {
	for {
		t, p, err := c.readFrame(maxReplyFrame)
		if err != nil {
			c.fail(fmt.Errorf("ecsclient: read: %w", err))
			return
		}
		switch t {
		case wire.Reply:
			err = c.answer(p)
		case wire.Error:
			err = serverError(p)
		case wire.Notice:
			err = notice(p)
		default:
			err = fmt.Errorf("%w: unexpected frame type %d", ErrProtocol, t)
		}
		if err != nil {
			c.fail(err)
			return
		}
	}
}

func notice(p []byte) error {
	kind, text, err := wire.ParseNotice(p)
	switch {
	case err != nil:
		return fmt.Errorf("%w: empty notice", ErrProtocol)
	case kind == wire.NoticeReconnect:
		return fmt.Errorf("%w (%s)", ErrReconnect, text)
	}
	return ErrClosed // bye, or a notice kind this version does not know
}

// answer matches a Reply frame with the oldest batch in flight.
func (c *Client) answer(payload []byte) error {
	var rr wire.ReplyReader
	if err := rr.Reset(payload); err != nil {
		return fmt.Errorf("%w: malformed reply", ErrProtocol)
	}
	c.mu.Lock()
	var p *Pending
	if len(c.queue) > 0 {
		p = c.queue[0]
	}
	c.mu.Unlock()
	if p == nil || p.tag != rr.Tag || p.n != int(rr.Count) {
		return fmt.Errorf("%w: reply (tag %d, %d items) matches no batch in flight", ErrProtocol, rr.Tag, rr.Count)
	}
	replies := make([]Reply, 0, p.n)
	for {
		it, ok, err := rr.Next()
		if err != nil {
			return fmt.Errorf("%w: malformed reply", ErrProtocol)
		}
		if !ok {
			break
		}
		replies = append(replies, Reply{Status: Status(it.Status), Code: int(it.Code), Text: string(it.Text)})
	}
	c.mu.Lock()
	c.queue = c.queue[1:]
	c.mu.Unlock()
	p.replies = replies
	close(p.done)
	<-c.window
	return nil
}

// fail ends the connection: every batch in flight fails with err (the first
// error wins).
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	if c.closing {
		err = ErrClosed
	}
	c.err = err
	q := c.queue
	c.queue = nil
	close(c.dead)
	c.mu.Unlock()
	c.conn.Close()
	for _, p := range q {
		p.err = err
		close(p.done)
		<-c.window
	}
}

// Close sends Quit, waits (until ctx ends) for the batches in flight and the
// server's goodbye, and closes the connection.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	c.closing = c.err == nil
	c.mu.Unlock()
	c.wmu.Lock()
	_, werr := c.conn.Write(wire.AppendQuit(nil))
	c.wmu.Unlock()
	if werr != nil {
		c.fail(ErrClosed)
	}
	select {
	case <-c.dead:
	case <-ctx.Done():
		c.fail(ErrClosed)
	}
	return nil
}
