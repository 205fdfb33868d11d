// Package prototest drives proto.Session state machines without sockets, the
// way the engine does: it keeps unconsumed input, resumes suspended sessions
// with spool results, and stops at Close. Protocol packages use it for
// table tests, split-at-every-offset tests and fuzz targets.
package prototest

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"sluice/config"
	"sluice/proto"
)

// Host is a fake proto.Host. Submitted messages are copied, so a session that
// reuses its buffers after Resume cannot corrupt what the test inspects.
type Host struct {
	Gen       uint64
	Draining  bool
	Clock     time.Time
	Fail      error // when set, every commit fails with this error
	Submitted []proto.Message
	pending   int
	nextID    int
	order     []bool // true: a Go result, false: a Submit, in call order
	goResults []proto.Result
}

// NewHost returns a host at generation 1 with a fixed clock.
func NewHost() *Host {
	return &Host{Gen: 1, Clock: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
}

func (h *Host) Submit(m *proto.Message) {
	c := proto.Message{Protocol: m.Protocol, Sender: m.Sender,
		Recipients: append([]string(nil), m.Recipients...),
		Data:       append([]byte(nil), m.Data...)}
	h.Submitted = append(h.Submitted, c)
	h.order = append(h.order, false)
	h.pending++
}
func (h *Host) Generation() uint64 { return h.Gen }
func (h *Host) ShuttingDown() bool { return h.Draining }
func (h *Host) Now() time.Time     { return h.Clock }

// Conn returns a ConnInfo for a TCP peer at remote on listen, with policy p.
func Conn(listener, listen, remote string, p *config.Policy) *proto.ConnInfo {
	return &proto.ConnInfo{ID: 1, Listener: listener, Listen: listen,
		Local:  netip.MustParseAddrPort("127.0.0.1:2525"),
		Remote: netip.MustParseAddrPort(remote), PeerUID: -1, Policy: p,
		Generation: 1, Accepted: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
}

// Result is what a driven conversation produced.
type Result struct {
	Out     []byte // everything the session wrote
	Actions []proto.Action
	Closed  bool // the session asked to close
	Left    int  // input bytes never consumed
}

// Driver feeds one session like the engine would.
type Driver struct {
	S     proto.Session
	H     *Host
	res   Result
	tail  []byte
	susp  bool
	Limit int // max unconsumed bytes tolerated, default proto.MaxUnconsumed
}

// NewDriver starts s (calls Start).
func NewDriver(s proto.Session, h *Host) *Driver {
	d := &Driver{S: s, H: h, Limit: proto.MaxUnconsumed}
	out, a := s.Start(nil)
	d.apply(out, a)
	return d
}

func (d *Driver) apply(out []byte, a proto.Action) {
	d.res.Out = append(d.res.Out, out...)
	d.res.Actions = append(d.res.Actions, a)
	switch a {
	case proto.Close, proto.CloseAfterFlush:
		d.res.Closed = true
	case proto.Suspend:
		d.susp = true
	}
}

// resume answers every outstanding Submit in order.
func (d *Driver) resume() error {
	for d.susp && !d.res.Closed {
		if d.H.pending == 0 {
			return fmt.Errorf("prototest: session suspended without Submit")
		}
		d.H.pending--
		isGo := d.H.order[0]
		d.H.order = d.H.order[1:]
		var r proto.Result
		switch {
		case isGo:
			r = d.H.goResults[0]
			d.H.goResults = d.H.goResults[1:]
		case d.H.Fail != nil:
			r = proto.Result{Err: fmt.Errorf("%w: %v", proto.ErrSpool, d.H.Fail)}
		default:
			d.H.nextID++
			r = proto.Result{ID: fmt.Sprintf("MSGID%04d", d.H.nextID)}
		}
		d.susp = false
		out, a := d.S.Resume(r, nil)
		d.apply(out, a)
	}
	return nil
}

// Feed delivers one read's worth of bytes and runs the session until it
// needs more input, closes, or stops consuming.
func (d *Driver) Feed(chunk []byte) error {
	if d.res.Closed {
		return nil
	}
	d.tail = append(d.tail, chunk...)
	for len(d.tail) > 0 && !d.res.Closed {
		if err := d.resume(); err != nil {
			return err
		}
		if d.res.Closed {
			break
		}
		n, out, a := d.S.Feed(d.tail, nil)
		if n < 0 || n > len(d.tail) {
			return fmt.Errorf("prototest: Feed consumed %d of %d", n, len(d.tail))
		}
		d.tail = d.tail[n:]
		d.apply(out, a)
		if n == 0 && a != proto.Suspend {
			break
		}
	}
	if err := d.resume(); err != nil {
		return err
	}
	if len(d.tail) > d.Limit {
		return fmt.Errorf("prototest: %d bytes left unconsumed (limit %d)", len(d.tail), d.Limit)
	}
	d.tail = append([]byte(nil), d.tail...) // the engine owns read buffers; never alias
	return nil
}

// Finish ends the conversation and returns what it produced.
func (d *Driver) Finish() Result {
	d.res.Left = len(d.tail)
	return d.res
}

// Run drives a whole conversation given as read-sized chunks.
func Run(s proto.Session, h *Host, chunks ...[]byte) (Result, error) {
	d := NewDriver(s, h)
	for _, c := range chunks {
		if err := d.Feed(c); err != nil {
			return d.Finish(), err
		}
	}
	return d.Finish(), nil
}

// SplitEvery runs input whole, then split in two at every byte offset, and
// reports the first split whose output or submitted messages differ from
// the whole run. mk returns a fresh session and host each time.
func SplitEvery(mk func() (proto.Session, *Host), input []byte) error {
	s, h := mk()
	want, err := Run(s, h, input)
	if err != nil {
		return fmt.Errorf("whole run: %w", err)
	}
	wantMsgs := h.Submitted
	for i := 1; i < len(input); i++ {
		s, h := mk()
		got, err := Run(s, h, input[:i], input[i:])
		if err != nil {
			return fmt.Errorf("split at %d: %w", i, err)
		}
		if !bytes.Equal(got.Out, want.Out) {
			return fmt.Errorf("split at %d: output differs\n got: %q\nwant: %q", i, got.Out, want.Out)
		}
		if err := SameMessages(h.Submitted, wantMsgs); err != nil {
			return fmt.Errorf("split at %d: %w", i, err)
		}
	}
	return nil
}

// ByteAtATime runs input one byte per read.
func ByteAtATime(s proto.Session, h *Host, input []byte) (Result, error) {
	chunks := make([][]byte, len(input))
	for i := range input {
		chunks[i] = input[i : i+1]
	}
	return Run(s, h, chunks...)
}

// SameMessages compares two lists of submitted messages.
func SameMessages(got, want []proto.Message) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d messages submitted, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Sender != w.Sender || fmt.Sprint(g.Recipients) != fmt.Sprint(w.Recipients) ||
			!bytes.Equal(g.Data, w.Data) || g.Protocol != w.Protocol {
			return fmt.Errorf("message %d differs:\n got %+v\nwant %+v", i, g, w)
		}
	}
	return nil
}

// Go runs fn synchronously and queues its result for the next Resume.
func (h *Host) Go(fn func() (string, error)) {
	text, err := fn()
	h.goResults = append(h.goResults, proto.Result{Text: text, Err: err})
	h.order = append(h.order, true)
	h.pending++
}
