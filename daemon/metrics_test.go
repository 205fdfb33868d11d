package daemon

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// trafficConf: one ESMTP Listen, one session at a time, 127.0.0.2 denied.
const trafficConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Listener_Sessions = 1
  Listen "127.0.0.1:%d" {
    Peer "127.0.0.2" { Always_Deny = true }
  }
}
`

// TestScrapeCountsKnownTraffic drives one accepted message with one
// rejected RCPT, one ACL-refused and one cap-refused connection through a
// real daemon (engine, SMTP, spool, the daemon's Snapshot over them), then
// checks exact values in the exposition text served by /metrics and the
// reception and reject lines in the daemon's log.
func TestScrapeCountsKnownTraffic(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			var logb lockedBuffer
			port := freePort(t)
			td := startLog(t, be, fmt.Sprintf(trafficConf, port), &logb)
			at := addr(port)
			a := dialFrom(t, "127.0.0.1", at)
			a.expect("220")
			a.cmd("EHLO client.test", "250")
			a.cmd("MAIL FROM:<a@example.org>", "250")
			a.cmd("RCPT TO:<b@example.com>", "250")
			a.cmd("RCPT TO:<c@elsewhere.test>", "550") // not a relay domain
			a.cmd("DATA", "354")
			a.cmd("Subject: t\r\n\r\nhello\r\n.", "250")
			a.cmd("QUIT", "221")
			a.eof()

			denied := dialFrom(t, "127.0.0.2", at) // Always_Deny: closed, no reply
			denied.eof()

			b := dialFrom(t, "127.0.0.1", at) // holds the only session
			b.expect("220")
			capped := dialFrom(t, "127.0.0.1", at)
			capped.expect("421")
			capped.eof()
			b.cmd("QUIT", "221")
			b.eof()

			listen := `{listen="` + at + `",listener="ESMTP_Listener"`
			want := []string{
				`sluice_listen_connections_accepted_total` + listen + `} 2`,
				`sluice_listen_connections_refused_total` + listen + `,reason="acl"} 1`,
				`sluice_listen_connections_refused_total` + listen + `,reason="session_cap"} 1`,
				`sluice_listen_connections_refused_total` + listen + `,reason="shutdown"} 0`,
				`sluice_listen_connections_active` + listen + `} 0`,
				`sluice_listen_connections_closed_total` + listen + `,reason="protocol"} 2`,
				`sluice_listen_up` + listen + `} 1`,
				`sluice_protocol_sessions_total{protocol="esmtp"} 2`,
				`sluice_protocol_messages_received_total{protocol="esmtp"} 1`,
				`sluice_protocol_recipients_received_total{protocol="esmtp"} 1`,
				// 220 EHLO MAIL RCPT 250 QUIT, then 220 and 221 on the second session
				`sluice_protocol_replies_total{class="2xx",protocol="esmtp"} 8`,
				`sluice_protocol_replies_total{class="3xx",protocol="esmtp"} 1`,
				`sluice_protocol_replies_total{class="4xx",protocol="esmtp"} 0`,
				`sluice_protocol_replies_total{class="5xx",protocol="esmtp"} 1`,
				`sluice_protocol_session_duration_seconds_count{protocol="esmtp"} 2`,
				`sluice_protocol_message_size_bytes_count{protocol="esmtp"} 1`,
				`sluice_spool_records_total 1`,
				`sluice_spool_commits_total 1`,
				`sluice_spool_errors_total 0`,
				`sluice_backend_info{backend="` + be + `"`,
			}
			var text string
			deadline := time.Now().Add(5 * time.Second)
			for { // the last close is counted once the worker has seen it
				text = scrape(t, td)
				if strings.Contains(text, want[4]+"\n") || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("scrape lacks %q", w)
				}
			}
			if out := os.Getenv("SLUICE_SCRAPE_OUT"); out != "" { // scripts/promcheck.sh lints it
				if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			audit := logb.String()
			for _, w := range []string{
				`msg=reception id=`, ` protocol=esmtp peer=127.0.0.1:`, ` sender=a@example.org rcpts=1 size=`,
				`msg=reject peer=127.0.0.1:`, ` phase=reply code=550 text="550 `,
				` phase=connect code=421 text="421 `, ` phase=connect code=0 text="denied by Peer ACL"`,
			} {
				if !strings.Contains(audit, w) {
					t.Errorf("audit log lacks %q:\n%s", w, audit)
				}
			}
			if t.Failed() {
				t.Logf("scrape:\n%s", grepSluice(text))
			}
		})
	}
}

func grepSluice(text string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "sluice_") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// scrape fetches the daemon's /metrics.
func scrape(t *testing.T, td *testDaemon) string {
	t.Helper()
	resp, err := http.Get("http://" + td.MetricsAddr().String() + "/metrics")
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
