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
	hardIn    = proto.MaxUnconsumed + 1<<20
	outKeep   = 64 << 10 // a flushed output buffer larger than this is dropped
	feedChunk = 16 << 10 // input per Feed call
)

// conn is one accepted connection. It is owned by its worker's thread.
type conn struct {
	w          *worker
	slot       uint32
	gen        uint32
	fd         int
	l          *listen
	ctrs       *ListenCounters
	info       proto.ConnInfo
	sess       proto.Session
	idle       time.Duration // policy Idle_Time, used when the session names no timeout
	minRate    int64         // Min_Data_Rate, bytes/s inside message content; 0 none (rate.go)
	caps       [2]*budget
	in         []byte // input the session has not consumed yet
	out        []byte // output; out[sendOff:] is unsent
	sendOff    int
	sending    bool
	flight     []byte // the buffer of the send in flight, kept reachable until its completion
	readOn     bool   // the back end is delivering input
	eof        bool
	closing    bool // CloseAfterFlush: finish output, then close
	tlsCfg     *tls.Config
	tlsWait    bool      // StartTLS: flushing, then the fd leaves the loop
	tlsCleared bool      // input pipelined behind STARTTLS was discarded
	detaching  bool      // the back end is letting go of the fd
	tls        *tlsState // set once the connection runs on its TLS goroutine
	torn       bool      // teardown started; no session call after this
	reason     proto.CloseReason
	pend       []pendOp // Submit/Go results owed to the session, in call order
	seq        uint64
	deadline   int64 // worker clock ns; 0 = no idle limit
	tl         timerLink
	ep         epollConn
	ur         uringConn

	rate rateHold // per-source concurrency slot (limits.go)
}

type pendOp struct {
	seq  uint64
	done bool
	res  proto.Result
}

func (w *worker) canFeed(c *conn) bool {
	return !c.torn && !c.closing && !c.tlsWait && len(c.pend) == 0 && len(c.out)-c.sendOff <= highWater
}

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
		c.closing = true
	case proto.StartTLS:
		if c.tlsCfg == nil || c.info.TLS {
			w.e.log.Warn("engine: StartTLS without a TLS config on this Listen (or twice); closing", "conn", c.info.ID)
			c.closing = true
		} else {
			c.tlsWait = true
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
	d := c.sess.Timeout()
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

// feed runs the session over buf until it stops consuming or may not be fed.
// Input goes in slices of feedChunk so that one call cannot produce an
// unbounded amount of output (an echo of a large backlog); a session that
// consumes nothing of a slice gets the whole rest next, in case it needs a
// longer unit than the slice.
func (w *worker) feed(c *conn, buf []byte) int {
	total, wide := 0, false
	for total < len(buf) && w.canFeed(c) {
		end := len(buf)
		if !wide && end-total > feedChunk {
			end = total + feedChunk
		}
		before := len(c.out)
		content := c.inContent()
		n, out, a := c.sess.Feed(buf[total:end], c.out)
		c.out = out
		if n < 0 || n > end-total {
			w.closeConn(c, proto.CloseError)
			return total
		}
		total += n
		if !w.act(c, a, w.credit(c, n, len(out) != before, content)) {
			break
		}
		if n == 0 {
			if end == len(buf) {
				break
			}
			wide = true
			continue
		}
		wide = false
	}
	return total
}

func (w *worker) onRecv(c *conn, data []byte) {
	if c.torn {
		return
	}
	c.ctrs.BytesIn.Add(uint64(len(data)))
	if c.closing {
		w.settle(c)
		return
	}
	if len(c.in) == 0 && w.canFeed(c) {
		data = data[w.feed(c, data):]
		if c.torn || !w.keep(c, data) {
			return
		}
		if w.canFeed(c) && len(c.in) > proto.MaxUnconsumed {
			w.overflow(c) // the session broke its bound
			return
		}
	} else {
		if !w.keep(c, data) {
			return
		}
		w.feedBuffered(c)
	}
	w.settle(c)
}

// keep stores unconsumed input in the connection's own memory.
func (w *worker) keep(c *conn, data []byte) bool {
	if len(data) == 0 {
		return true
	}
	if len(c.in)+len(data) > hardIn {
		w.overflow(c)
		return false
	}
	if c.in == nil {
		c.in = make([]byte, 0, max(len(data), 512))
	}
	c.in = append(c.in, data...)
	return true
}

func (w *worker) overflow(c *conn) {
	c.ctrs.InputOverflow.Add(1)
	w.closeConn(c, proto.CloseError)
}

// feedBuffered feeds kept input once the session may take it.
func (w *worker) feedBuffered(c *conn) {
	if len(c.in) == 0 || !w.canFeed(c) {
		return
	}
	k := w.feed(c, c.in)
	if c.torn {
		return
	}
	rest := copy(c.in, c.in[k:])
	c.in = c.in[:rest]
	if rest == 0 && cap(c.in) > 4096 {
		c.in = nil // an idle connection holds no input memory
	}
	if w.canFeed(c) && len(c.in) > proto.MaxUnconsumed {
		w.overflow(c)
	}
}

// settle starts output, finishes closes and sets read interest.
func (w *worker) settle(c *conn) {
	if c.torn || c.detaching {
		return
	}
	if c.tlsWait && !c.tlsCleared {
		// Plaintext pipelined behind STARTTLS must not reach the TLS
		// session (command injection, RFC 3207 §6): drop it. What arrives
		// from now on is the client's TLS handshake.
		c.in, c.tlsCleared = c.in[:0], true
	}
	unsent := len(c.out) - c.sendOff
	if !c.sending && unsent > 0 {
		c.sending = true
		c.flight = c.out[c.sendOff:]
		w.b.send(c, c.flight)
	}
	if !c.sending && unsent == 0 && len(c.pend) == 0 {
		switch {
		case c.closing:
			w.closeConn(c, proto.CloseProtocol)
			return
		case c.eof:
			w.closeConn(c, proto.CloseClient)
			return
		case c.tlsWait:
			c.detaching, c.readOn = true, false
			w.wheel.cancel(c)
			w.b.detach(c)
			return
		}
	}
	want := !c.eof && !c.closing && (w.canFeed(c) || len(c.in) < pauseBytes)
	if want != c.readOn {
		c.readOn = want
		if want {
			w.b.resumeRead(c)
		} else {
			w.b.pauseRead(c)
		}
	}
}
