package load

import (
	"bufio"
	"cmp"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// StartTLS modes of the SMTP generators (-starttls).
const (
	TLSOff    = ""       // plaintext
	TLSFull   = "full"   // STARTTLS, a full handshake every session
	TLSResume = "resume" // STARTTLS, sessions resumed with tickets after the first
)

var (
	sessionCacheOnce sync.Once
	sessionCache     tls.ClientSessionCache
)

// clientTLS is the client side of a STARTTLS bench session: no verification
// (every server runs a throwaway certificate), TLS 1.2 or 1.3 as asked, and
// one ticket cache shared by every worker when resuming, as an MTA's
// outbound pool would keep one.
func clientTLS(c *Config) *tls.Config {
	conf := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", MinVersion: tls.VersionTLS12}
	if c.TLSVersion == "1.2" {
		conf.MaxVersion = tls.VersionTLS12
	}
	if c.StartTLS == TLSResume {
		sessionCacheOnce.Do(func() { sessionCache = tls.NewLRUClientSessionCache(4096) })
		conf.ClientSessionCache = sessionCache
	}
	return conf
}

// startTLS upgrades an SMTP session that has said EHLO: STARTTLS, the
// handshake, and EHLO again, as RFC 3207 requires.
func (s *smtpConn) startTLS(c *Config) error {
	if err := s.command("STARTTLS\r\n", '2'); err != nil {
		return err
	}
	tc := tls.Client(s.conn, clientTLS(c))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("load: TLS handshake: %w", err)
	}
	s.conn, s.r = tc, bufio.NewReaderSize(tc, 4096)
	s.resumed = tc.ConnectionState().DidResume
	return s.command("EHLO sluice-bench.example.org\r\n", '2')
}

// upgradeIdle turns idle-hold's raw sockets, which have read their
// banners, into STARTTLS sessions that then stay idle. It takes the fds
// over: each is wrapped (and closed) whatever happens.
func upgradeIdle(c *Config, fds []int) ([]net.Conn, error) {
	out := make([]net.Conn, 0, len(fds))
	var first error
	for _, fd := range fds {
		f := os.NewFile(uintptr(fd), "")
		nc, err := net.FileConn(f)
		f.Close()
		if err != nil {
			first = cmp.Or(first, err)
			continue
		}
		s := &smtpConn{conn: nc, r: bufio.NewReaderSize(nc, 512), timeout: c.Timeout}
		s.deadline()
		if err := s.command("EHLO sluice-bench.example.org\r\n", '2'); err != nil {
			nc.Close()
			first = cmp.Or(first, err)
			continue
		}
		if err := s.startTLS(c); err != nil {
			s.conn.Close()
			first = cmp.Or(first, err)
			continue
		}
		s.conn.SetDeadline(time.Time{})
		out = append(out, s.conn)
	}
	return out, first
}
