package daemon

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

const badConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Idle_Time = 1
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" )
  Listen "127.0.0.1:%d" { }
}
`

// TestBadInputKeepsServing: an oversized command line, a malformed command
// and an unknown one each get a clear error and the session goes on; a
// slowloris is reaped by Idle_Time while a well-behaved client is served.
func TestBadInputKeepsServing(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			start(t, be, fmt.Sprintf(badConf, port))
			c := waitDial(t, "tcp", addr(port))
			defer c.Close()
			r := bufio.NewReader(c)
			expect := func(prefix string) {
				t.Helper()
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				line, err := r.ReadString('\n')
				if err != nil || !strings.HasPrefix(line, prefix) {
					t.Fatalf("want %q..., got %q (%v)", prefix, line, err)
				}
			}
			expect("220 ")
			fmt.Fprintf(c, "EHLO bad.test\r\n")
			for {
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				line, err := r.ReadString('\n')
				if err != nil || !strings.HasPrefix(line, "250") {
					t.Fatalf("EHLO: %q %v", line, err)
				}
				if line[3] == ' ' {
					break
				}
			}
			fmt.Fprintf(c, "NOOP %s\r\n", strings.Repeat("x", 5000))
			expect("500 5.5.2") // line too long
			fmt.Fprintf(c, "MAIL FROM:<no-closing-bracket\r\n")
			expect("501 5.5.2")
			fmt.Fprintf(c, "FROB\r\n")
			expect("500 5.5.2")
			fmt.Fprintf(c, "RCPT TO:<b@example.com>\r\n")
			expect("503")
			fmt.Fprintf(c, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
			expect("250")
			expect("250")
			expect("354")
			fmt.Fprintf(c, "Subject: after errors\r\n\r\nstill here\r\n.\r\n")
			expect("250 2.0.0 OK")

			// Slowloris: a byte every 400 ms never completes a command;
			// only a completed command counts as progress, so the 1 s
			// Idle_Time reaps it.
			slow := waitDial(t, "tcp", addr(port))
			defer slow.Close()
			sr := bufio.NewReader(slow)
			slow.SetReadDeadline(time.Now().Add(5 * time.Second))
			sr.ReadString('\n')
			closed := false
			for i := 0; i < 20 && !closed; i++ {
				if _, err := slow.Write([]byte("N")); err != nil {
					closed = true
					break
				}
				slow.SetReadDeadline(time.Now().Add(400 * time.Millisecond))
				if _, err := sr.ReadByte(); err != nil {
					if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
						closed = true
					}
				}
			}
			if !closed {
				t.Fatal("a slowloris sending a byte every 400 ms was not reaped by Idle_Time = 1")
			}
			// The listener still serves a new client.
			ok := waitDial(t, "tcp", addr(port))
			defer ok.Close()
			if l := readLine(t, ok); !strings.HasPrefix(l, "220") {
				t.Fatalf("after the slowloris: %q", l)
			}
		})
	}
}
