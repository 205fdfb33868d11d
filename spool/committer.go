package spool

import (
	"errors"
	"sync"
)

// ErrClosed: Submit after Committer.Close.
var ErrClosed = errors.New("committer closed")

// Committer shares one Writer among goroutines (the goroutine-per-session
// path): Submit blocks until its record is durable or failed, and every
// Submit that arrives while a commit runs shares the next write and
// fdatasync. The commits run on a Syncer, the same mechanism the epoll back
// end uses. No timer: a lone message is committed at once, a crowd groups
// itself.
type Committer struct {
	w        *Writer
	maxBatch int
	sy       *Syncer

	mu     sync.Mutex
	room   *sync.Cond // producers: the open batch has room again; Close: all done
	open   *ticket    // records staged, not yet begun
	flying *ticket    // the batch between Begin and End, or nil
	closed bool
}

// ticket is one batch's outcome, shared by the Submits in it.
type ticket struct {
	n    int
	err  error
	done chan struct{}
}

// NewCommitter starts a committer on worker's Writer, which nothing else
// may use until Close. maxBatch caps records per fdatasync; 0 means no cap,
// and 1 gives one fdatasync per message (the baseline group commit beats).
func (s *Store) NewCommitter(worker, maxBatch int) *Committer {
	c := &Committer{w: s.Writer(worker), maxBatch: maxBatch, open: newTicket()}
	c.room = sync.NewCond(&c.mu)
	c.sy = NewSyncer(c.ended)
	return c
}

func newTicket() *ticket { return &ticket{done: make(chan struct{})} }

// Submit stores one record and returns once it is durable (nil error) or
// has failed (a *Error; the record will never be served).
func (c *Committer) Submit(env *Envelope, data []byte) (ID, error) {
	c.mu.Lock()
	for c.maxBatch > 0 && c.open.n >= c.maxBatch && !c.closed {
		c.room.Wait()
	}
	if c.closed {
		c.mu.Unlock()
		return ID{}, &Error{Op: "commit", Err: ErrClosed}
	}
	id, err := c.w.Stage(env, data)
	if err != nil {
		c.mu.Unlock()
		return ID{}, err
	}
	t := c.open
	t.n++
	if c.flying == nil {
		c.begin()
	}
	c.mu.Unlock()
	<-t.done
	return id, t.err
}

// begin hands the open batch to the Syncer. Called with mu held; the
// Syncer's channel has room because at most one batch is in flight.
func (c *Committer) begin() {
	c.flying, c.open = c.open, newTicket()
	c.sy.Sync(c.w.Begin()) // the next batch stages meanwhile
	c.room.Broadcast()
}

// ended runs on the Syncer's goroutine after each batch.
func (c *Committer) ended(b Batch, n int, err error) {
	c.mu.Lock()
	t := c.flying
	t.err, c.flying = c.w.End(b, n, err), nil
	if c.open.n > 0 {
		c.begin()
	} else {
		c.room.Broadcast() // Close may be waiting for the last batch
	}
	c.mu.Unlock()
	close(t.done)
}

// Close commits what is staged, then stops the committer.
func (c *Committer) Close() {
	c.mu.Lock()
	c.closed = true
	c.room.Broadcast()
	for c.flying != nil || c.open.n > 0 {
		c.room.Wait()
	}
	c.mu.Unlock()
	c.sy.Close()
}
