package load

import (
	"bufio"
	"fmt"
	"net"
	"time"
)

// Envelope used by every generator; the bench configs relay example.com.
const (
	MailFrom = "bench@example.org"
	RcptTo   = "rcpt@example.com"
)

// smtpConn is one client SMTP connection.
type smtpConn struct {
	conn       net.Conn
	r          *bufio.Reader
	timeout    time.Duration
	pipelining bool
	txn        []byte // MAIL, RCPT and DATA, written at once when pipelining
	msg        []byte // body plus the ".\r\n" terminator
	resumed    bool   // the TLS session was resumed from a ticket
}

func newSMTPCommands(size int) (txn, msg []byte) {
	txn = []byte("MAIL FROM:<" + MailFrom + ">\r\nRCPT TO:<" + RcptTo + ">\r\nDATA\r\n")
	msg = append(BuildMessage(size), ".\r\n"...)
	return txn, msg
}

// dialSMTP connects, reads the banner and says EHLO.
func dialSMTP(c *Config, txn, msg []byte) (*smtpConn, error) {
	nc, err := net.DialTimeout("tcp", c.Addr, c.Timeout)
	if err != nil {
		return nil, err
	}
	s := &smtpConn{conn: nc, r: bufio.NewReaderSize(nc, 4096), timeout: c.Timeout,
		pipelining: c.Pipelining, txn: txn, msg: msg}
	s.deadline()
	if err := s.expect('2', "banner"); err != nil {
		nc.Close()
		return nil, err
	}
	if err := s.command("EHLO sluice-bench.example.org\r\n", '2'); err != nil {
		nc.Close()
		return nil, err
	}
	if c.StartTLS != TLSOff {
		if err := s.startTLS(c); err != nil {
			s.conn.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *smtpConn) deadline() { s.conn.SetDeadline(time.Now().Add(s.timeout)) }

// expect reads one (possibly multi-line) reply whose code starts with want.
func (s *smtpConn) expect(want byte, what string) error {
	for {
		line, err := s.r.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("load: smtp %s: %w", what, err)
		}
		if len(line) < 4 || line[0] != want {
			return fmt.Errorf("load: smtp %s: unexpected reply %q", what, trimCRLF(line))
		}
		if line[3] != '-' {
			return nil
		}
	}
}

func (s *smtpConn) command(cmd string, want byte) error {
	if _, err := s.conn.Write([]byte(cmd)); err != nil {
		return err
	}
	return s.expect(want, cmd[:4])
}

// transaction sends one message: MAIL, RCPT, DATA (pipelined or in lock
// step) and the body.
func (s *smtpConn) transaction() error {
	s.deadline()
	if s.pipelining {
		if _, err := s.conn.Write(s.txn); err != nil {
			return err
		}
		for i, want := range []byte{'2', '2', '3'} {
			if err := s.expect(want, [...]string{"MAIL", "RCPT", "DATA"}[i]); err != nil {
				return err
			}
		}
	} else {
		for _, cmd := range []struct {
			line string
			want byte
		}{{"MAIL FROM:<" + MailFrom + ">\r\n", '2'}, {"RCPT TO:<" + RcptTo + ">\r\n", '2'}, {"DATA\r\n", '3'}} {
			if err := s.command(cmd.line, cmd.want); err != nil {
				return err
			}
		}
	}
	if _, err := s.conn.Write(s.msg); err != nil {
		return err
	}
	return s.expect('2', "end of data")
}

func (s *smtpConn) quit() error {
	s.deadline()
	err := s.command("QUIT\r\n", '2')
	return firstErr(err, s.conn.Close())
}

func (s *smtpConn) Do() (int, error) { return 1, s.transaction() }
func (s *smtpConn) Close() error     { return s.conn.Close() }

// smtpKeepaliveFactory: one session per worker, one message per op.
func smtpKeepaliveFactory(c *Config) Factory {
	return func(int) (Doer, error) {
		txn, msg := newSMTPCommands(c.Size)
		return dialSMTP(c, txn, msg)
	}
}

// sessionDoer opens a new session for every message.
type sessionDoer struct {
	c        *Config
	txn, msg []byte
	noMsg    bool // connrate: banner and QUIT only
}

func (d *sessionDoer) Do() (int, error) {
	if d.noMsg {
		return 1, bannerQuit(d.c)
	}
	s, err := dialSMTP(d.c, d.txn, d.msg)
	if err != nil {
		return 0, err
	}
	if err := s.transaction(); err != nil {
		s.conn.Close()
		return 0, err
	}
	return 1, s.quit()
}

func (d *sessionDoer) Close() error { return nil }

func smtpSessionFactory(c *Config) Factory {
	return func(int) (Doer, error) {
		txn, msg := newSMTPCommands(c.Size)
		return &sessionDoer{c: c, txn: txn, msg: msg}, nil
	}
}

func connRateFactory(c *Config) Factory {
	return func(int) (Doer, error) { return &sessionDoer{c: c, noMsg: true}, nil }
}

// bannerQuit connects, waits for the banner and says QUIT (no EHLO).
func bannerQuit(c *Config) error {
	nc, err := net.DialTimeout("tcp", c.Addr, c.Timeout)
	if err != nil {
		return err
	}
	s := &smtpConn{conn: nc, r: bufio.NewReaderSize(nc, 512), timeout: c.Timeout}
	s.deadline()
	if err := s.expect('2', "banner"); err != nil {
		nc.Close()
		return err
	}
	return s.quit()
}

func trimCRLF(b []byte) string {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return string(b)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
