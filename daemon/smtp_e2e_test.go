package daemon

import (
	"bufio"
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"sluice/spool"
	"sluice/spool/spooltest"
)

const smtpConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" )
  Listen "127.0.0.1:%[1]d" {
    Peer "127.0.0.2" {
      SMTP_Extensions = ( "SIZE" "ENHANCEDSTATUSCODES" )
      Max_Message_Size = 1000
    }
  }
  Listen "[::1]:%[1]d" { }
  Listen "{{DIR}}/smtp.sock" { File_Mode = 0600 }
}
`

// TestSMTPOverEveryTransport sends one message with Go's net/smtp client over
// IPv4, IPv6 and a Unix socket, on each back end, and finds each in the
// spool byte-exact behind its Received header.
func TestSMTPOverEveryTransport(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			td := start(t, be, fmt.Sprintf(smtpConf, port))
			targets := []struct{ network, addr string }{
				{"tcp", addr(port)},
				{"tcp", fmt.Sprintf("[::1]:%d", port)},
				{"unix", td.dir + "/smtp.sock"},
			}
			var bodies []string
			for i, tg := range targets {
				body := fmt.Sprintf("Subject: transport %d\r\n\r\nover %s %s\r\n.dotted\r\n", i, tg.network, tg.addr)
				sendNetSMTP(t, tg.network, tg.addr, "a@example.org", []string{"b@example.com"}, body)
				bodies = append(bodies, body)
			}
			got := spoolMessages(t, td.Store(), len(bodies))
			for _, want := range bodies {
				if !containsBody(got, want) {
					t.Fatalf("message %q not in the spool byte-exact; have %q", want, got)
				}
			}
		})
	}
}

// TestPeerExtensions dials from 127.0.0.1 and 127.0.0.2: the Peer scope for
// 127.0.0.2 advertises its own SIZE, the Listen the default Max_Message_Size
// (25M).
func TestPeerExtensions(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			start(t, be, fmt.Sprintf(smtpConf, port))
			plain := ehloFrom(t, "127.0.0.1", addr(port))
			peer := ehloFrom(t, "127.0.0.2", addr(port))
			if !strings.Contains(plain, "250-SIZE 26214400") || !strings.Contains(plain, "ENHANCEDSTATUSCODES") {
				t.Fatalf("127.0.0.1 EHLO:\n%s", plain)
			}
			if !strings.Contains(peer, "250-SIZE 1000") {
				t.Fatalf("127.0.0.2 EHLO lacks its Peer's SIZE 1000:\n%s", peer)
			}
		})
	}
}

func sendNetSMTP(t *testing.T, network, address, from string, to []string, body string) {
	t.Helper()
	conn := waitDial(t, network, address)
	c, err := smtp.NewClient(conn, "localhost")
	if err != nil {
		t.Fatalf("%s %s: %v", network, address, err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(from); err != nil {
		t.Fatal(err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			t.Fatal(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("end of data: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
}

// ehloFrom connects from a chosen loopback source address and returns the
// EHLO reply.
func ehloFrom(t *testing.T, src, address string) string {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
	conn, err := d.Dial("tcp", address)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "220") {
		t.Fatalf("banner %q", line)
	}
	fmt.Fprintf(conn, "EHLO x.test\r\n")
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(line)
		if len(line) > 3 && line[3] == ' ' {
			return b.String()
		}
	}
}

// spoolMessages waits until the spool holds n messages and returns their bytes.
func spoolMessages(t *testing.T, st *spool.Store, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for i := 0; i < 100; i++ {
		out = out[:0]
		err := st.Iter(func(r *spool.Record) error {
			out = append(out, append([]byte(nil), r.Data...))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) >= n {
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("spool holds %d messages, want %d", len(out), n)
	return nil
}

// containsBody reports whether some stored message is exactly a Received
// header followed by body.
func containsBody(msgs [][]byte, body string) bool {
	for _, m := range msgs {
		if b, ok := spooltest.StripTrace(m); ok && string(b) == body {
			return true
		}
	}
	return false
}
