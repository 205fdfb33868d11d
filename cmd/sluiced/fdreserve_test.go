package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/proto/control"
)

const fdLimit, fdReserve = 256, 40

// TestFdReserve (issue 21 item 5) runs sluiced with RLIMIT_NOFILE 256 and
// FD_Reserve 40 and floods SMTP until it refuses: at most 256 − 40
// sessions get a banner, the rest 421. Then the console (Unix socket),
// /healthz and /readyz still answer, a non-health HTTP request on the
// reserve gets 503, and each reserve admission shed one SMTP session.
func TestFdReserve(t *testing.T) {
	bin := sluicedBin(t)
	for _, be := range []string{"epoll", "io_uring"} {
		t.Run(be, func(t *testing.T) {
			dir := t.TempDir()
			sp, hp := freePort(t), freePort(t)
			conf := filepath.Join(dir, "s.conf")
			os.WriteFile(conf, []byte(fmt.Sprintf(`Spoolbase = %q
FD_Reserve = %d
ESMTP_Listener { Listen "127.0.0.1:%d" { } }
HTTP_Listener { Listen "127.0.0.1:%d" { } }
Control_Listener { Listen %q { } }
`, filepath.Join(dir, "spool"), fdReserve, sp, hp, filepath.Join(dir, "ctl.sock"))), 0o644)
			cmd := exec.Command("sh", "-c", fmt.Sprintf("ulimit -n %d && exec \"$0\" \"$@\"", fdLimit),
				bin, "-config", conf, "-event-loop", be, "-workers", "2", "-metrics", "off")
			logs := &syncBuf{} // written by exec's copier while the test reads it
			cmd.Stderr = logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cmd.Process.Kill(); cmd.Wait() }()
			waitPort(t, sp)

			var open []net.Conn
			defer func() {
				for _, c := range open {
					c.Close()
				}
			}()
			// fill opens SMTP sessions until one is refused.
			fill := func() (refused bool) {
				for i := 0; i < 2*fdLimit; i++ {
					c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", sp), 2*time.Second)
					if err != nil {
						t.Fatal(err)
					}
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					line, _ := bufio.NewReader(c).ReadString('\n')
					switch {
					case strings.HasPrefix(line, "220"):
						open = append(open, c)
					case strings.HasPrefix(line, "421"):
						c.Close()
						return true
					default:
						c.Close()
						t.Fatalf("after %d sessions: %q", len(open), line)
					}
				}
				return false
			}
			if !fill() {
				t.Fatalf("%d SMTP sessions and no refusal", len(open))
			}
			filled := len(open)
			if filled > fdLimit-fdReserve {
				t.Fatalf("%d SMTP sessions got a banner; the reserve leaves at most %d", filled, fdLimit-fdReserve)
			}
			t.Logf("RLIMIT_NOFILE %d, FD_Reserve %d: %d SMTP sessions, then 421", fdLimit, fdReserve, filled)

			c, err := control.Dial(filepath.Join(dir, "ctl.sock"), 2*time.Second)
			if err != nil {
				t.Fatalf("console on a full daemon: %v", err)
			}
			if st, body, err := c.Do("summary"); err != nil || st != control.StatusOK {
				t.Fatalf("console summary: %s %q %v", st, body, err)
			}
			c.Close()
			fill()
			hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			for _, p := range []string{"/healthz", "/readyz"} {
				r, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d%s", hp, p))
				if err != nil || r.StatusCode != 200 {
					t.Fatalf("%s on a full daemon: %v %v", p, r, err)
				}
				r.Body.Close()
				fill()
			}
			r, err := hc.Post(fmt.Sprintf("http://127.0.0.1:%d/api/v1/messages", hp), "message/rfc822", strings.NewReader("Subject: x\r\n\r\nx\r\n"))
			if err != nil || r.StatusCode != 503 {
				t.Fatalf("a message POST on the reserve: %v %v", r, err)
			}
			r.Body.Close()

			shed := 0
			time.Sleep(300 * time.Millisecond) // the sheds' FINs arrive
			for _, c := range open {
				c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
				if _, err := c.Read(make([]byte, 1)); err == io.EOF {
					shed++
				}
			}
			if shed < 3 {
				t.Fatalf("%d SMTP sessions shed after 4 reserve admissions", shed)
			}
			if !strings.Contains(logs.String(), "fd reserve") {
				t.Fatalf("no reserve log line:\n%s", logs.String())
			}
			t.Logf("console, /healthz, /readyz served on the reserve; %d newest SMTP sessions shed", shed)
		})
	}
}
