package daemon

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/internal/extbin"
)

// proxyConf: the ESMTP Listen takes PROXY headers from the balancer at
// 127.0.0.1 only. Behind it, 127.0.0.7 has a Peer policy of its own (it may
// relay anywhere); everyone else may only send to example.com. A second
// Listen has no Proxy_Protocol at all.
const proxyConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Listen "127.0.0.1:%[1]d" {
    Peer "127.0.0.1" { Proxy_Protocol = true  Proxy_Protocol_Timeout = 5 }
    Peer "127.0.0.7" { Open_Relay = true }
  }
  Listen "127.0.0.1:%[2]d" { }
}
`

// haproxyConf: two TCP frontends in front of the sluice Listen, one per
// PROXY version.
const haproxyConf = `global
    log stderr format raw local0
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend v1
    bind 127.0.0.1:%[1]d
    default_backend v1
frontend v2
    bind 127.0.0.1:%[2]d
    default_backend v2
backend v1
    server s1 127.0.0.1:%[3]d send-proxy
backend v2
    server s1 127.0.0.1:%[3]d send-proxy-v2
`

// startHAProxy runs a real haproxy in the foreground with cfg and stops it
// (by its PID) at the end of the test.
func startHAProxy(t *testing.T, cfg string, ports ...int) {
	t.Helper()
	bin := extbin.Need(t, "haproxy", "haproxy")
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-c", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-f", path, "-db")
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("haproxy log:\n%s", log.String())
		}
	})
	for _, p := range ports {
		waitDial(t, "tcp", addr(p)).Close()
	}
}

// smtplibSend sends one message with Python's smtplib from source address
// src and prints the refusal, if any, instead of failing.
const smtplibSend = `
import smtplib, sys
host, port, src, rcpt, body = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
s = smtplib.SMTP(host, port, source_address=(src, 0), timeout=10)
try:
    s.sendmail("a@example.org", [rcpt], body)
    print("sent")
except smtplib.SMTPRecipientsRefused as e:
    print("refused", e.recipients[rcpt][0])
s.quit()
`

func smtplib(t *testing.T, port int, src, rcpt, body string) string {
	t.Helper()
	py := extbin.Need(t, "python3", "python3")
	out, err := exec.Command(py, "-c", smtplibSend, "127.0.0.1", fmt.Sprint(port), src, rcpt, body).CombinedOutput()
	if err != nil {
		t.Fatalf("smtplib from %s via port %d: %v\n%s", src, port, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestHAProxyInFront: smtplib talks to sluice through a real HAProxy with
// send-proxy and send-proxy-v2. The Received header names the client's
// address, and the Peer decision is the client's: 127.0.0.7 may relay to
// elsewhere.test, 127.0.0.1 (through the same balancer) may not.
func TestHAProxyInFront(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			sl, plain, fe1, fe2 := freePort(t), freePort(t), freePort(t), freePort(t)
			td := start(t, be, fmt.Sprintf(proxyConf, sl, plain))
			startHAProxy(t, fmt.Sprintf(haproxyConf, fe1, fe2, sl), fe1, fe2)
			var bodies []string
			for i, fe := range []int{fe1, fe2} {
				body := fmt.Sprintf("Subject: via haproxy v%d\r\n\r\nhello\r\n", i+1)
				if got := smtplib(t, fe, "127.0.0.7", "x@elsewhere.test", body); got != "sent" {
					t.Fatalf("v%d: 127.0.0.7 (Open_Relay Peer) got %q", i+1, got)
				}
				bodies = append(bodies, body)
				if got := smtplib(t, fe, "127.0.0.1", "x@elsewhere.test", "Subject: no\r\n\r\nno\r\n"); got != "refused 550" {
					t.Fatalf("v%d: 127.0.0.1 behind the balancer relayed: %q", i+1, got)
				}
			}
			msgs := spoolMessages(t, td.Store(), 2)
			for i, want := range bodies {
				found := false
				for _, m := range msgs {
					if strings.HasSuffix(string(m), want) {
						found = true
						if !strings.Contains(string(m), "([127.0.0.7]:") {
							t.Fatalf("v%d: Received header does not name the client:\n%s", i+1, m)
						}
					}
				}
				if !found {
					t.Fatalf("v%d message not in the spool: %q", i+1, msgs)
				}
			}
		})
	}
}

// TestProxyRefusals: no header where one is required closes without a
// banner; a header where none is enabled is not trusted: the banner has
// gone out already and the line is an unknown command.
func TestProxyRefusals(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			sl, plain := freePort(t), freePort(t)
			start(t, be, fmt.Sprintf(proxyConf, sl, plain))
			c := waitDial(t, "tcp", addr(sl))
			defer c.Close()
			c.Write([]byte("EHLO client.test\r\n"))
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 512)
			n, err := c.Read(buf)
			if ne, ok := err.(net.Error); n != 0 || err == nil || ok && ne.Timeout() {
				t.Fatalf("no header on a Proxy_Protocol Listen: got %q (%v), want a silent close", buf[:n], err)
			}

			p := waitDial(t, "tcp", addr(plain))
			defer p.Close()
			if l := readLine(t, p); !strings.HasPrefix(l, "220 ") {
				t.Fatalf("banner %q", l)
			}
			p.Write([]byte("PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\n"))
			if l := readLine(t, p); !strings.HasPrefix(l, "500 ") {
				t.Fatalf("PROXY where none is enabled: %q", l)
			}
		})
	}
}
