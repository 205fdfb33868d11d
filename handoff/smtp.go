package handoff

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// SMTPOptions configure an SMTP or LMTP target.
type SMTPOptions struct {
	LMTP      bool
	Network   string // "tcp" or "unix"
	Addr      string
	HeloName  string
	TLS       string // "off", "opportunistic", "required"
	TLSVerify bool
	Timeout   time.Duration // per command and reply; default 60 s
	MaxIdle   int           // sessions kept open between messages (Connections)
	// IdleTime closes a pooled session unused this long (default 30 s),
	// before a server's own idle timeout makes its next use fail.
	IdleTime time.Duration
}

// SMTP is a pooled SMTP (or LMTP, RFC 2033) client target: up to MaxIdle
// sessions stay open and are reused for many messages.
type SMTP struct {
	o     SMTPOptions
	mu    sync.Mutex
	idle  []*session
	dials atomic.Uint64
	open  atomic.Int64 // sessions connected now (idle or in use)
}

// OpenSessions is the number of connected sessions (see Sessions).
func (t *SMTP) OpenSessions() int { return int(t.open.Load()) }

// Dials is the number of connections opened so far.
func (t *SMTP) Dials() uint64 { return t.dials.Load() }

// NewSMTP returns a target; it connects on the first Deliver.
func NewSMTP(o SMTPOptions) *SMTP {
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	if o.IdleTime <= 0 {
		o.IdleTime = 30 * time.Second
	}
	if o.HeloName == "" {
		o.HeloName = "localhost"
	}
	if o.TLS == "" {
		o.TLS = "opportunistic"
	}
	o.MaxIdle = max(o.MaxIdle, 1)
	return &SMTP{o: o}
}

// Deliver implements Target. A pooled session that turns out dead before
// any message byte was sent is replaced by a fresh one once.
func (t *SMTP) Deliver(ctx context.Context, m *Message) ([]Status, error) {
	for try := 0; ; try++ {
		s, reused := t.get()
		if s == nil {
			var err error
			t.dials.Add(1)
			if s, err = dial(ctx, &t.o); err != nil {
				return nil, err
			}
			t.open.Add(1)
			s.open = &t.open
		}
		st, err := s.send(ctx, m)
		if err == nil {
			s.used = time.Now()
			t.put(s)
			return st, nil
		}
		s.close()
		var te *txError
		if reused && try == 0 && errors.As(err, &te) && te.beforeData && ctx.Err() == nil {
			continue
		}
		return nil, err
	}
}

func (t *SMTP) get() (*session, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.idle) > 0 {
		s := t.idle[len(t.idle)-1]
		t.idle = t.idle[:len(t.idle)-1]
		if time.Since(s.used) < t.o.IdleTime {
			return s, true
		}
		go s.quit()
	}
	return nil, false
}

func (t *SMTP) put(s *session) {
	t.mu.Lock()
	if len(t.idle) < t.o.MaxIdle {
		t.idle = append(t.idle, s)
		s = nil
	}
	t.mu.Unlock()
	if s != nil {
		s.quit()
	}
}

// Close implements Target: QUIT on every idle session.
func (t *SMTP) Close() error {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, s := range idle {
		s.quit()
	}
	return nil
}
