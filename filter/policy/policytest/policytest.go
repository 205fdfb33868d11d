// Package policytest is a policy delegation server for tests: it reads
// requests with the real framing and answers with a caller's function.
package policytest

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
)

// Server is a running test policy server.
type Server struct {
	Service string // "inet:127.0.0.1:port", for Policy_Service
	ln      net.Listener

	mu    sync.Mutex
	conns map[net.Conn]bool
	reqs  []map[string]string
}

// Start serves on a loopback port until the test ends. answer gets each
// request's attributes and returns the action value ("DUNNO", "REJECT x");
// an empty string makes the server close the connection without a reply.
func Start(t testing.TB, answer func(map[string]string) string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Service: "inet:" + ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	go s.accept(answer)
	t.Cleanup(s.Stop)
	return s
}

// Requests returns a copy of the requests seen so far.
func (s *Server) Requests() []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.reqs...)
}

// Stop closes the listener and every connection (a killed service).
func (s *Server) Stop() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
}

func (s *Server) accept(answer func(map[string]string) string) {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		go s.serve(c, answer)
	}
}

func (s *Server) serve(c net.Conn, answer func(map[string]string) string) {
	defer c.Close()
	br := bufio.NewReader(c)
	req := map[string]string{}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		if line != "" {
			k, v, _ := strings.Cut(line, "=")
			req[k] = v
			continue
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, req)
		s.mu.Unlock()
		a := answer(req)
		if a == "" {
			return
		}
		if _, err := c.Write([]byte("action=" + a + "\n\n")); err != nil {
			return
		}
		req = map[string]string{}
	}
}
