package handoff

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// session is one SMTP or LMTP client connection. It is used by one
// goroutine at a time (the pool hands it out).
type session struct {
	c       net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	o       *SMTPOptions
	ext     map[string]string // EHLO/LHLO keywords (upper case) and their parameters
	tls     bool
	used    time.Time
	dataBuf []byte
	open    *atomic.Int64 // the pool's count of open sessions
}

// close drops the connection and the pool's count, once.
func (s *session) close() {
	if s.open != nil {
		s.open.Add(-1)
		s.open = nil
	}
	s.c.Close()
}

// reply is one (possibly multi-line) server reply.
type reply struct {
	code int
	text string // last line's text, without the code
}

func (r reply) status() Status {
	s := Status{Code: r.code, Text: r.text}
	if f := strings.SplitN(r.text, " ", 2); len(f) == 2 && isEnhanced(f[0]) {
		s.Enhanced, s.Text = f[0], f[1]
	}
	return s
}

func isEnhanced(s string) bool {
	p := strings.Split(s, ".")
	if len(p) != 3 || (p[0] != "2" && p[0] != "4" && p[0] != "5") {
		return false
	}
	for _, x := range p[1:] {
		if _, err := strconv.Atoi(x); err != nil || len(x) > 3 {
			return false
		}
	}
	return true
}

// dial connects, reads the greeting, says EHLO (LHLO for LMTP) and
// upgrades with STARTTLS as the options say.
func dial(ctx context.Context, o *SMTPOptions) (*session, error) {
	dl := net.Dialer{Timeout: o.Timeout}
	c, err := dl.DialContext(ctx, o.Network, o.Addr)
	if err != nil {
		return nil, err
	}
	s := &session{c: c, r: bufio.NewReaderSize(c, 4096), w: bufio.NewWriterSize(c, 32<<10), o: o}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := s.hello(); err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

func (s *session) hello() error {
	if r, err := s.read(); err != nil {
		return err
	} else if r.code != 220 {
		return fmt.Errorf("handoff: greeting %d %s", r.code, r.text)
	}
	if err := s.ehlo(); err != nil {
		return err
	}
	_, offered := s.ext["STARTTLS"]
	switch {
	case s.o.TLS == "off" || s.tls:
		return nil
	case !offered && s.o.TLS == "required":
		return errors.New("handoff: TLS = required but the target does not offer STARTTLS")
	case !offered:
		return nil
	}
	r, err := s.cmd("STARTTLS")
	if err != nil {
		return err
	}
	if r.code != 220 {
		if s.o.TLS == "required" {
			return fmt.Errorf("handoff: STARTTLS refused: %d %s", r.code, r.text)
		}
		return nil // opportunistic: carry on in the clear
	}
	host, _, _ := net.SplitHostPort(s.o.Addr)
	tc := tls.Client(s.c, &tls.Config{ServerName: host, InsecureSkipVerify: !s.o.TLSVerify, MinVersion: tls.VersionTLS12})
	s.c.SetDeadline(time.Now().Add(s.o.Timeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("handoff: STARTTLS handshake: %w", err)
	}
	s.c, s.tls = tc, true
	s.r.Reset(tc)
	s.w.Reset(tc)
	return s.ehlo()
}

func (s *session) ehlo() error {
	verb := "EHLO "
	if s.o.LMTP {
		verb = "LHLO "
	}
	if err := s.write(verb + s.o.HeloName + "\r\n"); err != nil {
		return err
	}
	lines, r, err := s.readLines()
	if err != nil {
		return err
	}
	if r.code != 250 {
		return fmt.Errorf("handoff: %s refused: %d %s", strings.TrimSpace(verb), r.code, r.text)
	}
	s.ext = map[string]string{}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, " ")
		s.ext[strings.ToUpper(k)] = v
	}
	return nil
}

// cmd sends one command and reads its reply.
func (s *session) cmd(line string) (reply, error) {
	if err := s.write(line + "\r\n"); err != nil {
		return reply{}, err
	}
	return s.read()
}

func (s *session) write(text string) error {
	s.c.SetWriteDeadline(time.Now().Add(s.o.Timeout))
	if _, err := s.w.WriteString(text); err != nil {
		return err
	}
	return s.w.Flush()
}

func (s *session) read() (reply, error) {
	_, r, err := s.readLines()
	return r, err
}

// readLines reads one reply: its lines' texts and the final code.
func (s *session) readLines() ([]string, reply, error) {
	var lines []string
	s.c.SetReadDeadline(time.Now().Add(s.o.Timeout))
	for {
		l, err := s.r.ReadString('\n')
		if err != nil {
			return nil, reply{}, err
		}
		l = strings.TrimRight(l, "\r\n")
		if len(l) < 3 || len(lines) > 1000 {
			return nil, reply{}, fmt.Errorf("handoff: malformed reply %q", l)
		}
		code, err := strconv.Atoi(l[:3])
		if err != nil || code < 200 || code > 599 {
			return nil, reply{}, fmt.Errorf("handoff: malformed reply %q", l)
		}
		text := ""
		if len(l) > 4 {
			text = l[4:]
		}
		lines = append(lines, text)
		if len(l) == 3 || l[3] == ' ' {
			return lines, reply{code: code, text: text}, nil
		}
		if l[3] != '-' {
			return nil, reply{}, fmt.Errorf("handoff: malformed reply %q", l)
		}
	}
}

func (s *session) quit() {
	s.c.SetDeadline(time.Now().Add(time.Second))
	s.write("QUIT\r\n")
	s.read()
	s.close()
}
