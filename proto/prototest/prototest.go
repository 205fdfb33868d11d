// Package prototest drives proto.Session state machines without sockets
// through proto.Driver, the driver the engine itself uses: it keeps
// unconsumed input, resumes suspended sessions with spool results in call
// order, and stops at Close. Protocol packages use it for table tests,
// split-at-every-offset tests and fuzz targets.
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
	nextID    int
	d         *proto.Driver // set by NewDriver: Submit and Go are owed there
	owed      []owedCall
}

// owedCall is a Submit or Go whose result the driver has not had yet.
type owedCall struct {
	seq  uint64
	isGo bool
	res  proto.Result // Go: fn's result
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
	if h.d != nil {
		h.owed = append(h.owed, owedCall{seq: h.d.Push(m)})
	}
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

// Driver feeds one session through a proto.Driver, as the engine does.
type Driver struct {
	S     proto.Session
	H     *Host
	Limit int // max unconsumed bytes tolerated, default proto.MaxUnconsumed
	d     proto.Driver
	res   Result
	err   error
}

// NewDriver starts s (calls Start).
func NewDriver(s proto.Session, h *Host) *Driver {
	td := &Driver{S: s, H: h, Limit: proto.MaxUnconsumed}
	td.d = proto.Driver{S: s, R: td}
	h.d = &td.d
	td.d.Start()
	td.answer()
	return td
}

// MayFeed implements proto.Runner.
func (td *Driver) MayFeed() bool { return !td.res.Closed }

// InContent implements proto.Runner: no data rate applies here.
func (td *Driver) InContent() bool { return false }

// Act implements proto.Runner: it records the action and takes the output.
func (td *Driver) Act(a proto.Action, _ proto.Step) bool {
	td.res.Out = append(td.res.Out, td.d.Out...)
	td.d.Out = td.d.Out[:0]
	td.res.Actions = append(td.res.Actions, a)
	switch a {
	case proto.Close, proto.CloseAfterFlush:
		td.res.Closed = true
	case proto.Suspend:
		if td.d.Pending() == 0 && td.err == nil {
			td.err = fmt.Errorf("prototest: session suspended without Submit")
		}
	}
	return true
}

// answer delivers every owed result (spool IDs, H.Fail, Go results) and
// resumes the session, feeding kept input in between, until nothing is owed.
func (td *Driver) answer() error {
	for len(td.H.owed) > 0 && !td.res.Closed {
		for _, o := range td.H.owed {
			r := o.res
			switch {
			case o.isGo:
			case td.H.Fail != nil:
				r = proto.Result{Err: fmt.Errorf("%w: %v", proto.ErrSpool, td.H.Fail)}
			default:
				td.H.nextID++
				r = proto.Result{ID: fmt.Sprintf("MSGID%04d", td.H.nextID)}
			}
			td.d.Deliver(o.seq, r)
		}
		td.H.owed = td.H.owed[:0]
		td.d.ResumeDue()
		if err := td.d.FeedKept(); err != nil {
			return err
		}
	}
	return td.err
}

// Feed delivers one read's worth of bytes and runs the session until it
// needs more input, closes, or stops consuming.
func (td *Driver) Feed(chunk []byte) error {
	if td.res.Closed {
		return nil
	}
	err := td.d.Input(chunk, 1<<30)
	if err == nil {
		err = td.answer()
	}
	if err == nil && len(td.d.In) > td.Limit {
		err = fmt.Errorf("prototest: %d bytes left unconsumed (limit %d)", len(td.d.In), td.Limit)
	}
	if err == proto.ErrOverflow {
		err = fmt.Errorf("prototest: %d bytes left unconsumed (limit %d)", len(td.d.In), proto.MaxUnconsumed)
	}
	return err
}

// Finish ends the conversation and returns what it produced.
func (td *Driver) Finish() Result {
	td.res.Left = len(td.d.In)
	return td.res
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

// Go runs fn synchronously; its result is owed to the session like a
// Submit's, in call order.
func (h *Host) Go(fn func() (string, error)) {
	text, err := fn()
	if h.d != nil {
		h.owed = append(h.owed, owedCall{seq: h.d.Push(nil), isGo: true, res: proto.Result{Text: text, Err: err}})
	}
}
