package handoff

import (
	"strconv"
	"time"
)

// sendBDAT is send for a server that offers CHUNKING and PIPELINING (RFC
// 3030, 2920): MAIL, every RCPT and "BDAT n LAST" with the message go in
// one write, unstuffed, and the replies are read after: one round trip per
// message instead of two. A server that refuses the transaction still
// reads and discards the chunk (RFC 3030 2), so the session stays in step.
// LMTP answers BDAT LAST once per accepted recipient (RFC 2033 4.2).
func (s *session) sendBDAT(mail string, m *Message) ([]Status, error) {
	s.c.SetWriteDeadline(time.Now().Add(s.o.Timeout + time.Duration(len(m.Data)>>10)*time.Millisecond))
	s.w.WriteString(mail + "\r\n")
	for _, r := range m.Recipients {
		s.w.WriteString("RCPT TO:<" + r + ">\r\n")
	}
	s.w.WriteString("BDAT " + strconv.Itoa(len(m.Data)) + " LAST\r\n")
	s.w.Write(m.Data)
	if err := s.w.Flush(); err != nil {
		return nil, &txError{err, false}
	}
	mr, err := s.read()
	if err != nil {
		return nil, &txError{err, false}
	}
	st := make([]Status, len(m.Recipients))
	accepted := 0
	for i := range st {
		r, err := s.read()
		if err != nil {
			return nil, &txError{err, false}
		}
		st[i] = r.status()
		if mr.code/100 != 2 {
			st[i] = mr.status() // RCPT after a refused MAIL: the MAIL reply says why
		}
		if st[i].OK() {
			accepted++
		}
	}
	n := 1
	if s.o.LMTP && accepted > 0 {
		n = accepted
	}
	final := make([]reply, n)
	for i := range final {
		if final[i], err = s.read(); err != nil {
			return nil, &txError{err, false}
		}
	}
	k, clean := 0, true
	for i := range st {
		if !st[i].OK() {
			clean = false
			continue
		}
		st[i] = final[min(k, n-1)].status()
		if s.o.LMTP {
			k++
		}
		clean = clean && st[i].OK()
	}
	if !clean {
		return st, s.reset(false)
	}
	return st, nil
}
