// Package miltertest runs a milter for tests (built on go-milter's server):
// it records what it was sent and answers with a caller's function at the
// end of the message, or refuses at a chosen step.
package miltertest

import (
	"net"
	"strings"
	"sync"
	"testing"

	gm "github.com/d--j/go-milter"
)

// Seen is what the milter received for one message.
type Seen struct {
	Helo, From string
	Rcpts      []string
	Headers    [][2]string
	Body       []byte
	Macros     map[string]string
}

// Behaviour says how the milter answers.
type Behaviour struct {
	// RefuseAt names a step ("connect", "helo", "mail", "rcpt", "data",
	// "header", "eoh", "body") answered with Refuse instead of continue.
	RefuseAt string
	Refuse   *gm.Response
	// Rcpt, when set, answers each recipient (nil: continue).
	Rcpt func(rcpt string) *gm.Response
	// EOM edits the message and returns the final response; nil accepts.
	EOM func(s *Seen, m gm.Modifier) (*gm.Response, error)
}

// Server is a running test milter.
type Server struct {
	Service string // "inet:127.0.0.1:port"
	srv     *gm.Server
	ln      net.Listener
	mu      sync.Mutex
	seen    []*Seen
	conns   int
	aborts  int
}

// Start serves b on a loopback port until the test ends.
func Start(t testing.TB, b Behaviour) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Service: "inet:" + ln.Addr().String(), ln: ln}
	s.srv = gm.NewServer(gm.WithActions(gm.OptAddHeader|gm.OptChangeHeader|gm.OptAddRcpt|gm.OptRemoveRcpt|
		gm.OptChangeFrom|gm.OptQuarantine|gm.OptChangeBody),
		gm.WithMilter(func() gm.Milter { return &milter{s: s, b: b} }))
	go s.srv.Serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// Stop closes the milter (a killed filter).
func (s *Server) Stop() {
	s.srv.Close()
	s.ln.Close() // Close misses a listener Serve has not registered yet
}

// Seen returns what each message carried, in order.
func (s *Server) Seen() []*Seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Seen(nil), s.seen...)
}

type milter struct {
	gm.NoOpMilter
	s   *Server
	b   Behaviour
	cur *Seen
}

func (m *milter) step(name string) (*gm.Response, error) {
	if m.b.RefuseAt == name {
		return m.b.Refuse, nil
	}
	return gm.RespContinue, nil
}

func (m *milter) Connect(host, family string, port uint16, addr string, mod gm.Modifier) (*gm.Response, error) {
	m.s.mu.Lock()
	m.s.conns++
	m.s.mu.Unlock()
	m.cur = &Seen{Macros: map[string]string{}}
	for _, k := range []string{"j", "{client_addr}", "{daemon_name}", "v"} {
		m.cur.Macros[k] = mod.Get(k)
	}
	return m.step("connect")
}

func (m *milter) Helo(name string, _ gm.Modifier) (*gm.Response, error) {
	m.cur.Helo = name
	return m.step("helo")
}

func (m *milter) MailFrom(from, _ string, mod gm.Modifier) (*gm.Response, error) {
	helo, macros := m.cur.Helo, m.cur.Macros
	m.cur = &Seen{Helo: helo, Macros: macros, From: from}
	return m.step("mail")
}

func (m *milter) RcptTo(rcpt, _ string, _ gm.Modifier) (*gm.Response, error) {
	m.cur.Rcpts = append(m.cur.Rcpts, rcpt)
	if m.b.Rcpt != nil {
		if r := m.b.Rcpt(rcpt); r != nil {
			return r, nil
		}
	}
	return m.step("rcpt")
}

func (m *milter) Data(gm.Modifier) (*gm.Response, error) { return m.step("data") }

func (m *milter) Header(name, value string, _ gm.Modifier) (*gm.Response, error) {
	m.cur.Headers = append(m.cur.Headers, [2]string{name, value})
	return m.step("header")
}

func (m *milter) Headers(gm.Modifier) (*gm.Response, error) { return m.step("eoh") }

func (m *milter) BodyChunk(chunk []byte, _ gm.Modifier) (*gm.Response, error) {
	m.cur.Body = append(m.cur.Body, chunk...)
	return m.step("body")
}

func (m *milter) EndOfMessage(mod gm.Modifier) (*gm.Response, error) {
	m.s.mu.Lock()
	m.s.seen = append(m.s.seen, m.cur)
	m.s.mu.Unlock()
	if m.b.EOM == nil {
		return gm.RespAccept, nil
	}
	return m.b.EOM(m.cur, mod)
}

// Header returns the first value of name in s, and whether it was there.
func (s *Seen) Header(name string) (string, bool) {
	for _, h := range s.Headers {
		if strings.EqualFold(h[0], name) {
			return h[1], true
		}
	}
	return "", false
}

func (m *milter) Abort(gm.Modifier) error {
	m.s.mu.Lock()
	m.s.aborts++
	m.s.mu.Unlock()
	return nil
}

// Conns is how many connections the milter got (connect events).
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Aborts is how many ABORT commands the milter got.
func (s *Server) Aborts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aborts
}
