package proto

import "errors"

// Driver is the one socket-free way a Session is driven: the io_uring and
// epoll loops, the TLS path and proto/prototest all feed sessions through
// it, so the tests exercise the production logic. It owns
//
//   - the input the session has not consumed yet (In), kept in the
//     driver's own memory and passed again, followed by new input;
//   - the output buffer (Out), which the caller sends and trims;
//   - the Submit and Go results owed to the session, resumed strictly in
//     call order, never inside the session call that asked for them.
//
// The caller supplies a Runner: its own reasons to stop feeding (output
// backlog, a close or TLS switch in progress, the connection gone) and what
// to do with each Action. A Driver belongs to one goroutine at a time.
type Driver struct {
	S   Session
	In  []byte // unconsumed input, the driver's own copy
	Out []byte // output the session appended; the caller sends and trims it
	R   Runner

	pend []owed
	seq  uint64
}

// Runner is the caller's side of a Driver.
type Runner interface {
	// MayFeed reports whether the session may be fed now, for the caller's
	// reasons; the driver adds its own (results owed).
	MayFeed() bool
	// InContent is asked before each Feed: whether the session is receiving
	// rate-limited message content (Min_Data_Rate, proto.ContentReceiver).
	InContent() bool
	// Act applies the Action of a Start, Feed or Resume; st says what the
	// call did. false: stop driving (the connection is gone).
	Act(a Action, st Step) bool
}

// Step is what one session call did, for Runner.Act.
type Step struct {
	Resumed  bool // a Start or a Resume (always progress)
	Consumed int  // a Feed: the bytes taken
	Wrote    bool // output was appended
	Content  bool // a Feed that began inside message content (Runner.InContent)
}

// Progress: the call resumed, consumed input or produced output.
func (st Step) Progress() bool { return st.Resumed || st.Consumed > 0 || st.Wrote }

// owed is one Submit or Go awaiting its result.
type owed struct {
	seq  uint64
	m    *Message // the Submit's message; nil for Go
	done bool
	res  Result
}

// FeedChunk is the input per Feed call: one call cannot produce an
// unbounded amount of output (an echo of a large backlog).
const FeedChunk = 16 << 10

// Errors of Input and FeedKept. After ErrStopped the connection is gone
// (Runner.Act said so); after the others the caller closes it.
var (
	ErrStopped  = errors.New("proto: driver stopped by its runner")
	ErrOverflow = errors.New("proto: input left unconsumed beyond the bound")
	ErrBadCount = errors.New("proto: Feed returned a count outside its input")
)

// Start calls the session's Start.
func (d *Driver) Start() bool {
	out, a := d.S.Start(d.Out)
	d.Out = out
	return d.R.Act(a, Step{Resumed: true})
}

// Push notes a Submit (m) or Go (m nil) the session just made and returns
// its sequence number for Deliver.
func (d *Driver) Push(m *Message) uint64 {
	d.seq++
	d.pend = append(d.pend, owed{seq: d.seq, m: m})
	return d.seq
}

// Pending is the number of results still owed to the session.
func (d *Driver) Pending() int { return len(d.pend) }

// Deliver records the result of call seq; ResumeDue hands it over.
func (d *Driver) Deliver(seq uint64, r Result) {
	for i := range d.pend {
		if d.pend[i].seq == seq {
			d.pend[i].done, d.pend[i].res = true, r
			return
		}
	}
}

// ResumeDue resumes the session with every result now due, in call order.
// Result.Msg is set to the message the Submit carried. false: the runner
// stopped.
func (d *Driver) ResumeDue() bool {
	for len(d.pend) > 0 && d.pend[0].done {
		r := d.pend[0].res
		r.Msg = d.pend[0].m
		n := copy(d.pend, d.pend[1:])
		d.pend[n] = owed{}
		d.pend = d.pend[:n]
		out, a := d.S.Resume(r, d.Out)
		d.Out = out
		if !d.R.Act(a, Step{Resumed: true}) {
			return false
		}
	}
	return true
}

func (d *Driver) mayFeed() bool { return len(d.pend) == 0 && d.R.MayFeed() }

// feed runs the session over buf until it stops consuming or may not be
// fed, in slices of FeedChunk; a session that consumes nothing of a slice
// gets the whole rest next, in case it needs a longer unit than the slice.
func (d *Driver) feed(buf []byte) (int, error) {
	total, wide := 0, false
	for total < len(buf) && d.mayFeed() {
		end := len(buf)
		if !wide && end-total > FeedChunk {
			end = total + FeedChunk
		}
		before := len(d.Out)
		content := d.R.InContent()
		n, out, a := d.S.Feed(buf[total:end], d.Out)
		d.Out = out
		if n < 0 || n > end-total {
			return total, ErrBadCount
		}
		total += n
		if !d.R.Act(a, Step{Consumed: n, Wrote: len(out) != before, Content: content}) {
			return total, ErrStopped
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
	return total, nil
}

// Input delivers one read. When nothing is kept and the session may be
// fed, it is fed straight from data (which the caller may reuse after the
// call); what it leaves is kept. limit bounds the kept input whatever
// happens (a read that arrives while feeding is paused); a session that may
// be fed yet leaves more than MaxUnconsumed has broken its bound.
func (d *Driver) Input(data []byte, limit int) error {
	if len(d.In) > 0 || !d.mayFeed() {
		if err := d.keep(data, limit); err != nil {
			return err
		}
		return d.FeedKept()
	}
	n, err := d.feed(data)
	if err != nil {
		return err
	}
	if err := d.keep(data[n:], limit); err != nil {
		return err
	}
	if d.mayFeed() && len(d.In) > MaxUnconsumed {
		return ErrOverflow
	}
	return nil
}

func (d *Driver) keep(data []byte, limit int) error {
	if len(data) == 0 {
		return nil
	}
	if len(d.In)+len(data) > limit {
		return ErrOverflow
	}
	if d.In == nil {
		d.In = make([]byte, 0, max(len(data), 512))
	}
	d.In = append(d.In, data...)
	return nil
}

// FeedKept feeds kept input once the session may take it.
func (d *Driver) FeedKept() error {
	if len(d.In) == 0 || !d.mayFeed() {
		return nil
	}
	k, err := d.feed(d.In)
	if err != nil {
		return err
	}
	rest := copy(d.In, d.In[k:])
	d.In = d.In[:rest]
	if rest == 0 && cap(d.In) > 4096 {
		d.In = nil // an idle connection holds no input memory
	}
	if d.mayFeed() && len(d.In) > MaxUnconsumed {
		return ErrOverflow
	}
	return nil
}

// Release drops the buffers and the results owed (the connection is gone).
func (d *Driver) Release() {
	d.In, d.Out, d.pend = nil, nil, nil
}
