package handoff

import (
	"context"
	"fmt"
	"time"

	"sluice/spool"
)

// Message is one record, as handed to a target: Recipients holds only the
// recipients still pending.
type Message struct {
	ID         spool.ID
	Sender     string
	Recipients []string
	Data       []byte
	Received   time.Time
}

// Status is a target's answer for one recipient, in SMTP terms: 2xx taken,
// 4xx try again later, 5xx never.
type Status struct {
	Code     int
	Enhanced string // e.g. "5.1.1"; may be empty
	Text     string
}

// OK reports whether the target took responsibility.
func (s Status) OK() bool { return s.Code >= 200 && s.Code < 300 }

// Permanent reports a 5xx.
func (s Status) Permanent() bool { return s.Code >= 500 }

func (s Status) String() string {
	if s.Enhanced != "" {
		return fmt.Sprintf("%d %s %s", s.Code, s.Enhanced, s.Text)
	}
	return fmt.Sprintf("%d %s", s.Code, s.Text)
}

// Delivered is the status a target reports when it owns the message.
var Delivered = Status{Code: 250, Enhanced: "2.0.0", Text: "OK"}

// Target is one downstream. Deliver is called concurrently, at most
// Connections at a time; it returns one Status per m.Recipients, or an
// error when the message as a whole failed for a reason worth retrying
// (connection refused, timeout, protocol breakdown): then every recipient
// is deferred and the target is taken out of rotation for a while.
type Target interface {
	Deliver(ctx context.Context, m *Message) ([]Status, error)
	// Close ends pooled sessions. No Deliver runs during or after it.
	Close() error
}

// Sessions is implemented by targets that keep connections open (SMTP,
// LMTP): the console shows how many are open.
type Sessions interface {
	OpenSessions() int
}

// all returns n copies of s.
func all(s Status, n int) []Status {
	out := make([]Status, n)
	for i := range out {
		out[i] = s
	}
	return out
}
