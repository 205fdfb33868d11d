package engine

import (
	"crypto/tls"
	"time"

	"sluice/proto"
)

const (
	genMask    = 1<<24 - 1 // generation bits carried in user data
	highWater  = 64 << 10  // stop feeding while this much output is unsent
	pauseBytes = 16 << 10  // stop reading while this much input waits unfed
	// hardIn bounds the input kept per connection whatever happens. Beyond
	// the session's own bound it leaves room for what the kernel had already
	// received when reading was paused: a multishot recv delivers a socket's
	// queued data in one completion batch, before the cancel takes effect.
	hardIn  = proto.MaxUnconsumed + 1<<20
	outKeep = 64 << 10 // a flushed output buffer larger than this is dropped
)

// conn is one accepted connection. It is owned by its worker's thread.
type conn struct {
	w       *worker
	slot    uint32
	gen     uint32
	fd      int
	l       *listen
	ctrs    *ListenCounters
	info    proto.ConnInfo
	d       proto.Driver  // the session, its kept input, output (d.Out[sendOff:] unsent) and owed results
	idle    time.Duration // policy Idle_Time, used when the session names no timeout
	minRate int64         // Min_Data_Rate, bytes/s inside message content; 0 none (rate.go)
	caps    [2]*budget
	sendOff int
	phase   connPhase
	// Independent of the phase:
	sending    bool   // a send is in flight
	flight     []byte // the buffer of the send in flight, kept reachable until its completion
	readOn     bool   // the back end is delivering input
	eof        bool   // the peer half-closed
	tlsCleared bool   // input pipelined behind STARTTLS was discarded
	tlsCfg     *tls.Config
	tls        *tlsState // set once the connection runs on its TLS goroutine
	rs         *recState // TLS records carried on the worker (tlsworker.go)
	reason     proto.CloseReason
	deadline   int64 // worker clock ns; 0 = no idle limit
	tl         timerLink
	ep         epollConn
	ur         uringConn

	rate rateHold // per-source concurrency slot (limits.go)
}

// connPhase is where a connection is in its life. It only moves forward,
// except that CloseAfterFlush may also end a StartTLS wait, and that a TLS
// 1.3 connection whose records the worker takes over goes from connTLS back
// to connOpen (tlsworker.go).
type connPhase uint8

const (
	connOpen      connPhase = iota // fed, read and written as the session asks
	connClosing                    // CloseAfterFlush: finish output, then close
	connTLSWait                    // StartTLS: flush, then the fd leaves the loop
	connDetaching                  // the back end is letting go of the fd
	connTLS                        // on its TLS goroutine (c.tls); the worker keeps slot and caps
	connTorn                       // teardown started; no session call after this
)

// torn: teardown started; no session call after this.
func (c *conn) torn() bool { return c.phase == connTorn }

// MayFeed implements proto.Runner: the engine's reasons to stop feeding.
func (c *conn) MayFeed() bool {
	return c.phase == connOpen && len(c.d.Out)-c.sendOff+c.rs.unsentCipher() <= highWater
}

// Act implements proto.Runner. A Feed inside rate-limited content moves
// the idle clock by its bytes only (rate.go).
func (c *conn) Act(a proto.Action, st proto.Step) bool {
	return c.w.act(c, a, st.Resumed || c.w.credit(c, st.Consumed, st.Wrote, st.Content))
}

func (w *worker) canFeed(c *conn) bool { return c.d.Pending() == 0 && c.MayFeed() }

// act applies a session's Action; false means the connection is torn down.
// Only progress (input consumed, output made, a resume) restarts the idle
// clock, so a peer dribbling bytes that complete nothing is still reaped.
func (w *worker) act(c *conn, a proto.Action, progress bool) bool {
	if progress {
		w.touch(c)
	}
	switch a {
	case proto.Continue, proto.Suspend:
	case proto.CloseAfterFlush:
		c.phase = connClosing
	case proto.StartTLS:
		if c.tlsCfg == nil || c.info.TLS {
			w.e.log.Warn("engine: StartTLS without a TLS config on this Listen (or twice); closing", "conn", c.info.ID)
			c.phase = connClosing
		} else {
			c.phase = connTLSWait
		}
	default:
		w.closeConn(c, proto.CloseProtocol)
		return false
	}
	return true
}

// touch restarts the idle clock after session progress. Raw bytes that the
// session does not consume (a slowloris dribble) do not count.
func (w *worker) touch(c *conn) {
	d := c.d.S.Timeout()
	if d <= 0 {
		d = c.idle
	}
	if d <= 0 {
		c.deadline = 0
		return
	}
	c.deadline = w.nowNano + int64(d)
	w.wheel.arm(c, c.deadline)
}

func (w *worker) onRecv(c *conn, data []byte) {
	if c.torn() {
		return
	}
	c.ctrs.BytesIn.Add(uint64(len(data)))
	if c.phase == connClosing {
		w.settle(c)
		return
	}
	if c.rs != nil {
		w.onRecvTLS(c, data)
		return
	}
	if w.driven(c, c.d.Input(data, hardIn)) {
		w.settle(c)
	}
}

// feedBuffered feeds kept input once the session may take it.
func (w *worker) feedBuffered(c *conn) { w.driven(c, c.d.FeedKept()) }

// driven applies the outcome of a driver step; false: c is torn down.
func (w *worker) driven(c *conn, err error) bool {
	switch err {
	case nil:
		return !c.torn()
	case proto.ErrOverflow:
		c.ctrs.InputOverflow.Add(1)
		w.closeConn(c, proto.CloseError)
	case proto.ErrBadCount:
		w.closeConn(c, proto.CloseError)
	}
	return false
}

// settle starts output, finishes closes and sets read interest.
func (w *worker) settle(c *conn) {
	if c.phase >= connDetaching {
		return
	}
	if c.phase == connTLSWait && !c.tlsCleared {
		// Plaintext pipelined behind STARTTLS must not reach the TLS
		// session (command injection, RFC 3207 §6): drop it. What arrives
		// from now on is the client's TLS handshake.
		c.d.In, c.tlsCleared = c.d.In[:0], true
	}
	unsent := len(c.d.Out) - c.sendOff + c.rs.unsentCipher()
	if !c.sending && (unsent > 0 || c.rs != nil && c.rs.conn.Pending()) {
		c.sending = true
		c.flight = w.nextSend(c)
		w.b.send(c, c.flight)
	}
	if !c.sending && unsent == 0 && c.d.Pending() == 0 {
		switch {
		case c.phase == connClosing && w.closeNotify(c):
			c.sending = true
			c.flight = w.nextSend(c)
			w.b.send(c, c.flight)
		case c.phase == connClosing:
			w.closeConn(c, proto.CloseProtocol)
			return
		case c.eof:
			w.closeConn(c, proto.CloseClient)
			return
		case c.phase == connTLSWait:
			c.phase, c.readOn = connDetaching, false
			w.wheel.cancel(c)
			w.b.detach(c)
			return
		}
	}
	want := !c.eof && c.phase != connClosing && (w.canFeed(c) || len(c.d.In) < pauseBytes)
	if want != c.readOn {
		c.readOn = want
		if want {
			w.b.resumeRead(c)
		} else {
			w.b.pauseRead(c)
		}
	}
}
