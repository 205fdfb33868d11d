package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"sluice/proto/control"
	"sluice/proto/ecstream/ecsclient"
)

// throttleConf: two messages a minute per source everywhere (global), one
// connection at a time for 127.0.0.2 (its own Peer).
const throttleConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
Inbound_Throttle_Messages = "2/60"
ESMTP_Listener {
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" )
  Listen "127.0.0.1:%d" {
    Peer "127.0.0.2" { Inbound_Concurrent_Connections = 1 }
    Peer "127.0.0.3" { Inbound_Throttle_Tarpit = 1 }
  }
}
ECStream_Listener { Listen "127.0.0.1:%d" { } }
HTTP_Listener { Listen "127.0.0.1:%d" { } }
Control_Listener { Listen "{{DIR}}/ctl.sock" { } }
`

func dialFromAddr(t *testing.T, src, to string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	var c net.Conn
	var err error
	for i := 0; i < 60; i++ {
		if c, err = d.Dial("tcp", to); err == nil {
			t.Cleanup(func() { c.Close() })
			c.SetDeadline(time.Now().Add(15 * time.Second))
			return c
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("dial %s from %s: %v", to, src, err)
	return nil
}

// smtpChat sends each command and returns the reply lines, banner first.
func smtpChat(t *testing.T, c net.Conn, cmds ...string) []string {
	t.Helper()
	r := bufio.NewReader(c)
	read := func() string {
		var last string
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("read: %v (have %q)", err, l)
			}
			last = strings.TrimRight(l, "\r\n")
			if len(last) < 4 || last[3] != '-' {
				return last
			}
		}
	}
	out := []string{read()}
	for _, cmd := range cmds {
		fmt.Fprintf(c, "%s\r\n", cmd)
		out = append(out, read())
	}
	return out
}

// TestThrottles: a source over its limit is answered as documented on each
// protocol while another source keeps working.
func TestThrottles(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			sp, ep, hp := freePort(t), freePort(t), freePort(t)
			td := start(t, be, fmt.Sprintf(throttleConf, sp, ep, hp))

			// SMTP message rate: the third MAIL from 127.0.0.3 in the window.
			msg := []string{"MAIL FROM:<a@example.org>", "RCPT TO:<b@example.com>", "DATA", "Subject: t\r\n\r\nx\r\n."}
			cmds := append(append([]string{"EHLO x"}, msg...), msg...)
			c3 := dialFromAddr(t, "127.0.0.3", addr(sp))
			smtpChat(t, c3, cmds...)
			start := time.Now() // 127.0.0.3's Peer tarpits the refusal for 1 s
			fmt.Fprintf(c3, "MAIL FROM:<a@example.org>\r\n")
			if l := readLine(t, c3); l != "450 4.7.1 Error: too much mail from 127.0.0.3\r\n" {
				t.Fatalf("third MAIL: %q", l)
			}
			if d := time.Since(start); d < 900*time.Millisecond {
				t.Fatalf("450 after %v, before Inbound_Throttle_Tarpit", d)
			}
			got := smtpChat(t, dialFromAddr(t, "127.0.0.4", addr(sp)), "EHLO x", "MAIL FROM:<a@example.org>")
			if !strings.HasPrefix(got[2], "250") {
				t.Fatalf("another source's MAIL: %q", got)
			}

			// SMTP concurrency: 127.0.0.2 may hold one connection.
			first := dialFromAddr(t, "127.0.0.2", addr(sp))
			smtpChat(t, first)
			second := smtpChat(t, dialFromAddr(t, "127.0.0.2", addr(sp)))
			if !strings.HasPrefix(second[0], "421 4.7.0 ") || !strings.HasSuffix(second[0], "Error: too many connections from 127.0.0.2") {
				t.Fatalf("second connection of 127.0.0.2: %q", second)
			}
			if got := smtpChat(t, dialFromAddr(t, "127.0.0.4", addr(sp))); !strings.HasPrefix(got[0], "220 ") {
				t.Fatalf("another source: %q", got)
			}

			// HTTP: the third injected message from 127.0.0.5 gets 429.
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
				DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.5")}}).DialContext}}
			body, _ := json.Marshal(map[string]any{"template": "Subject: x\n\nx\n",
				"recipients": []any{map[string]any{"to": "b@example.com", "from": "a@example.org"}}})
			for i := 1; i <= 3; i++ {
				r, err := hc.Post("http://"+addr(hp)+"/v1.0/inject", "application/json", bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(r.Body)
				r.Body.Close()
				want := 200
				if i == 3 {
					want = 429
				}
				if r.StatusCode != want || i == 3 && r.Header.Get("Retry-After") == "" {
					t.Fatalf("inject %d: %d %s (Retry-After %q)", i, r.StatusCode, b, r.Header.Get("Retry-After"))
				}
			}

			// ECStream: the third message of 127.0.0.6's batch is a temporary failure.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			from6 := func(ctx context.Context, network, a string) (net.Conn, error) {
				return (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.6")}}).DialContext(ctx, network, a)
			}
			ec, err := ecsclient.Dial(ctx, "tcp", addr(ep), ecsclient.WithDialer(from6))
			if err != nil {
				t.Fatal(err)
			}
			defer ec.Close(ctx)
			m := ecsclient.Message{Sender: "a@example.org", Recipients: []string{"b@example.com"}, Body: []byte("Subject: s\r\n\r\nx\r\n")}
			rep, err := ec.Send(ctx, []ecsclient.Message{m, m, m})
			if err != nil {
				t.Fatal(err)
			}
			if rep[0].Status != ecsclient.Accepted || rep[1].Status != ecsclient.Accepted ||
				rep[2].Status != ecsclient.TempFail || rep[2].Code != 450 {
				t.Fatalf("ECStream replies %+v", rep)
			}

			// The console and the metrics show the decisions.
			cc, err := control.Dial(td.dir+"/ctl.sock", 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			show := do(t, cc, "show throttles")
			for _, want := range []string{"messages     allowed", "127.0.0.3       messages    count 2 refused 1",
				"127.0.0.2       concurrent  count 1 refused 1"} {
				if !strings.Contains(show, want) {
					t.Fatalf("show throttles lacks %q:\n%s", want, show)
				}
			}
			var met strings.Builder
			if err := td.writeMetrics(&met); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`sluice_edge_decisions_total{decision="refused",defence="throttle_messages"} 3`,
				`sluice_edge_decisions_total{decision="refused",defence="throttle_concurrent"} 1`} {
				if !strings.Contains(met.String(), want) {
					t.Fatalf("metrics lack %s", want)
				}
			}
		})
	}
}
