package engine

import (
	"time"

	"golang.org/x/sys/unix"

	"sluice/ring"
)

// poll submits everything queued and waits in the same io_uring_enter.
func (b *uringBackend) poll(timeout int64) error {
	if len(b.rearm) > 0 || b.pending() || b.spoolNow {
		timeout = 0
	}
	if err := b.wait(timeout); err != nil {
		return err
	}
	b.w.tick()
	if b.spoolNow {
		b.spoolNow = false
		b.spoolDone()
	}
	b.r.ForEachCQE(b.complete)
	b.br.Publish()
	if cq, _ := b.r.Overflowed(); cq > 0 {
		b.ctr.CQOverflow.Store(uint64(cq))
	}
	for i, c := range b.rearm {
		b.rearm[i] = nil
		if !c.torn() && c.readOn && !c.ur.recv && !c.ur.detach {
			b.armRecv(c)
		}
	}
	b.rearm = b.rearm[:0]
	b.flush(b.w)
	return nil
}

// wait submits what is queued and waits up to timeout ns (-1: no limit) for
// a completion.
func (b *uringBackend) wait(timeout int64) error {
	b.ctr.Enters.Add(1)
	var err error
	switch {
	case timeout == 0:
		_, err = b.r.SubmitAndWait(0, 0)
	case timeout < 0:
		_, err = b.r.SubmitAndWait(1, 0)
	default:
		_, err = b.r.SubmitAndWait(1, time.Duration(timeout))
	}
	return err
}

// complete dispatches one CQE. It runs inside ForEachCQE.
func (b *uringBackend) complete(cq *ring.CQE) {
	op, slot, gen := ring.UnpackUserData(cq.UserData)
	switch op {
	case opWake:
		b.armWake()
	case opAccept:
		b.accepted(cq, slot, gen)
	case opRecv:
		b.received(cq, slot, gen)
	case opSend:
		c := b.w.connAt(slot, gen)
		if c == nil {
			return
		}
		c.ur.ops--
		if cq.Res < 0 {
			b.w.onSent(c, 0, unix.Errno(-cq.Res))
		} else {
			b.w.onSent(c, int(cq.Res), nil)
		}
		b.maybeGone(c)
	case opSpoolWrite:
		if cq.Res < 0 {
			b.spoolE = unix.Errno(-cq.Res)
		} else {
			b.spoolW = int(cq.Res)
		}
		b.spoolDone()
	case opSpoolSync:
		if cq.Res < 0 && b.spoolE == nil {
			b.spoolE = unix.Errno(-cq.Res) // ECANCELED after a short write
		}
		b.spoolDone()
	}
}

func (b *uringBackend) spoolDone() {
	if b.spoolN--; b.spoolN == 0 {
		b.w.onCommitted(b.spoolW, b.spoolE)
	}
}

func (b *uringBackend) accepted(cq *ring.CQE, slot, gen uint32) {
	ls := b.w.listenAt(slot, gen)
	if ls == nil {
		if cq.Res >= 0 {
			closeFd(int(cq.Res))
		}
		return
	}
	more := cq.More()
	if cq.Res >= 0 {
		b.w.onAccept(ls, int(cq.Res), nil)
	} else if e := unix.Errno(-cq.Res); e != unix.ECANCELED && ls.armed && !more {
		b.w.acceptError(ls, e) // parks it: re-armed after a rest, not now
		return
	}
	switch {
	case more:
	case ls.armed:
		b.addListen(ls) // the kernel ended the multishot: re-arm
	default:
		b.w.listenGone(ls)
	}
}

func (b *uringBackend) received(cq *ring.CQE, slot, gen uint32) {
	c := b.w.connAt(slot, gen)
	if cq.HasBuffer() {
		id := cq.BufferID()
		if c != nil && cq.Res > 0 {
			b.w.onRecv(c, b.br.Buf(id, int(cq.Res)))
		}
		b.br.Recycle(id) // the session has consumed or copied it
	}
	if c == nil {
		return
	}
	more := cq.More()
	if !more {
		c.ur.recv = false
		c.ur.ops--
	}
	switch {
	case cq.Res == 0 && !more:
		b.w.onRecvEnd(c, nil)
	case cq.Res == -int32(unix.ENOBUFS), cq.Res == -int32(unix.ECANCELED), cq.Res > 0:
		if !more {
			b.rearm = append(b.rearm, c) // after the recycled buffers are published
		}
	case cq.Res < 0:
		b.w.onRecvEnd(c, unix.Errno(-cq.Res))
	}
	b.maybeGone(c)
}

// maybeGone closes a torn-down connection once nothing is in flight on it.
// A detaching one is handed over instead.
func (b *uringBackend) maybeGone(c *conn) {
	switch {
	case c.ur.ops != 0 || c.fd < 0:
	case c.torn():
		closeFd(c.fd)
		c.fd = -1
		b.gone = append(b.gone, c)
	case c.ur.detach && !c.ur.moved:
		c.ur.moved = true
		b.moved = append(b.moved, c)
	}
}
