package daemon

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSlowlorisOverTLS (issue 21 item 3): the content rate holds on the
// TLS goroutine too. After STARTTLS, clients trickling one byte per 100 ms
// inside DATA are closed before 60 bytes (3 × Idle_Time), while a client
// at 20 KB/s over TLS delivers a message that takes twice Idle_Time.
func TestSlowlorisOverTLS(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			dir := t.TempDir()
			cert, key := genCert(t, dir, "mx.test")
			start(t, be, fmt.Sprintf(`
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Idle_Time = 2
  SMTP_Extensions = ( "STARTTLS" )
  TLS_Certificate = %q
  TLS_Key = %q
  Listen "127.0.0.1:%d" { }
}
`, cert, key, port))
			open := func() (*tls.Conn, *bufio.Reader) {
				c := waitDial(t, "tcp", addr(port))
				r := bufio.NewReader(c)
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if l, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(l, "220 ") {
					t.Fatalf("banner %q %v", l, err)
				}
				fmt.Fprintf(c, "EHLO x\r\nSTARTTLS\r\n")
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						t.Fatalf("before STARTTLS: %v (last %q)", err, l)
					}
					if strings.HasPrefix(l, "220 ") {
						break
					}
				}
				tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
				tr := bufio.NewReader(tc)
				fmt.Fprintf(tc, "EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
				for {
					l, err := tr.ReadString('\n')
					if err != nil {
						t.Fatalf("over TLS: %v", err)
					}
					if strings.HasPrefix(l, "354") {
						break
					}
				}
				tc.SetReadDeadline(time.Time{})
				return tc, tr
			}
			var wg sync.WaitGroup
			sent := make([]int, 8)
			for i := range sent {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					tc, tr := open()
					defer tc.Close()
					var mu sync.Mutex
					closed := false
					go func() {
						io.Copy(io.Discard, tr)
						mu.Lock()
						closed = true
						mu.Unlock()
					}()
					for sent[i] = 0; sent[i] < 100; sent[i]++ {
						mu.Lock()
						done := closed
						mu.Unlock()
						if done {
							return
						}
						if _, err := tc.Write([]byte("x")); err != nil {
							return
						}
						time.Sleep(100 * time.Millisecond)
					}
				}(i)
			}
			tc, tr := open()
			defer tc.Close()
			line := strings.Repeat("y", 1022) + "\r\n"
			for i := 0; i < 40; i++ {
				if _, err := tc.Write([]byte(line + line)); err != nil {
					t.Fatalf("slow TLS link closed after %d KB: %v", 2*i, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			fmt.Fprintf(tc, ".\r\nQUIT\r\n")
			tc.SetReadDeadline(time.Now().Add(10 * time.Second))
			all, _ := io.ReadAll(tr)
			if !strings.Contains(string(all), "250 OK") {
				t.Fatalf("the 20 KB/s TLS client did not deliver:\n%s", all)
			}
			wg.Wait()
			for i, n := range sent {
				if n > 60 {
					t.Errorf("TLS trickler %d sent %d bytes before the close (bound 60)", i, n)
				}
			}
			t.Logf("TLS tricklers sent %v bytes before the close (1 byte / 100 ms, Idle_Time 2 s)", sent)
		})
	}
}
