package engine

import (
	"fmt"

	"golang.org/x/sys/unix"

	"sluice/proto"
	"sluice/spool"
)

// SpoolWriter is one worker's spool writer; *spool.Writer is the real one
// (see its contract), tests bring fakes. It is used only from that worker's
// thread: Stage is pure memory; Begin takes everything staged as the batch
// in flight (the next one stages meanwhile); the back end writes it with
// spool's steps (spool.WriteBatch, a spool.Syncer, or linked io_uring
// operations when the batch needs a real fdatasync); End reports how that
// went and returns nil only when every record in it is durable.
type SpoolWriter interface {
	Stage(env *spool.Envelope, data []byte) (spool.ID, error)
	Begin() spool.Batch
	End(b spool.Batch, written int, err error) error
}

var _ SpoolWriter = (*spool.Writer)(nil)

// SpoolFactory hands each worker its writer.
type SpoolFactory interface {
	Writer(worker int) SpoolWriter
}

// staged is one Submit waiting for its group commit.
type staged struct {
	c   *conn
	gen uint32
	seq uint64
	id  spool.ID
}

// submit stages m for c; the result is delivered after the group commit at
// the end of this loop turn.
func (w *worker) submit(c *conn, seq uint64, m *proto.Message) {
	if w.spool == nil {
		w.resolveLater(c, seq, proto.Result{Err: fmt.Errorf("engine: no spool configured: %w", proto.ErrSpool)})
		return
	}
	w.env = spool.Envelope{Sender: m.Sender, Recipients: m.Recipients, Protocol: m.Protocol,
		Peer: c.info.Remote.String(), Listener: c.info.Listener, Time: w.now}
	id, err := w.spool.Stage(&w.env, m.Data) // Stage copies what it keeps
	w.env = spool.Envelope{}
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
	w.inflight, w.batch = nil, spool.Batch{}
	for _, s := range done {
		r := proto.Result{Err: err}
		if err == nil {
			r.ID = s.id.String()
		}
		if s.c.gen == s.gen && !s.c.torn() {
			w.resolve(s.c, s.seq, r)
		}
	}
	clear(done)
	w.inflightSpare = done[:0]
}

// StoreSpool adapts a *spool.Store to SpoolFactory: one spool.Writer per
// worker.
func StoreSpool(s *spool.Store) SpoolFactory { return storeSpool{s} }

type storeSpool struct{ s *spool.Store }

func (f storeSpool) Writer(worker int) SpoolWriter { return f.s.Writer(worker) }
