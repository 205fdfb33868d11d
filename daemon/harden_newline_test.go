package daemon

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

const newlineConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  SMTP_Extensions = ( "CHUNKING" )
  Listen "127.0.0.1:%d" { }
  Listen "127.0.0.1:%d" { Bare_Newline_Policy = reject }
}
`

// TestBareNewlineE2E (issue 21 item 8): over real sockets, the default
// (normalize) stores "\n.\n" as a CRLF line, DATA and BDAT alike; a Listen
// with reject refuses the message with 550 5.5.2.
func TestBareNewlineE2E(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			np, rp := freePort(t), freePort(t)
			td := start(t, be, fmt.Sprintf(newlineConf, np, rp))
			conv := func(port int, body string) string {
				c := waitDial(t, "tcp", addr(port))
				defer c.Close()
				fmt.Fprintf(c, "EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\n%sQUIT\r\n", body)
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				out, _ := io.ReadAll(c)
				return string(out)
			}
			smuggle := "Subject: s\r\n\r\na\n.\nMAIL FROM:<evil@x>\r\n"
			if out := conv(np, "DATA\r\n"+smuggle+".\r\n"); strings.Count(out, "250 OK") != 1 {
				t.Fatalf("normalize DATA: %s", out)
			}
			bdat := "Subject: t\r\n\r\nb\r.\rc\r\n"
			if out := conv(np, fmt.Sprintf("BDAT %d LAST\r\n%s", len(bdat), bdat)); !strings.Contains(out, "250 OK") {
				t.Fatalf("normalize BDAT: %s", out)
			}
			got := spoolMessages(t, td.Store(), 2)
			for _, want := range []string{"Subject: s\r\n\r\na\r\n.\r\nMAIL FROM:<evil@x>\r\n", "Subject: t\r\n\r\nb\r\n.\r\nc\r\n"} {
				if !containsBody(got, want) {
					t.Fatalf("stored %q, want %q among them", got, want)
				}
			}
			if out := conv(rp, "DATA\r\n"+smuggle+".\r\n"); !strings.Contains(out, "550 bare CR or LF") {
				t.Fatalf("reject DATA: %s", out)
			}
			if out := conv(rp, fmt.Sprintf("BDAT %d LAST\r\n%s", len(bdat), bdat)); !strings.Contains(out, "550 bare CR or LF") {
				t.Fatalf("reject BDAT: %s", out)
			}
			if n := len(spoolMessages(t, td.Store(), 2)); n != 2 {
				t.Fatalf("the spool holds %d messages after two refusals, want 2", n)
			}
		})
	}
}
