package engine

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"sluice/spool"
)

// The epoll back end imitates completions: readiness is turned into reads and
// writes on the worker thread, and their results are handed to the worker
// exactly as ring completions would be. Connections are registered once,
// edge-triggered for input and output, so a connection costs one epoll_ctl
// for its whole life; listen sockets are level-triggered.

const (
	evConn   = 1
	evListen = 2
	evWake   = 3
	maxReads = 16 // reads per connection per round, for fairness
)

type epollConn struct {
	readable bool
	writable bool
	rdhup    bool   // the peer half-closed: read on until EOF
	queued   bool   // in the ready list
	pend     []byte // send waiting for the socket to drain
}

type sentEv struct {
	c   *conn
	n   int
	err error
}

type epollBackend struct {
	w     completions
	ctr   *LoopCounters
	epfd  int
	evfd  int
	evs   []unix.EpollEvent
	rbuf  []byte // one read buffer for the whole worker
	ready []*conn
	sent  []sentEv
	handoffs
	spare    []*conn
	syncer   *spool.Syncer // started at the first batch that needs fdatasync
	spoolNow bool          // a batch written inline: report it from poll
	spoolW   int
	spoolE   error
}

func newEpoll(w completions, ctr *LoopCounters) (backend, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	evfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	b := &epollBackend{w: w, ctr: ctr, epfd: epfd, evfd: evfd, evs: make([]unix.EpollEvent, 256), rbuf: make([]byte, 64<<10)}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Pad: evWake}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

func tag(slot, gen uint32, kind int32) unix.EpollEvent {
	return unix.EpollEvent{Fd: int32(slot), Pad: int32(gen)<<2 | kind}
}

func (b *epollBackend) addListen(s *lsock) error {
	ev := tag(s.slot, s.gen, evListen)
	ev.Events = unix.EPOLLIN
	if !s.closeF {
		ev.Events |= unix.EPOLLEXCLUSIVE // one shared Unix socket: wake one worker
	}
	return unix.EpollCtl(b.epfd, unix.EPOLL_CTL_ADD, s.fd, &ev)
}

func (b *epollBackend) removeListen(s *lsock) {
	unix.EpollCtl(b.epfd, unix.EPOLL_CTL_DEL, s.fd, nil)
	b.w.listenGone(s)
}

func (b *epollBackend) open(c *conn) error {
	c.ep = epollConn{writable: true}
	ev := tag(c.slot, c.gen, evConn)
	ev.Events = unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET
	return unix.EpollCtl(b.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev)
}

func (b *epollBackend) pauseRead(c *conn) {}

func (b *epollBackend) resumeRead(c *conn) {
	if c.ep.readable {
		b.enqueue(c)
	}
}

func (b *epollBackend) send(c *conn, p []byte) {
	c.ep.pend = p
	if c.ep.writable {
		b.write(c)
	}
}

func (b *epollBackend) teardown(c *conn) {
	closeFd(c.fd) // also leaves the epoll set: the fd is never dup'ed
	c.ep.pend = nil
	b.gone = append(b.gone, c)
}

func (b *epollBackend) detach(c *conn) {
	unix.EpollCtl(b.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	c.ep.pend = nil
	b.moved = append(b.moved, c)
}

func (b *epollBackend) commit(sb spool.Batch) {
	if sb.NoSync { // tmpfs: no thread hop; reported from poll
		b.spoolW, b.spoolE = spool.WriteBatch(sb)
		b.spoolNow = true
		return
	}
	if b.syncer == nil { // fdatasync blocks: never on the event loop
		b.syncer = spool.NewSyncer(func(_ spool.Batch, n int, err error) {
			b.w.committedLater(n, err)
		})
	}
	b.syncer.Sync(sb)
}

var wakeBytes = binary.NativeEndian.AppendUint64(nil, 1)

func (b *epollBackend) wake() { unix.Write(b.evfd, wakeBytes) }

func (b *epollBackend) close() {
	if b.syncer != nil {
		b.syncer.Close()
	}
	unix.Close(b.evfd)
	unix.Close(b.epfd)
}

func (b *epollBackend) enqueue(c *conn) {
	if !c.ep.queued {
		c.ep.queued = true
		b.ready = append(b.ready, c)
	}
}
