package engine

import (
	"golang.org/x/sys/unix"
)

// poll waits for readiness, performs the I/O it allows and delivers the
// results. Work that stays possible (a connection still readable after its
// read quota) keeps the next wait at zero.
func (b *epollBackend) poll(timeout int64) error {
	if b.busy() {
		timeout = 0
	}
	ms := -1
	if timeout >= 0 {
		ms = int((timeout + 999_999) / 1_000_000)
	}
	n, err := unix.EpollWait(b.epfd, b.evs, ms)
	b.ctr.EpollWaits.Add(1)
	if err != nil && err != unix.EINTR {
		return err
	}
	b.w.tick()
	if b.spoolNow {
		b.spoolNow = false
		b.w.onCommitted(b.spoolW, b.spoolE)
	}
	for i := 0; i < n; i++ {
		b.dispatch(&b.evs[i])
	}
	for round := 0; round < 4 && b.busy(); round++ {
		ready := b.ready
		b.ready = b.spare[:0]
		for i, c := range ready {
			c.ep.queued = false
			ready[i] = nil
			b.service(c)
		}
		b.spare = ready[:0]
		for i := 0; i < len(b.sent); i++ {
			s := b.sent[i]
			b.sent[i] = sentEv{}
			b.w.onSent(s.c, s.n, s.err)
		}
		b.sent = b.sent[:0]
		b.flush(b.w)
	}
	return nil
}

func (b *epollBackend) busy() bool {
	return len(b.ready) > 0 || len(b.sent) > 0 || b.pending() || b.spoolNow
}

func (b *epollBackend) dispatch(ev *unix.EpollEvent) {
	slot, gen, kind := uint32(ev.Fd), uint32(ev.Pad>>2), ev.Pad&3
	switch kind {
	case evWake:
		var buf [8]byte
		unix.Read(b.evfd, buf[:])
	case evListen:
		if s := b.w.listenAt(slot, gen); s != nil && s.armed {
			b.accept(s)
		}
	case evConn:
		c := b.w.connAt(slot, gen)
		if c == nil || c.torn() {
			return
		}
		e := ev.Events
		if e&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			c.ep.readable = true
		}
		if e&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			c.ep.rdhup = true
		}
		if e&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			c.ep.writable = true
		}
		b.enqueue(c)
	}
}

func (b *epollBackend) accept(s *lsock) {
	for i := 0; i < 64; i++ {
		fd, sa, err := unix.Accept4(s.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch err {
		case nil:
			b.w.onAccept(s, fd, sa)
		case unix.EINTR, unix.ECONNABORTED:
		case unix.EAGAIN:
			return
		default: // EMFILE and the like: rest the socket instead of spinning
			unix.EpollCtl(b.epfd, unix.EPOLL_CTL_DEL, s.fd, nil)
			b.w.acceptError(s, err)
			return
		}
	}
}

// service does the I/O a connection is ready for.
func (b *epollBackend) service(c *conn) {
	if c.torn() {
		return
	}
	if c.ep.writable && c.ep.pend != nil {
		b.write(c)
	}
	for i := 0; c.ep.readable && c.readOn && !c.torn(); i++ {
		if i == maxReads {
			b.enqueue(c)
			return
		}
		n, err := unix.Read(c.fd, b.rbuf)
		switch {
		case n > 0:
			if n < len(b.rbuf) && !c.ep.rdhup {
				c.ep.readable = false // a short read drained the socket; the next edge says more
			}
			b.w.onRecv(c, b.rbuf[:n])
		case err == unix.EINTR:
		case err == unix.EAGAIN:
			c.ep.readable = false
		case err != nil:
			c.ep.readable = false
			b.w.onRecvEnd(c, err)
		default:
			c.ep.readable = false
			b.w.onRecvEnd(c, nil)
		}
	}
}

func (b *epollBackend) write(c *conn) {
	for {
		n, err := sendNoSignal(c.fd, c.ep.pend)
		switch err {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			c.ep.writable = false // the next EPOLLOUT edge resumes
			return
		}
		c.ep.pend = nil
		if n < 0 {
			n = 0
		}
		b.sent = append(b.sent, sentEv{c: c, n: n, err: err})
		return
	}
}
