package metrics

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/acl"
	"sluice/config"
	"sluice/engine"
	"sluice/metrics/stat"
	"sluice/proto/smtp"
	"sluice/spool"
)

// trafficConf: one ESMTP Listen, one session at a time, 127.0.0.2 denied.
const trafficConf = `
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Listener_Sessions = 1
  Listen "127.0.0.1:%d" {
    Peer "127.0.0.2" { Always_Deny = true }
  }
}
`

// rig is a miniature daemon: engine, spool, an instrumented SMTP factory,
// a Source over them (the way the daemon is expected to build its own),
// and /metrics served by Serve.
type rig struct {
	eng   *engine.Engine
	store *spool.Store
	esmtp *stat.Proto
	url   string
	addr  string
	audit lockedBuffer // reception and reject lines
}

// lockedBuffer is written by the workers and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (r *rig) Snapshot() Snapshot {
	ws := r.eng.Counters()
	name, why := r.eng.Backend()
	return Snapshot{
		Backend:   BackendInfo{Name: name, Reason: why},
		Config:    ConfigStat{Generation: r.eng.Generation(), LastReloadGood: true},
		Listens:   ListenStats(ws, r.eng.Listeners()),
		Protocols: []ProtocolStat{ProtocolStatOf("esmtp", r.esmtp)},
		Workers:   LoopStats(ws),
		Spool:     SpoolStatOf(r.store.Stats()),
	}
}

func startRig(t *testing.T, backend string) *rig {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c, err := config.Parse("traffic.conf", fmt.Appendf(nil, trafficConf, port))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := &rig{esmtp: stat.NewProto(2)}
	if r.store, err = spool.Open(t.TempDir(), 2, log); err != nil {
		t.Fatal(err)
	}
	r.eng, err = engine.New(engine.Options{Workers: 2, Backend: backend, Log: log, Spool: engine.StoreSpool(r.store)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.eng.Shutdown(ctx)
		r.store.Close()
	})
	l := c.Listeners[0].Listens[0]
	tbl, err := acl.Build(c, l)
	if err != nil {
		t.Fatal(err)
	}
	fac := Instrument(smtp.NewFactory(smtp.FactoryOptions{Hostname: "mx.test", Logger: log,
		RelayDomains: c.Global().List("relay_domains")}), r.esmtp,
		Options{Replies: LineReplies, Log: slog.New(RateLimit(slog.NewTextHandler(&r.audit, nil), 20, time.Second))})
	r.addr = fmt.Sprintf("127.0.0.1:%d", port)
	err = r.eng.Apply(&engine.Spec{Generation: c.Generation, Listens: []engine.ListenSpec{{
		Key: "ESMTP_Listener " + r.addr, Listener: "ESMTP_Listener", Service: "SMTP",
		Network: "tcp", Address: r.addr, Enabled: true, Peers: tbl, Factory: fac}}})
	if err != nil {
		t.Fatal(err)
	}
	srv, maddr, err := Serve("127.0.0.1:0", New(r))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r.url = "http://" + maddr.String() + "/metrics"
	return r
}

func (r *rig) scrape(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(r.url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// smtpConn is a raw SMTP client that checks each reply's code.
type smtpConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialFrom(t *testing.T, local, addr string) *smtpConn {
	t.Helper()
	d := net.Dialer{Timeout: 3 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &smtpConn{t: t, c: c, r: bufio.NewReader(c)}
}

// expect reads one (possibly multi-line) reply and checks its code.
func (s *smtpConn) expect(code string) {
	s.t.Helper()
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("want %s, read error %v", code, err)
		}
		if !strings.HasPrefix(line, code) {
			s.t.Fatalf("want %s, got %q", code, line)
		}
		if len(line) < 4 || line[3] != '-' {
			return
		}
	}
}

func (s *smtpConn) cmd(line, code string) {
	s.t.Helper()
	if _, err := io.WriteString(s.c, line+"\r\n"); err != nil {
		s.t.Fatal(err)
	}
	s.expect(code)
}

// eof waits for the server to close the connection.
func (s *smtpConn) eof() {
	s.t.Helper()
	if _, err := io.ReadAll(s.r); err != nil {
		s.t.Fatalf("waiting for close: %v", err)
	}
	s.c.Close()
}
