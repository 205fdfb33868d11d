package control

import (
	"fmt"
	"strings"
)

// Console transactions, as Momentum's console has them: "config begin"
// opens one on this session; "config set" and "config unset" are then
// queued (and answered at once) instead of applied; "config commit" hands
// the queue to Backend.ConfigCommit, which applies it as one generation or
// not at all; "config rollback" drops it. TLS_Certificate and TLS_Key can
// thus change together. A transaction belongs to its session: closing the
// session drops it.

// maxTxChanges bounds a transaction's queue (memory per session).
const maxTxChanges = 1024

// Change is one queued "config set" (Value non-nil) or "config unset".
type Change struct {
	Path  []string
	Value *Value
	Line  string // as typed, for errors
}

// String is the change as a console command.
func (c Change) String() string {
	if c.Value == nil {
		return "config unset " + strings.Join(c.Path, " ")
	}
	return "config set " + strings.Join(c.Path, " ") + " " + c.Value.ConfigText()
}

// txExec answers begin, commit and rollback, and queues set and unset
// while a transaction is open. handled is false for every other command.
func (s *session) txExec(cmd command, line, out []byte) (_ []byte, handled, suspend bool) {
	switch {
	case cmd.op == opConfigBegin:
		if s.tx != nil {
			return s.frameMsg(out, StatusFailed, cmd.json, fmt.Sprintf("a transaction is already open with %d changes; config commit or config rollback first\n", len(s.tx))), true, false
		}
		s.tx = make([]Change, 0, 4)
		return s.frameMsg(out, StatusOK, cmd.json, "transaction begun: config set and config unset are queued until config commit\n"), true, false
	case cmd.op == opConfigRollback:
		if s.tx == nil {
			return s.frameMsg(out, StatusFailed, cmd.json, "no transaction is open (config begin starts one)\n"), true, false
		}
		n := len(s.tx)
		s.tx = nil
		return s.frameMsg(out, StatusOK, cmd.json, fmt.Sprintf("rolled back %d changes\n", n)), true, false
	case cmd.op == opConfigCommit:
		if s.tx == nil {
			return s.frameMsg(out, StatusFailed, cmd.json, "no transaction is open (config begin starts one)\n"), true, false
		}
		return out, true, true // the caller sends the request; request() takes s.tx
	case s.tx != nil && (cmd.op == opConfigSet || cmd.op == opConfigUnset):
		if len(s.tx) >= maxTxChanges {
			return s.frameMsg(out, StatusFailed, cmd.json, fmt.Sprintf("a transaction holds at most %d changes; config commit or config rollback\n", maxTxChanges)), true, false
		}
		r := s.request(cmd, line)
		c := Change{Path: r.args, Line: r.line}
		if cmd.op == opConfigSet {
			v := r.val
			c.Value = &v
		}
		s.tx = append(s.tx, c)
		return s.frameMsg(out, StatusOK, cmd.json, fmt.Sprintf("queued (%d changes; config commit applies them)\n", len(s.tx))), true, false
	}
	return out, false, false
}
