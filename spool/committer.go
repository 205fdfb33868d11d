package spool

import (
	"errors"
	"sync"
)

// ErrClosed: Submit after Committer.Close.
var ErrClosed = errors.New("committer closed")

// Committer shares one Writer among goroutines (the goroutine-per-session
// path, and the epoll back end's spool thread in spirit): Submit blocks
// until its record is durable or failed, and every Submit that arrives while
// a commit runs shares the next write and fdatasync. No timer: a lone
// message is committed at once, a crowd groups itself.
type Committer struct {
	w        *Writer
	maxBatch int

	mu     sync.Mutex
	work   *sync.Cond // committer: something is staged, or closing
	room   *sync.Cond // producers: the open batch has room again
	open   *ticket
	closed bool
	exited chan struct{}
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
	c := &Committer{w: s.Writer(worker), maxBatch: maxBatch,
		open: newTicket(), exited: make(chan struct{})}
	c.work, c.room = sync.NewCond(&c.mu), sync.NewCond(&c.mu)
	go c.loop()
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
	c.work.Signal()
	c.mu.Unlock()
	<-t.done
	return id, t.err
}

func (c *Committer) loop() {
	defer close(c.exited)
	for {
		c.mu.Lock()
		for c.open.n == 0 && !c.closed {
			c.work.Wait()
		}
		if c.open.n == 0 {
			c.mu.Unlock()
			return
		}
		t := c.open
		c.open = newTicket()
		b := c.w.Begin()
		c.room.Broadcast()
		c.mu.Unlock()

		n, err := WriteBatch(b) // the next batch stages meanwhile

		c.mu.Lock()
		t.err = c.w.End(b, n, err)
		c.mu.Unlock()
		close(t.done)
	}
}

// Close commits what is staged, then stops the committer.
func (c *Committer) Close() {
	c.mu.Lock()
	c.closed = true
	c.work.Signal()
	c.room.Broadcast()
	c.mu.Unlock()
	<-c.exited
}
