package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"sluice/proto/ecstream/ecsclient"
)

const limitsConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Listen "127.0.0.1:%d" { }
}
ECStream_Listener {
  Max_Message_Size = 1M
  Listen "127.0.0.1:%d" { }
}
HTTP_Listener {
  Max_Message_Size = 1M
  Listen "127.0.0.1:%d" { }
}
`

// TestSafeLimitsAllListeners (issue 21 items 2 and 8), over real sockets:
// the default recipient cap (1000) holds on SMTP; Max_Message_Size is
// valid and enforced on ECStream and HTTP; an inject "to" with CRLF is
// refused.
func TestSafeLimitsAllListeners(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			sp, ep, hp := freePort(t), freePort(t), freePort(t)
			start(t, be, fmt.Sprintf(limitsConf, sp, ep, hp))

			// SMTP: 1001 pipelined RCPTs, the last one gets 452 4.5.3.
			c := waitDial(t, "tcp", addr(sp))
			defer c.Close()
			var req bytes.Buffer
			req.WriteString("EHLO x\r\nMAIL FROM:<a@example.org>\r\n")
			for i := 0; i < 1001; i++ {
				fmt.Fprintf(&req, "RCPT TO:<r%d@example.com>\r\n", i)
			}
			req.WriteString("QUIT\r\n")
			go c.Write(req.Bytes())
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			all, _ := io.ReadAll(c)
			if n := strings.Count(string(all), "RCPT TO accepted"); n != 1000 {
				t.Fatalf("accepted RCPTs: %d\n%s", n, tail(all))
			}
			if !strings.Contains(string(all), "452 Service unavailable, recipients per message") {
				t.Fatalf("the 1001st RCPT was not refused:\n%s", tail(all))
			}

			// ECStream: 2 MB refused under a 1 MB limit, 500 KB accepted.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ec, err := ecsclient.Dial(ctx, "tcp", addr(ep))
			if err != nil {
				t.Fatal(err)
			}
			defer ec.Close(ctx)
			msg := func(n int) ecsclient.Message {
				return ecsclient.Message{Sender: "a@example.org", Recipients: []string{"b@example.com"},
					Body: []byte("Subject: s\r\n\r\n" + strings.Repeat("x", n) + "\r\n")}
			}
			rep, err := ec.Send(ctx, []ecsclient.Message{msg(2 << 20), msg(500 << 10)})
			if err != nil {
				t.Fatal(err)
			}
			if rep[0].Status != ecsclient.PermFail || rep[0].Code != 552 || rep[1].Status != ecsclient.Accepted {
				t.Fatalf("ECStream replies %+v", rep)
			}

			// HTTP: a message over the limit gets 413; CRLF in "to" gets 400.
			post := func(body any) (int, string) {
				b, _ := json.Marshal(body)
				hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
				r, err := hc.Post("http://"+addr(hp)+"/v1.0/inject", "application/json", bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				defer r.Body.Close()
				out, _ := io.ReadAll(r.Body)
				return r.StatusCode, string(out)
			}
			rc := []any{map[string]any{"to": "b@example.com", "from": "a@example.org"}}
			if code, body := post(map[string]any{"template": "Subject: x\n\n" + strings.Repeat("y", 2<<20) + "\n", "recipients": rc}); code != 413 {
				t.Fatalf("2 MB inject: %d %s", code, body)
			}
			evil := []any{map[string]any{"to": "b@example.com\r\n<c@evil.test>", "from": "a@example.org"}}
			if code, body := post(map[string]any{"template": "Subject: x\n\nx\n", "recipients": evil}); code != 400 {
				t.Fatalf("CRLF in to: %d %s", code, body)
			}
			if code, body := post(map[string]any{"template": "Subject: x\n\nx\n", "recipients": rc}); code != 200 {
				t.Fatalf("a clean inject: %d %s", code, body)
			}
		})
	}
}

func tail(b []byte) string {
	s := string(b)
	sc := bufio.NewScanner(strings.NewReader(s))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "\n")
}
