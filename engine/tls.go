package engine

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"sluice/proto"
	"sluice/tlsrec"
)

// TLS runs off the event loop. On StartTLS (after the "220 ready" line is
// flushed) or at accept on a UseSSL Listen, the back end lets go of the fd
// and the connection moves to a goroutine of its own: crypto/tls over
// net.FileConn, driving the SAME Session with Feed/Resume. The worker keeps
// the connection's slot, caps and counters until the goroutine reports back.
// Submit stages through the worker's inbox, so a TLS session's messages join
// the worker's group commit like any other; results come back through
// tlsState.deliver. Plaintext pipelined behind STARTTLS is discarded.

// tlsState is shared by the worker and the connection's TLS goroutine.
type tlsState struct {
	nc      net.Conn
	mu      sync.Mutex
	results []seqResult
	notify  chan struct{}
	reason  atomic.Uint32 // abort reason + 1
}

type seqResult struct {
	seq uint64
	r   proto.Result
}

// deliver hands a Submit/Go result to the TLS goroutine; never blocks.
func (t *tlsState) deliver(seq uint64, r proto.Result) {
	t.mu.Lock()
	t.results = append(t.results, seqResult{seq, r})
	t.mu.Unlock()
	t.poke()
}

func (t *tlsState) poke() {
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

// abort ends the connection from outside (idle reaping happens on the
// goroutine itself; this is for the shutdown deadline).
func (t *tlsState) abort(r proto.CloseReason) {
	t.reason.CompareAndSwap(0, uint32(r)+1)
	t.nc.Close()
	t.poke()
}

// onDetached moves c to its TLS goroutine; any bytes already received after
// the flush are the start of the client's handshake.
func (w *worker) onDetached(c *conn) {
	if c.torn() {
		return
	}
	f := os.NewFile(uintptr(c.fd), "")
	nc, err := net.FileConn(f) // a dup, registered with Go's netpoller
	f.Close()
	c.fd = -1
	if err != nil {
		c.phase, c.reason = connTorn, proto.CloseError
		w.onGone(c)
		return
	}
	pre := c.d.In
	c.d.In = nil
	c.tls = &tlsState{nc: nc, notify: make(chan struct{}, 1)}
	c.phase = connTLS
	implicit := c.info.TLS || ungate(c)
	c.info.TLS = true
	go w.serveTLS(c, pre, implicit)
}

// tlsGone is the goroutine's report that the connection is over.
func (w *worker) tlsGone(c *conn, r proto.CloseReason) {
	c.phase, c.reason = connTorn, r
	w.release(c)
}

// tlsRun drives the session on the TLS goroutine: it is the proto.Runner of
// c.d from the move on (the worker no longer touches c.d).
type tlsRun struct {
	c    *conn
	t    *tlsState
	tc   *tls.Conn
	rec  *tlsrec.Recorder // the handshake's raw bytes, for the takeover
	buf  []byte
	stop bool  // the session asked to close or to start TLS again
	due  int64 // idle deadline (unix ns), moved as in rate.go
}

// MayFeed implements proto.Runner: feed until the session asks to stop or
// its output must be written first.
func (r *tlsRun) MayFeed() bool { return !r.stop && len(r.c.d.Out) <= highWater }

// InContent implements proto.Runner.
func (r *tlsRun) InContent() bool { return r.c.InContent() }

// Act implements proto.Runner: a Feed moves the idle deadline; the
// connection ends once output is written after CloseAfterFlush, Close or a
// second StartTLS.
func (r *tlsRun) Act(a proto.Action, st proto.Step) bool {
	if !st.Resumed {
		r.progress(st.Consumed, st.Wrote, st.Content)
	}
	switch a {
	case proto.CloseAfterFlush, proto.Close, proto.StartTLS:
		r.stop = true
	}
	return true
}

func (w *worker) serveTLS(c *conn, pre []byte, implicit bool) {
	t := c.tls
	rec := &tlsrec.Recorder{Conn: &prefixConn{Conn: t.nc, pre: pre}}
	r := &tlsRun{c: c, t: t, tc: tls.Server(rec, c.tlsCfg), rec: rec}
	reason := r.run(implicit)
	if reason == handedBack {
		return // the worker carries the connection on (tlsworker.go)
	}
	if v := t.reason.Load(); v != 0 {
		reason = proto.CloseReason(v - 1)
	}
	if reason == proto.CloseProtocol {
		r.tc.Close() // close_notify, then the socket
	} else {
		t.nc.Close()
	}
	c.d.S.Closed(reason)
	w.post(func(w *worker) { w.tlsGone(c, reason) })
}

func (r *tlsRun) idle() time.Duration {
	if d := r.c.d.S.Timeout(); d > 0 {
		return d
	}
	if r.c.idle > 0 {
		return r.c.idle
	}
	return 5 * time.Minute
}

func (r *tlsRun) run(implicit bool) proto.CloseReason {
	d := &r.c.d
	d.R = r
	r.t.nc.SetDeadline(time.Now().Add(r.idle()))
	if err := r.tc.Handshake(); err != nil {
		return ioReason(err)
	}
	// A session that cares (SMTP: reset to the post-banner state, client
	// certificate for TLS_Verified_Peer_Can_Relay) learns TLS is up before
	// it sees the first decrypted byte.
	if ts, ok := d.S.(proto.TLSStarter); ok {
		cs := r.tc.ConnectionState()
		ts.TLSStarted(&cs)
	}
	if implicit {
		d.Start()
	}
	if r.handBack(r.rec) {
		return handedBack
	}
	r.rec.Stop() // staying on crypto/tls
	r.buf = make([]byte, 16<<10)
	r.due = time.Now().Add(r.idle()).UnixNano()
	for {
		if len(d.Out) > 0 {
			r.t.nc.SetWriteDeadline(time.Now().Add(r.idle()))
			if _, err := r.tc.Write(d.Out); err != nil {
				return ioReason(err)
			}
			d.Out = d.Out[:0]
			r.due = time.Now().Add(r.idle()).UnixNano() // output progress
		}
		if r.stop {
			return proto.CloseProtocol
		}
		if d.Pending() > 0 {
			if !r.waitResult() {
				return proto.CloseShutdown
			}
			continue
		}
		if err := d.FeedKept(); err != nil {
			return proto.CloseError
		}
		if len(d.Out) > 0 || r.stop || d.Pending() > 0 {
			continue
		}
		r.t.nc.SetReadDeadline(time.Unix(0, r.due))
		n, err := r.tc.Read(r.buf)
		if n > 0 {
			if d.Input(r.buf[:n], hardIn) != nil {
				return proto.CloseError
			}
		} else if err != nil {
			return ioReason(err)
		}
	}
}

// progress moves the idle deadline after a Feed, as worker.credit does on
// the event loop: only consumed input or output counts, and content bytes
// earn n / Min_Data_Rate seconds.
func (r *tlsRun) progress(n int, made, content bool) {
	now, idle := time.Now().UnixNano(), int64(r.idle())
	switch {
	case made || (n > 0 && !content):
		r.due = now + idle
	case n > 0:
		r.due = creditDeadline(now, r.due, idle, n, r.c.minRate)
	}
}

// waitResult resumes the session with the results due, in call order,
// waiting for the worker to deliver them; false at the shutdown deadline.
func (r *tlsRun) waitResult() bool {
	d := &r.c.d
	for {
		r.t.mu.Lock()
		got := r.t.results
		r.t.results = nil
		r.t.mu.Unlock()
		for _, sr := range got {
			d.Deliver(sr.seq, sr.r)
		}
		if n := d.Pending(); d.ResumeDue() && d.Pending() < n {
			return true
		}
		if r.t.reason.Load() != 0 {
			return false
		}
		<-r.t.notify
	}
}

// handedBack is run's result when the worker took the connection back; it
// is never reported as a close reason.
const handedBack proto.CloseReason = 255

func ioReason(err error) proto.CloseReason {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return proto.CloseIdle
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return proto.CloseClient
	}
	return classify(err)
}

// prefixConn replays bytes the event loop had already received.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}
