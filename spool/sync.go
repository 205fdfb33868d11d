package spool

import (
	"io"

	"golang.org/x/sys/unix"
)

// The write and sync steps of a batch, shared by every caller: the engine's
// back ends (inline on tmpfs, on a Syncer goroutine for epoll, as linked
// io_uring operations otherwise), Writer.Commit, and Committer.

// WriteBatch is the synchronous write and fdatasync of a batch: pwrite(2)
// continued over short counts (a count of 0 is an error, never a loop) and
// one fdatasync(2), skipped when b.NoSync.
func WriteBatch(b Batch) (int, error) {
	n := 0
	for n < len(b.Buf) {
		m, err := unix.Pwrite(b.Fd, b.Buf[n:], b.Off+int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, io.ErrShortWrite
		}
		n += m
	}
	if len(b.Buf) == 0 || b.NoSync {
		return n, nil
	}
	for {
		err := unix.Fdatasync(b.Fd)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// Syncer runs WriteBatch off the caller's thread: fdatasync blocks for
// milliseconds, which an event loop must not. Batches are written one at a
// time in the order given, and each outcome goes to done, called on the
// Syncer's goroutine. The caller keeps at most one batch per Writer in
// flight (Begin ... End), so Sync never blocks for long.
type Syncer struct {
	ch     chan Batch
	exited chan struct{}
}

// NewSyncer starts a Syncer that reports to done.
func NewSyncer(done func(b Batch, written int, err error)) *Syncer {
	s := &Syncer{ch: make(chan Batch, 1), exited: make(chan struct{})}
	go func() {
		defer close(s.exited)
		for b := range s.ch {
			n, err := WriteBatch(b)
			done(b, n, err)
		}
	}()
	return s
}

// Sync queues b for writing.
func (s *Syncer) Sync(b Batch) { s.ch <- b }

// Close writes what is queued, then stops the goroutine. No Sync may follow.
func (s *Syncer) Close() {
	close(s.ch)
	<-s.exited
}

// memFS remembers whether the segment being appended to lives on tmpfs or
// ramfs. The answer is kept while batches continue the same file (same fd,
// contiguous offsets), so it costs one fstatfs per segment.
type memFS struct {
	fd  int
	end int64
	ok  bool
}

func (m *memFS) check(b Batch) bool {
	if b.Fd != m.fd || b.Off != m.end {
		var st unix.Statfs_t
		m.fd, m.ok = b.Fd, false
		if b.Fd >= 0 && unix.Fstatfs(b.Fd, &st) == nil {
			m.ok = st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC
		}
	}
	m.end = b.Off + int64(len(b.Buf))
	return m.ok
}
