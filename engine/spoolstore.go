package engine

import "sluice/spool"

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
