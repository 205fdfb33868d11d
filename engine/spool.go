package engine

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"sluice/proto"
	"sluice/spool"
)

// Envelope is what the engine tells the spool about a message besides its
// bytes. It mirrors spool.Envelope; the adapter that wires *spool.Store in
// copies it field by field.
type Envelope struct {
	Sender     string
	Recipients []string
	Protocol   string
	Peer       string // remote address
	Listener   string
	Time       time.Time
}

// SpoolBatch is the staged records taken for one group commit. Buf stays
// valid (and must stay unmodified) until End.
type SpoolBatch struct {
	Fd  int
	Off int64
	Buf []byte
	N   int // records
}

// SpoolWriter is one worker's spool writer. It is used only from that
// worker's thread: Stage is pure memory; Begin takes everything staged as
// the batch in flight (the next one stages meanwhile); End reports how the
// write+fdatasync of that batch went and returns nil only when every record
// in it is durable.
type SpoolWriter interface {
	Stage(env *Envelope, data []byte) (id string, err error)
	Begin() SpoolBatch
	End(b SpoolBatch, written int, err error) error
}

// SpoolFactory hands each worker its writer.
type SpoolFactory interface {
	Writer(worker int) SpoolWriter
}

// staged is one Submit waiting for its group commit.
type staged struct {
	c   *conn
	gen uint32
	seq uint64
	id  string
}

// submit stages m for c; the result is delivered after the group commit at
// the end of this loop turn.
func (w *worker) submit(c *conn, seq uint64, m *proto.Message) {
	if w.spool == nil {
		w.resolveLater(c, seq, proto.Result{Err: fmt.Errorf("engine: no spool configured: %w", proto.ErrSpool)})
		return
	}
	env := &Envelope{Sender: m.Sender, Recipients: m.Recipients, Protocol: m.Protocol,
		Peer: c.info.Remote.String(), Listener: c.info.Listener, Time: w.now}
	id, err := w.spool.Stage(env, m.Data)
	if err != nil {
		w.resolveLater(c, seq, proto.Result{Err: fmt.Errorf("engine: spool stage: %v: %w", err, proto.ErrSpool)})
		return
	}
	w.staged = append(w.staged, staged{c: c, gen: c.gen, seq: seq, id: id})
}

// flushSpool starts the group commit of everything staged this turn, unless
// a batch is still in flight (then it goes with the next turn after it).
func (w *worker) flushSpool() {
	if len(w.staged) == 0 || w.inflight != nil {
		return
	}
	b := w.spool.Begin()
	w.inflight, w.staged = w.staged, w.inflightSpare[:0]
	w.batch = b
	w.ctr.SpoolBatch.Add(1)
	switch {
	case len(b.Buf) == 0:
		w.onCommitted(0, nil)
		return
	case b.Fd < 0: // the spool has no segment open; End says why
		w.onCommitted(0, unix.EBADF)
		return
	}
	w.b.commit(b)
}

// onCommitted ends the batch in flight and resumes its sessions in order.
func (w *worker) onCommitted(written int, err error) {
	err = w.spool.End(w.batch, written, err)
	if err != nil {
		w.ctr.SpoolErrs.Add(1)
		err = fmt.Errorf("engine: spool commit: %v: %w", err, proto.ErrSpool)
	} else {
		w.ctr.SpoolMsgs.Add(uint64(len(w.inflight)))
	}
	done := w.inflight
	w.inflight, w.batch = nil, SpoolBatch{}
	for _, s := range done {
		r := proto.Result{ID: s.id, Err: err}
		if err != nil {
			r.ID = ""
		}
		if s.c.gen == s.gen && !s.c.torn {
			w.resolve(s.c, s.seq, r)
		}
	}
	clear(done)
	w.inflightSpare = done[:0]
}

// syncCommit writes and fdatasyncs a batch with plain syscalls; the epoll
// back end runs it on the worker's spool goroutine.
func syncCommit(b SpoolBatch) (int, error) {
	n, err := syncWrite(b)
	if err != nil {
		return n, err
	}
	for {
		err := unix.Fdatasync(b.Fd)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// syncWrite writes a batch with pwrite, continuing short writes.
func syncWrite(b SpoolBatch) (int, error) {
	n := 0
	for n < len(b.Buf) {
		m, err := unix.Pwrite(b.Fd, b.Buf[n:], b.Off+int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

// StoreSpool adapts a *spool.Store to SpoolFactory: one spool.Writer per
// worker, envelopes copied field by field, IDs in their String form.
func StoreSpool(s *spool.Store) SpoolFactory { return storeSpool{s} }

type storeSpool struct{ s *spool.Store }

func (f storeSpool) Writer(worker int) SpoolWriter { return &storeWriter{w: f.s.Writer(worker)} }

type storeWriter struct {
	w   *spool.Writer
	env spool.Envelope // reused: Stage copies what it needs before returning
}

func (a *storeWriter) Stage(env *Envelope, data []byte) (string, error) {
	a.env = spool.Envelope{Sender: env.Sender, Recipients: env.Recipients, Protocol: env.Protocol,
		Peer: env.Peer, Listener: env.Listener, Time: env.Time}
	id, err := a.w.Stage(&a.env, data)
	a.env = spool.Envelope{}
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

func (a *storeWriter) Begin() SpoolBatch {
	b := a.w.Begin()
	return SpoolBatch{Fd: b.Fd, Off: b.Off, Buf: b.Buf, N: b.N}
}

func (a *storeWriter) End(b SpoolBatch, written int, err error) error {
	return a.w.End(spool.Batch{Fd: b.Fd, Off: b.Off, Buf: b.Buf, N: b.N}, written, err)
}

// memFS remembers whether the spool file being appended to lives on tmpfs or
// ramfs, where fdatasync is a no-op and a write is a memory copy: the back
// ends then write the batch inline instead of handing it to another thread.
type memFS struct {
	fd  int
	end int64
	ok  bool
}

// check answers for sb; the answer is kept while batches continue the same
// file (same fd, contiguous offsets), so it costs one fstatfs per segment.
func (m *memFS) check(sb SpoolBatch) bool {
	if sb.Fd != m.fd || sb.Off != m.end {
		var st unix.Statfs_t
		m.fd, m.ok = sb.Fd, false
		if unix.Fstatfs(sb.Fd, &st) == nil {
			m.ok = st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC
		}
	}
	m.end = sb.Off + int64(len(sb.Buf))
	return m.ok
}
