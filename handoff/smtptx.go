package handoff

import (
	"bytes"
	"context"
	"errors"
	"time"
	"unicode/utf8"
)

type txError struct {
	err        error
	beforeData bool
}

func (e *txError) Error() string { return e.err.Error() }
func (e *txError) Unwrap() error { return e.err }

// send runs one mail transaction: MAIL, RCPT per recipient and DATA,
// pipelined when the server offers PIPELINING (RFC 2920). It returns a
// status per recipient; an error means the session is unusable (the
// statuses are then unknown).
func (s *session) send(ctx context.Context, m *Message) ([]Status, error) {
	stop := context.AfterFunc(ctx, func() { s.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	_, pipelining := s.ext["PIPELINING"]
	mail := "MAIL FROM:<" + m.Sender + ">"
	if _, ok := s.ext["8BITMIME"]; ok && has8bit(m.Data) {
		mail += " BODY=8BITMIME"
	}
	if _, ok := s.ext["SMTPUTF8"]; ok && needsUTF8(m) {
		mail += " SMTPUTF8"
	}
	if _, ok := s.ext["SIZE"]; ok {
		mail += " SIZE=" + itoa(len(m.Data))
	}
	if _, chunking := s.ext["CHUNKING"]; chunking && pipelining {
		return s.sendBDAT(mail, m) // smtpbdat.go
	}
	cmds := []string{mail}
	for _, r := range m.Recipients {
		cmds = append(cmds, "RCPT TO:<"+r+">")
	}
	cmds = append(cmds, "DATA")
	replies := make([]reply, 0, len(cmds))
	s.c.SetWriteDeadline(time.Now().Add(s.o.Timeout))
	for i, c := range cmds {
		s.w.WriteString(c + "\r\n")
		if pipelining && i < len(cmds)-1 {
			continue
		}
		if err := s.w.Flush(); err != nil {
			return nil, &txError{err, true}
		}
		for len(replies) <= i {
			r, err := s.read()
			if err != nil {
				return nil, &txError{err, true}
			}
			replies = append(replies, r)
		}
		if !pipelining && i == 0 && replies[0].code/100 != 2 {
			break // MAIL refused: no RCPT
		}
	}
	st := make([]Status, len(m.Recipients))
	accepted := 0
	if replies[0].code/100 != 2 {
		for i := range st {
			st[i] = replies[0].status()
		}
		return st, s.reset(len(replies) == len(cmds) && replies[len(cmds)-1].code == 354)
	}
	for i := range st {
		st[i] = replies[1+i].status()
		if st[i].OK() {
			accepted++
		}
	}
	data := replies[len(replies)-1]
	if accepted == 0 || data.code != 354 {
		if accepted > 0 { // DATA refused: every accepted recipient gets its reply
			for i := range st {
				if st[i].OK() {
					st[i] = data.status()
				}
			}
		}
		return st, s.reset(data.code == 354)
	}
	if err := s.writeData(m.Data); err != nil {
		return nil, &txError{err, false}
	}
	n := 1
	if s.o.LMTP {
		n = accepted // RFC 2033 4.2: one reply per accepted recipient, in order
	}
	final := make([]reply, n)
	for i := range final {
		r, err := s.read()
		if err != nil {
			return nil, &txError{err, false}
		}
		final[i] = r
	}
	k := 0
	for i := range st {
		if st[i].OK() {
			st[i] = final[min(k, n-1)].status()
			if s.o.LMTP {
				k++
			}
		}
	}
	return st, nil
}

// reset ends a failed transaction; after a 354 with no recipient the
// server waits for the message, so an empty one is sent first.
func (s *session) reset(sendEmpty bool) error {
	if sendEmpty {
		if _, err := s.cmd("."); err != nil {
			return &txError{err, false}
		}
	}
	r, err := s.cmd("RSET")
	if err == nil && r.code != 250 {
		err = errors.New("handoff: RSET refused: " + r.text)
	}
	if err != nil {
		return &txError{err, false}
	}
	return nil
}

// writeData sends the message dot-stuffed, with CRLF line ends as stored,
// ending in CRLF.CRLF.
func (s *session) writeData(data []byte) error {
	s.c.SetWriteDeadline(time.Now().Add(s.o.Timeout + time.Duration(len(data)>>10)*time.Millisecond))
	b := s.dataBuf[:0]
	if len(data) > 0 && data[0] == '.' {
		b = append(b, '.')
	}
	for len(data) > 0 {
		i := bytes.Index(data, []byte("\n."))
		if i < 0 {
			b = append(b, data...)
			break
		}
		b = append(b, data[:i+2]...)
		b = append(b, '.')
		data = data[i+2:]
	}
	if len(b) > 0 && !bytes.HasSuffix(b, []byte("\r\n")) {
		b = append(b, "\r\n"...)
	}
	b = append(b, ".\r\n"...)
	if cap(b) <= 1<<20 {
		s.dataBuf = b
	}
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.w.Flush()
}

func has8bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func needsUTF8(m *Message) bool {
	if !isASCII(m.Sender) {
		return true
	}
	for _, r := range m.Recipients {
		if !isASCII(r) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
