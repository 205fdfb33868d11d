package engine

import (
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/unix"

	"sluice/proto"
	"sluice/tlsrec"
)

// TLS on the worker. The handshake runs in crypto/tls on the connection's
// goroutine (tls.go); when it negotiated TLS 1.3 with a suite tlsrec knows,
// the goroutine takes the record layer over (tlsrec.Takeover), hands a dup
// of the fd back to the worker, and the connection goes on like a plaintext
// one: received ciphertext is opened into a per-worker scratch buffer and
// fed to the same driver, and output is sealed just before it is sent. No
// goroutine hop per message, and the messages join the group commit
// directly. TLS 1.2 stays on the goroutine.
//
// Buffers: recState.tail holds at most one partial record (≤ 16 KiB + 261)
// and recState.sealed the ciphertext not yet sent; both are dropped when
// empty, so an idle TLS connection holds only its keys and AEADs.

// recState is a connection's TLS record layer on the worker.
type recState struct {
	conn     *tlsrec.Conn
	tail     []byte // a partial record received
	sealed   []byte // ciphertext to send; sealed[off:] unsent
	off      int
	notified bool // our close_notify is queued
}

const plainKeep = 2 << 10 // a TLS connection's plaintext output buffer larger than this is dropped once sealed

// unsentCipher is the ciphertext not yet sent.
func (r *recState) unsentCipher() int {
	if r == nil {
		return 0
	}
	return len(r.sealed) - r.off
}

// handBack is the goroutine's side: after the handshake, take the record
// layer over and give the connection back to the worker. false: keep the
// connection on the goroutine (TLS 1.2, an unknown suite, no secrets).
func (r *tlsRun) handBack(rec *tlsrec.Recorder) bool {
	cs := r.tc.ConnectionState()
	if r.c.tlsCfg.KeyLogWriter != tlsrec.Log {
		return false // a configuration that does not log its secrets for us
	}
	if r.c.w.e.opts.TLSOnGoroutine || !tlsrec.Supported(cs.Version, cs.CipherSuite) {
		forgetSecrets(rec)
		return false
	}
	rc, plain, tail, err := tlsrec.Takeover(cs, tlsrec.Log, rec)
	if err != nil {
		r.c.w.e.log.Warn("engine: TLS record takeover failed; staying on crypto/tls", "conn", r.c.info.ID, "err", err)
		return false
	}
	fd, err := dupFd(r.t.nc)
	if err != nil {
		return false
	}
	r.t.nc.Close() // the worker's dup keeps the socket
	c := r.c
	plain = append([]byte(nil), plain...)
	tail = append([]byte(nil), tail...)
	if !c.w.post(func(w *worker) { w.tlsBack(c, fd, &recState{conn: rc, tail: tail}, plain) }) {
		// The worker has exited (shutdown): nobody will carry the connection.
		unix.Close(fd)
		c.d.S.Closed(proto.CloseShutdown)
	}
	return true
}

// forgetSecrets drops a TLS 1.3 handshake's logged secrets that no takeover
// will claim (TLS 1.2 logs nothing tlsrec keeps).
func forgetSecrets(rec *tlsrec.Recorder) {
	if random, err := tlsrec.ClientRandom(rec.In); err == nil {
		tlsrec.Log.Take(random)
	}
}

// dupFd takes a non-blocking dup of a Go-managed socket's fd.
func dupFd(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1, errors.New("engine: the TLS connection has no file descriptor")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, derr := -1, error(nil)
	if err := raw.Control(func(s uintptr) { fd, derr = unix.Dup(int(s)) }); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, derr
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// tlsBack is the worker's side: the connection rejoins the loop with its
// record layer. The goroutine may have been aborted meanwhile (closeConn).
func (w *worker) tlsBack(c *conn, fd int, rs *recState, plain []byte) {
	if v := c.tls.reason.Load(); v != 0 || c.torn() {
		closeFd(fd)
		reason := proto.CloseReason(v - 1)
		c.d.S.Closed(reason)
		w.tlsGone(c, reason)
		return
	}
	// Back to an open connection: the one phase step backwards, from connTLS.
	c.tls, c.fd, c.rs, c.phase = nil, fd, rs, connOpen
	c.tlsCleared, c.sending = false, false
	c.d.R = c
	c.ctrs.TLSOnWorker.Add(1)
	if err := w.b.open(c); err != nil {
		w.closeConn(c, proto.CloseError)
		return
	}
	c.readOn = true
	w.touch(c)
	if len(plain) > 0 && !w.driven(c, c.d.Input(plain, hardIn)) {
		return
	}
	w.settle(c)
}

// onRecvTLS opens received records and feeds their plaintext.
func (w *worker) onRecvTLS(c *conn, data []byte) {
	rs := c.rs
	in := data
	if len(rs.tail) > 0 {
		rs.tail = append(rs.tail, data...)
		in = rs.tail
	}
	plain, n, err := rs.conn.Open(w.plain[:0], in)
	w.plain = plain[:0]
	switch rest := in[n:]; {
	case len(rest) == 0:
		rs.tail = nil
	case len(rs.tail) > 0: // in is rs.tail
		rs.tail = rs.tail[:copy(rs.tail, rest)]
	default:
		rs.tail = append(make([]byte, 0, len(rest)), rest...)
	}
	if len(plain) > 0 && !w.driven(c, c.d.Input(plain, hardIn)) {
		return
	}
	if err != nil {
		w.recError(c, err)
	}
	w.settle(c)
}

// recError ends the connection after a record-layer error: our alert for a
// protocol error, EOF semantics for the peer's close_notify.
func (w *worker) recError(c *conn, err error) {
	var ae *tlsrec.AlertError
	switch {
	case errors.Is(err, tlsrec.ErrCloseNotify):
		c.eof = true
	case errors.As(err, &ae):
		c.ctrs.TLSAlerts.Add(1)
		c.d.Out, c.sendOff = c.d.Out[:0], 0 // nothing may follow a fatal alert
		c.rs.sealed = c.rs.conn.Alert(c.rs.sealed, ae.Alert)
		c.rs.notified = true
		c.phase = connClosing
	default: // the peer's fatal alert
		w.closeConn(c, proto.CloseClient)
	}
}

// nextSend returns the bytes to send next: plaintext output sealed into
// records first on a worker TLS connection.
func (w *worker) nextSend(c *conn) []byte {
	rs := c.rs
	if rs == nil {
		return c.d.Out[c.sendOff:]
	}
	if rs.off == len(rs.sealed) && (len(c.d.Out) > c.sendOff || rs.conn.Pending()) {
		rs.sealed = rs.conn.Seal(rs.sealed[:0], c.d.Out[c.sendOff:])
		rs.off = 0
		c.d.Out, c.sendOff = c.d.Out[:0], 0
		if cap(c.d.Out) > plainKeep {
			c.d.Out = nil // the plaintext only passes through: keep a small buffer
		}
	}
	return rs.sealed[rs.off:]
}

// sentTLS accounts for n ciphertext bytes sent.
func (w *worker) sentTLS(c *conn, n int) {
	rs := c.rs
	rs.off += n
	if rs.off == len(rs.sealed) {
		// Drained: an idle TLS connection keeps no record buffer (one
		// allocation per reply batch on a busy one, against ~80 µs of work).
		rs.sealed, rs.off = nil, 0
	}
}

// closeNotify queues our close_notify before a protocol close; true when
// it was queued now (settle sends it, then closes).
func (w *worker) closeNotify(c *conn) bool {
	if c.rs == nil || c.rs.notified {
		return false
	}
	c.rs.notified = true
	c.rs.sealed = c.rs.conn.Alert(c.rs.sealed[:len(c.rs.sealed)], tlsrec.AlertCloseNotify)
	return true
}
