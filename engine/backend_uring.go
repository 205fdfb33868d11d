package engine

import (
	"fmt"

	"golang.org/x/sys/unix"

	"sluice/ring"
	"sluice/spool"
)

// The io_uring back end: one ring per worker (created on the worker's locked
// thread: SINGLE_ISSUER|DEFER_TASKRUN), a multishot accept armed per listen
// socket and re-armed when the kernel ends it, a multishot recv per
// connection drawing from one provided-buffer ring per worker (an idle
// connection holds no read buffer), at most one send in flight per
// connection, and teardown by shutdown(2) (which ends the armed recv) then
// close(2) once no operation on the fd is left. Every user_data carries the
// operation, the slot and the slot's generation, so a completion for a slot
// that was closed and reused is recognised and dropped.

const (
	opAccept = iota + 1
	opRecv
	opSend
	opCancel
	opWake
	opSpoolWrite
	opSpoolSync
)

const (
	ringEntries = 1024
	bufGroup    = 0
	bufCount    = 512 // power of two
	bufSize     = 4096
)

type uringConn struct {
	recv      bool // a multishot recv is armed
	cancelled bool // a cancel for it is in flight
	ops       int  // operations in flight on the fd
	detach    bool // moving to TLS: hand over once ops is 0
	moved     bool // handed over
}

type uringBackend struct {
	w     completions
	ctr   *LoopCounters
	r     *ring.Ring
	br    *ring.BufRing
	evfd  int
	evbuf [8]byte // read target of the armed eventfd read; lives with the backend
	rearm []*conn
	handoffs
	spoolN   int  // spool completions still expected
	spoolNow bool // a batch written synchronously: report it from poll
	spoolW   int
	spoolE   error
}

// uringUsable probes once for everything this back end needs.
func uringUsable() (bool, string) {
	caps, err := ring.Probe()
	if err != nil {
		return false, err.Error()
	}
	if ok, why := caps.Usable(); !ok {
		return false, why
	}
	return true, caps.String()
}

func newUring(w completions, ctr *LoopCounters) (backend, error) {
	r, err := ring.New(ringEntries)
	if err != nil {
		return nil, err
	}
	br, err := r.NewBufRing(bufGroup, bufCount, bufSize)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("engine: provided buffers: %w", err)
	}
	evfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		br.Close()
		r.Close()
		return nil, err
	}
	b := &uringBackend{w: w, ctr: ctr, r: r, br: br, evfd: evfd}
	b.armWake()
	return b, nil
}

func ud(op uint8, slot, gen uint32) uint64 { return ring.PackUserData(op, slot, gen) }

// sqe returns a free SQE, submitting what is queued when the SQ is full.
func (b *uringBackend) sqe() *ring.SQE {
	for {
		if s := b.r.GetSQE(); s != nil {
			b.ctr.SQEs.Add(1)
			return s
		}
		b.r.Submit()
		b.ctr.Enters.Add(1)
	}
}

func (b *uringBackend) armWake() {
	s := b.sqe()
	s.PrepRead(b.evfd, b.evbuf[:], 0)
	s.SetUserData(ud(opWake, 0, 0))
}

func (b *uringBackend) wake() { unix.Write(b.evfd, wakeBytes) }

func (b *uringBackend) addListen(ls *lsock) error {
	s := b.sqe()
	s.PrepAcceptMultishot(ls.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	s.SetUserData(ud(opAccept, ls.slot, ls.gen))
	return nil
}

// removeListen cancels the accept; its final completion calls listenGone.
func (b *uringBackend) removeListen(ls *lsock) {
	s := b.sqe()
	s.PrepCancel(ud(opAccept, ls.slot, ls.gen), 0)
	s.SetUserData(ud(opCancel, 0, 0))
}

func (b *uringBackend) open(c *conn) error {
	c.ur = uringConn{}
	b.armRecv(c)
	return nil
}

func (b *uringBackend) armRecv(c *conn) {
	s := b.sqe()
	s.PrepRecvMultishot(c.fd, bufGroup, 0)
	s.SetUserData(ud(opRecv, c.slot, c.gen))
	c.ur.recv, c.ur.cancelled = true, false
	c.ur.ops++
}

// pauseRead cancels the armed recv; chunks already received still arrive.
func (b *uringBackend) pauseRead(c *conn) {
	if !c.ur.recv || c.ur.cancelled {
		return
	}
	s := b.sqe()
	s.PrepCancel(ud(opRecv, c.slot, c.gen), 0)
	s.SetUserData(ud(opCancel, c.slot, c.gen))
	c.ur.cancelled = true
}

func (b *uringBackend) resumeRead(c *conn) {
	if !c.ur.recv {
		b.armRecv(c)
	}
	// else: the recv's final completion re-arms it (c.readOn is set again)
}

func (b *uringBackend) send(c *conn, p []byte) {
	s := b.sqe()
	s.PrepSend(c.fd, p, unix.MSG_NOSIGNAL)
	s.SetUserData(ud(opSend, c.slot, c.gen))
	c.ur.ops++
}

// teardown: shutdown(2) ends the armed recv and any send; the fd is closed
// when the last of them has completed.
func (b *uringBackend) teardown(c *conn) {
	if c.ur.ops == 0 {
		closeFd(c.fd)
		c.fd = -1
		b.gone = append(b.gone, c)
		return
	}
	unix.Shutdown(c.fd, unix.SHUT_RDWR)
}

// detach cancels the recv; the fd is handed over when nothing is in flight.
func (b *uringBackend) detach(c *conn) {
	c.ur.detach = true
	if c.ur.ops == 0 {
		c.ur.moved = true
		b.moved = append(b.moved, c)
		return
	}
	b.pauseRead(c)
}

// commit issues the linked write + fdatasync of a spool batch. On a memory
// file system (tmpfs: fdatasync is a no-op there, and the kernel cannot do
// either operation without blocking, so both went to an io-wq thread: two
// context switches per batch) the write is a plain pwrite instead and the
// result is delivered at the end of this poll.
func (b *uringBackend) commit(sb spool.Batch) {
	if sb.NoSync {
		b.spoolW, b.spoolE = spool.WriteBatch(sb)
		b.spoolN, b.spoolNow = 1, true
		return
	}
	s := b.sqe()
	s.PrepWrite(sb.Fd, sb.Buf, uint64(sb.Off))
	s.SetFlags(ring.SqeIOLink)
	s.SetUserData(ud(opSpoolWrite, 0, 0))
	s = b.sqe()
	s.PrepFsync(sb.Fd, ring.FsyncDatasync)
	s.SetUserData(ud(opSpoolSync, 0, 0))
	b.spoolN, b.spoolW, b.spoolE = 2, 0, nil
}

func (b *uringBackend) close() {
	unix.Close(b.evfd)
	b.br.Close()
	b.r.Close()
}
