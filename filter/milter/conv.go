package milter

import (
	"errors"
	"sync"
	"time"

	gm "github.com/d--j/go-milter"
)

// Conv is one milter conversation for one SMTP session, as Postfix holds
// it: one connection, connect and HELO once, then per transaction MAIL,
// each RCPT as the client sends it, and the message at the end of DATA.
// A transaction that ends without a message is aborted (ABORT) before the
// next MAIL. Methods block on the network; they are safe for concurrent
// use but are meant to be called one at a time, off the event loop.
type Conv struct {
	c  *Client
	mu sync.Mutex

	s       *gm.ClientSession // nil: not connected (yet, or after a failure)
	macros  *gm.MacroBag
	inTx    bool     // MAIL sent; the milter is inside a transaction
	abort   bool     // the SMTP transaction ended without a message: ABORT first
	skip    bool     // the milter accepted the transaction early: no more events
	txStop  *Verdict // a refusal of MAIL (or DISCARD), for the whole transaction
	refused *Verdict // a refusal at connect or HELO, for the whole session
}

// NewConv returns a conversation; it connects at its first use.
func (c *Client) NewConv() *Conv { return &Conv{c: c} }

// Client is the milter this conversation talks to.
func (v *Conv) Client() *Client { return v.c }

// EndTx tells the conversation that the SMTP transaction ended without a
// message (RSET, a new HELO, a refused DATA). It does no I/O: the ABORT
// goes out before the next MAIL.
func (v *Conv) EndTx() {
	v.mu.Lock()
	if v.inTx {
		v.abort = true
	}
	v.mu.Unlock()
}

// Close ends the conversation (QUIT) and closes the connection.
func (v *Conv) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.s != nil {
		v.s.Close()
		v.s = nil
	}
}

// errFinal carries a final action taken before the end of the message.
var errFinal = errors.New("final action")

// Rcpt sends one recipient (connecting and starting the transaction first
// when needed). Continue accepts it; Reject or Tempfail refuse this
// recipient with Reply; Discard accepts it and marks the whole message
// for discarding. A failure gives the default action's verdict.
func (v *Conv) Rcpt(env *Envelope, rcpt string) Verdict {
	v.mu.Lock()
	defer v.mu.Unlock()
	start := time.Now()
	out := Verdict{Sender: env.Sender, Recipients: env.Recipients}
	err := v.rcpt(env, rcpt, &out)
	if err != nil && !errors.Is(err, errFinal) {
		out = v.fail(env, nil, err)
	}
	v.c.Stats.record(out, time.Since(start))
	return out
}

func (v *Conv) rcpt(env *Envelope, rcpt string, out *Verdict) error {
	if err := v.begin(env, out); err != nil {
		return err
	}
	if v.skip {
		return nil
	}
	v.macros.Set(gm.MacroRcptAddr, rcpt)
	act, err := v.s.Rcpt(rcpt, "")
	if err != nil {
		return err
	}
	if act.Type == gm.ActionContinue {
		return nil
	}
	out.fromAction(act)
	switch act.Type {
	case gm.ActionAccept:
		v.skip = true
	case gm.ActionDiscard:
		v.skip, v.txStop = true, out
	}
	return errFinal
}

// begin connects (connect, HELO) if needed and starts the transaction
// (ABORT of an unfinished one, then MAIL). A refusal comes back as
// errFinal with out filled.
func (v *Conv) begin(env *Envelope, out *Verdict) error {
	switch {
	case v.refused != nil:
		*out = *v.refused
		return errFinal
	case v.s == nil:
		if err := v.open(env, out); err != nil {
			return err
		}
	}
	if v.abort {
		v.abort = false
		v.inTx = false
		if err := v.s.Abort(nil); err != nil {
			return err
		}
	}
	if !v.inTx {
		v.inTx, v.skip, v.txStop = true, false, nil
		v.macros.Set(gm.MacroMailAddr, env.Sender)
		act, err := v.s.Mail(env.Sender, "")
		if err != nil {
			return err
		}
		if act.Type != gm.ActionContinue {
			out.fromAction(act)
			if act.Type == gm.ActionAccept {
				v.skip = true
				return nil
			}
			v.skip, v.txStop = true, out
			return errFinal
		}
	}
	if v.txStop != nil {
		*out = *v.txStop
		return errFinal
	}
	return nil
}

// open connects, negotiates and sends connect and HELO.
func (v *Conv) open(env *Envelope, out *Verdict) error {
	v.macros = v.c.macros(env)
	s, err := v.c.c.Session(v.macros)
	if err != nil {
		return err
	}
	v.s, v.inTx, v.abort = s, false, false
	fam, port, addr := gm.FamilyInet, env.Client.Port(), env.Client.Addr().Unmap()
	switch {
	case env.Unix:
		fam, port = gm.FamilyUnix, 0
	case addr.Is6():
		fam = gm.FamilyInet6
	}
	act, err := s.Conn("["+addr.String()+"]", fam, port, addr.String())
	if err == nil && act.Type == gm.ActionContinue {
		act, err = s.Helo(env.Helo)
	}
	switch {
	case err != nil:
		return err
	case act.Type == gm.ActionContinue:
		return nil
	case act.Type == gm.ActionAccept: // accept the whole connection: no more events
		v.refused = &Verdict{Answer: act.String()}
		*out = *v.refused
		return errFinal
	}
	out.fromAction(act)
	if out.Kind == Discard { // Postfix ignores a discard here
		*out = Verdict{Answer: act.String()}
		v.refused = out
		return errFinal
	}
	v.refused = out
	return errFinal
}

// fail drops the connection and returns the default action's verdict.
func (v *Conv) fail(env *Envelope, data []byte, err error) Verdict {
	if v.s != nil {
		v.s.Close()
		v.s = nil
	}
	v.inTx, v.abort, v.skip, v.txStop = false, false, false, nil
	return v.c.failed(env, data, err)
}

// Message sends the message (DATA, headers, end of headers, body, end of
// message) and returns the verdict with the milter's edits applied. On a
// connection that has not seen this transaction (a new or reconnected
// one) it first replays connect, HELO, MAIL and every recipient of env.
func (v *Conv) Message(env *Envelope, data []byte, traceLen int) Verdict {
	v.mu.Lock()
	defer v.mu.Unlock()
	start := time.Now()
	out := Verdict{Data: data, Sender: env.Sender, Recipients: env.Recipients}
	err := v.message(env, data, traceLen, &out)
	switch {
	case errors.Is(err, errFinal):
		out.Data, out.Sender, out.Recipients, out.Changed = data, env.Sender, env.Recipients, false
	case err != nil:
		out = v.fail(env, data, err)
	}
	v.c.Stats.record(out, time.Since(start))
	return out
}

func (v *Conv) message(env *Envelope, data []byte, traceLen int, out *Verdict) error {
	replay := v.s == nil || !v.inTx || v.abort
	if err := v.begin(env, out); err != nil {
		return err
	}
	if replay {
		for _, r := range env.Recipients {
			if err := v.rcpt(env, r, out); err != nil {
				return err // a refused recipient refuses the message: none is dropped silently
			}
		}
	}
	if v.skip {
		v.abort = true // the milter is still inside the transaction
		return nil
	}
	v.abort = true // until End completes
	msg := Parse(data, traceLen)
	lead := v.s.ProtocolOption(gm.OptHeaderLeadingSpace)
	final := func(act *gm.Action, err error) error {
		switch {
		case err != nil:
			return err
		case act.Type == gm.ActionContinue:
			return nil
		}
		out.fromAction(act)
		return errFinal
	}
	if err := final(v.s.DataStart()); err != nil {
		return err
	}
	for _, f := range msg.Fields {
		if err := final(v.s.HeaderField(f.Name, f.value(lead), nil)); err != nil {
			return err
		}
		if v.s.Skip() {
			break
		}
	}
	if err := final(v.s.HeaderEnd()); err != nil {
		return err
	}
	for b := msg.Body; len(b) > 0 && !v.s.Skip(); {
		n := min(len(b), 65535)
		if err := final(v.s.BodyChunk(b[:n])); err != nil {
			return err
		}
		b = b[n:]
	}
	mods, act, err := v.s.End()
	if err != nil {
		return err
	}
	v.inTx, v.abort = false, false
	if act.Type == gm.ActionAccept || act.Type == gm.ActionContinue {
		out.Answer = act.String()
		return out.apply(mods, msg, v.c.o.MaxEdits, lead)
	}
	out.fromAction(act) // refused or discarded: the edits are moot
	return nil
}
