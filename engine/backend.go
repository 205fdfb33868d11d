package engine

import (
	"fmt"

	"golang.org/x/sys/unix"

	"sluice/spool"
)

// backend is the completion interface both event loops present to the
// worker. Every method is called on the worker's own thread. Completions are
// delivered by calling back into the worker from poll, never from inside the
// method that started the operation, so the worker's logic is not re-entered.
//
//   - addListen arms accepting on s.fd; each new fd goes to w.onAccept.
//   - removeListen stops accepting; w.listenGone(s) follows once the
//     kernel holds no reference to s.fd any more.
//   - open starts receiving on c.fd: w.onRecv for data, w.onRecvEnd at EOF
//     or error (after which nothing more is received).
//   - pauseRead/resumeRead stop and restart the flow of w.onRecv. After
//     pauseRead a few already-received chunks may still arrive.
//   - send starts the one send in flight for c; w.onSent(c, n, err) follows,
//     possibly with n < len(b) (the worker sends the rest).
//   - teardown shuts c down; w.onGone(c) follows once no operation on c is in
//     flight and the fd is closed.
//   - detach stops all I/O on c.fd without closing it; w.onDetached(c)
//     follows once nothing is in flight (the fd then moves to TLS).
//   - commit writes and fdatasyncs a spool batch (spool decides whether it
//     needs the sync: Batch.NoSync); w.onCommitted follows, from poll.
//   - poll waits up to timeout ns (-1: until something happens) and
//     dispatches what completed; wake makes a poll return, from any goroutine.
type backend interface {
	addListen(s *lsock) error
	removeListen(s *lsock)
	open(c *conn) error
	pauseRead(c *conn)
	resumeRead(c *conn)
	send(c *conn, b []byte)
	teardown(c *conn)
	detach(c *conn)
	commit(b spool.Batch)
	poll(timeout int64) error
	wake()
	close()
}

// completions is the other half of the contract: what a back end reports
// to its worker, all on the worker's thread, from inside poll. The back ends
// know the worker only through it (and the loop counters they add to), so a
// fake back end can drive a worker with seeded faults and orderings, and a
// back end can be tested against a recording worker.
type completions interface {
	onAccept(s *lsock, fd int, sa unix.Sockaddr)
	acceptError(s *lsock, err error) // parks s; re-armed after a rest
	listenGone(s *lsock)
	onRecv(c *conn, data []byte) // data is valid only during the call
	onRecvEnd(c *conn, err error)
	onSent(c *conn, n int, err error)
	onGone(c *conn)
	onDetached(c *conn)
	onCommitted(written int, err error)
	// committedLater reports a spool batch from another goroutine (epoll's
	// spool.Syncer); the worker sees it at its next turn.
	committedLater(written int, err error)
	connAt(slot, gen uint32) *conn // nil: a closed (and maybe reused) slot
	listenAt(slot, gen uint32) *lsock
	tick() // refresh the worker clock after a wait
}

var _ completions = (*worker)(nil)

// chooseBackend resolves "auto" with the ring probe.
func chooseBackend(want string) (name, reason string, err error) {
	ok, why := uringUsable()
	switch want {
	case "", "auto":
		if ok {
			return "io_uring", "auto: " + why, nil
		}
		return "epoll", "auto: io_uring unusable: " + why, nil
	case "io_uring", "iouring", "uring":
		if !ok {
			return "", "", fmt.Errorf("engine: event loop io_uring requested but unusable: %s; use epoll or auto", why)
		}
		return "io_uring", "requested; " + why, nil
	case "epoll":
		return "epoll", "requested", nil
	}
	return "", "", fmt.Errorf("engine: unknown event loop %q: use auto, io_uring or epoll", want)
}

func newBackend(name string, w *worker) (backend, error) {
	if name == "io_uring" {
		return newUring(w, &w.ctr)
	}
	return newEpoll(w, &w.ctr)
}

// sendNoSignal writes without raising SIGPIPE on a reset peer.
func sendNoSignal(fd int, b []byte) (int, error) {
	return unix.SendmsgN(fd, b, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
}

// closeFd closes once: on Linux the fd is gone even when close reports EINTR.
func closeFd(fd int) { unix.Close(fd) }

// handoffs are the connections a back end finished with during a poll:
// gone (fully closed, slot to free) and moved (detached for TLS). Both back
// ends queue them while walking completions and hand them to the worker at
// the end of the poll, so the worker never re-enters the back end from
// inside its own loop. The slices keep their capacity across turns.
type handoffs struct {
	gone  []*conn
	moved []*conn // detached, to hand over
}

func (h *handoffs) pending() bool { return len(h.gone) > 0 || len(h.moved) > 0 }

// flush hands every queued connection to w, dropping the references.
func (h *handoffs) flush(w completions) {
	for i := 0; i < len(h.gone); i++ {
		c := h.gone[i]
		h.gone[i] = nil
		w.onGone(c)
	}
	h.gone = h.gone[:0]
	for i := 0; i < len(h.moved); i++ {
		c := h.moved[i]
		h.moved[i] = nil
		w.onDetached(c)
	}
	h.moved = h.moved[:0]
}
