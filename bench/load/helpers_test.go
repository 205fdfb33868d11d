package load

import (
	"bufio"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSMTP is a minimal in-process SMTP server that counts messages,
// sessions and the source addresses it saw.
type fakeSMTP struct {
	ln       net.Listener
	msgs     atomic.Int64
	sessions atomic.Int64
	mu       sync.Mutex
	sources  map[string]int
	conns    []net.Conn
	failRCPT bool
	tlsConf  *tls.Config // STARTTLS offered when set
	tlsUp    atomic.Int64
	resumed  atomic.Int64
}

func startFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeSMTP{ln: ln, sources: map[string]int{}}
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	return s
}

func (s *fakeSMTP) addr() string { return s.ln.Addr().String() }

func (s *fakeSMTP) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.sources[c.RemoteAddr().(*net.TCPAddr).IP.String()]++
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		go s.session(c)
	}
}

func (s *fakeSMTP) session(c net.Conn) {
	defer c.Close()
	s.sessions.Add(1)
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	w.WriteString("220 fake ESMTP\r\n")
	w.Flush()
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if inData {
			if line == ".\r\n" {
				inData = false
				s.msgs.Add(1)
				w.WriteString("250 ok queued\r\n")
			}
		} else {
			switch cmd := strings.ToUpper(line[:min(4, len(line))]); cmd {
			case "EHLO":
				w.WriteString("250-fake\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
			case "STAR":
				w.WriteString("220 go ahead\r\n")
				w.Flush()
				tc := tls.Server(c, s.tlsConf)
				if tc.Handshake() != nil {
					return
				}
				s.tlsUp.Add(1)
				if tc.ConnectionState().DidResume {
					s.resumed.Add(1)
				}
				c, r, w = tc, bufio.NewReader(tc), bufio.NewWriter(tc)
				continue
			case "MAIL":
				w.WriteString("250 sender ok\r\n")
			case "RCPT":
				if s.failRCPT {
					w.WriteString("550 no\r\n")
				} else {
					w.WriteString("250 rcpt ok\r\n")
				}
			case "DATA":
				inData = true
				w.WriteString("354 go\r\n")
			case "QUIT":
				w.WriteString("221 bye\r\n")
				w.Flush()
				return
			default:
				w.WriteString("500 what\r\n")
			}
		}
		if r.Buffered() == 0 { // answer a pipelined group in one write
			w.Flush()
		}
	}
}

func testConfig(scenario, addr string) Config {
	c := Defaults()
	c.Scenario, c.Addr, c.Conns, c.Duration, c.Perf = scenario, addr, 4, 0, false
	c.Timeout = 5 * time.Second
	return c
}
