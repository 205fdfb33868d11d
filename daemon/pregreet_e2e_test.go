package daemon

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const pregreetConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" )
  Listen "127.0.0.1:%d" { Pregreet_Delay = 1 }
}
`

// TestPregreetSMTP: a client that talks before the banner gets 554 5.5.1
// and is disconnected; smtplib, which waits for the banner, sends its
// message.
func TestPregreetSMTP(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			td := start(t, be, fmt.Sprintf(pregreetConf, port))
			c := waitDial(t, "tcp", addr(port))
			defer c.Close()
			c.Write([]byte("EHLO ratware\r\n"))
			if l := readLine(t, c); l != "554 5.5.1 Error: client talked before the banner\r\n" {
				t.Fatalf("early talker: %q", l)
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
				t.Fatal("early talker not disconnected")
			}
			body := "Subject: patient\r\n\r\nwaited for the banner\r\n"
			if got := smtplib(t, port, "127.0.0.1", "b@example.com", body); got != "sent" {
				t.Fatalf("patient client: %q", got)
			}
			msgs := spoolMessages(t, td.Store(), 1)
			if !strings.HasSuffix(string(msgs[0]), body) {
				t.Fatalf("spool: %q", msgs[0])
			}
		})
	}
}
