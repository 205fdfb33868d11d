package daemon

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sluice/proto/ecstream/wire"
)

const slowConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
ESMTP_Listener {
  Idle_Time = 2
  Listen "127.0.0.1:%d" { }
  Listen "127.0.0.1:%d" {
    Idle_Time = 1
    TCP_Send_Buffer_Size = 4096
  }
}
HTTP_Listener {
  Idle_Time = 2
  Listen "127.0.0.1:%d" { }
}
ECStream_Listener {
  ECStream_Idle_Time = 2
  Listen "127.0.0.1:%d" { }
}
`

// trickle writes one byte of body every 100 ms after prefix until the
// server closes or 100 bytes are sent, and returns how many it sent and
// whether the server closed. The reader notices the close.
func trickle(t *testing.T, address string, prefix func(c net.Conn, r *bufio.Reader)) (int, bool) {
	c, err := net.DialTimeout("tcp", address, 2*time.Second)
	if err != nil {
		t.Error(err)
		return 0, false
	}
	defer c.Close()
	r := bufio.NewReader(c)
	prefix(c, r)
	var mu sync.Mutex
	closed := false
	go func() {
		io.Copy(io.Discard, r)
		mu.Lock()
		closed = true
		mu.Unlock()
	}()
	for i := 0; i < 100; i++ {
		mu.Lock()
		done := closed
		mu.Unlock()
		if done {
			return i, true
		}
		if _, err := c.Write([]byte("x")); err != nil {
			return i, true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 100, false
}

// TestSlowlorisInContent (issue 21 item 3): with the default Min_Data_Rate
// (500 B/s) and Idle_Time 2, clients trickling one byte per 100 ms inside
// SMTP DATA, an HTTP body and an ECStream Batch frame are closed before
// they have sent 3 × Idle_Time worth (60 bytes), while a client at 20 KB/s
// delivers a message that takes twice Idle_Time.
func TestSlowlorisInContent(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			sp, np, hp, ep := freePort(t), freePort(t), freePort(t), freePort(t)
			start(t, be, fmt.Sprintf(slowConf, sp, np, hp, ep))
			smtpIn := func(c net.Conn, r *bufio.Reader) {
				fmt.Fprintf(c, "EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
				for {
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					l, err := r.ReadString('\n')
					if err != nil || strings.HasPrefix(l, "354") {
						break
					}
				}
				c.SetReadDeadline(time.Time{})
			}
			httpIn := func(c net.Conn, r *bufio.Reader) {
				fmt.Fprintf(c, "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n")
			}
			ecsIn := func(c net.Conn, r *bufio.Reader) {
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				io.ReadFull(r, make([]byte, wire.HeaderLen+wire.GreetingLen))
				c.SetReadDeadline(time.Time{})
				c.Write(wire.AppendHeader(wire.AppendHello(nil, wire.Version1), wire.Batch, 10000))
			}
			type result struct {
				proto  string
				sent   int
				closed bool
			}
			var wg sync.WaitGroup
			res := make(chan result, 40)
			for i := 0; i < 40; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					switch i % 4 {
					case 0, 1:
						n, ok := trickle(t, addr(sp), smtpIn)
						res <- result{"smtp", n, ok}
					case 2:
						n, ok := trickle(t, addr(hp), httpIn)
						res <- result{"http", n, ok}
					default:
						n, ok := trickle(t, addr(ep), ecsIn)
						res <- result{"ecstream", n, ok}
					}
				}(i)
			}
			// Meanwhile a real client on a slow link: 2 KB per 100 ms for 4 s.
			c := waitDial(t, "tcp", addr(sp))
			defer c.Close()
			r := bufio.NewReader(c)
			fmt.Fprintf(c, "EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
			line := strings.Repeat("y", 1022) + "\r\n"
			for i := 0; i < 40; i++ {
				if _, err := c.Write([]byte(line + line)); err != nil {
					t.Fatalf("slow link closed after %d KB: %v", 2*i, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			fmt.Fprintf(c, ".\r\nQUIT\r\n")
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			all, _ := io.ReadAll(r)
			if !strings.Contains(string(all), "250 OK") {
				t.Fatalf("the 20 KB/s client did not deliver:\n%s", all)
			}
			wg.Wait()
			close(res)
			worst := map[string]int{}
			for x := range res {
				if !x.closed || x.sent > 60 {
					t.Errorf("%s trickler: closed %v after %d bytes (bound 60)", x.proto, x.closed, x.sent)
				}
				worst[x.proto] = max(worst[x.proto], x.sent)
			}
			t.Logf("most bytes a trickler sent before the close: %v (1 byte / 100 ms, Idle_Time 2 s)", worst)
		})
	}
}

// smallRcvBuf dials with a 4 KB receive buffer (the peer's window stays small).
func smallRcvBuf(t *testing.T, address string) net.Conn {
	d := net.Dialer{Timeout: 2 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	c, err := d.Dial("tcp", address)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSlowReaderIsActive (issue 21 item 4): a client that pipelines 20000
// NOOPs and reads the replies slowly for 3.5 × Idle_Time gets every reply;
// one that stops reading is closed (the send timeout) with replies unsent.
func TestSlowReaderIsActive(t *testing.T) {
	const n = 20000
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			sp, np, hp, ep := freePort(t), freePort(t), freePort(t), freePort(t)
			start(t, be, fmt.Sprintf(slowConf, sp, np, hp, ep))
			cmds := []byte("EHLO x\r\n" + strings.Repeat("NOOP\r\n", n) + "QUIT\r\n")

			c := smallRcvBuf(t, addr(np))
			defer c.Close()
			go c.Write(cmds)
			var got bytes.Buffer
			buf := make([]byte, 1024)
			for end := time.Now().Add(3500 * time.Millisecond); time.Now().Before(end); {
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				k, err := c.Read(buf)
				got.Write(buf[:k])
				if err != nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			io.Copy(&got, c)
			if k := strings.Count(got.String(), "250 OK\r\n"); k != n || !strings.Contains(got.String(), "221 ") {
				t.Fatalf("slow reader got %d of %d NOOP replies (221: %v)", k, n, strings.Contains(got.String(), "221 "))
			}

			s := smallRcvBuf(t, addr(np))
			defer s.Close()
			go s.Write(cmds)
			time.Sleep(3500 * time.Millisecond) // not reading: 3.5 × Idle_Time
			s.SetReadDeadline(time.Now().Add(20 * time.Second))
			rest, err := io.ReadAll(s)
			if k := strings.Count(string(rest), "250 OK\r\n"); k >= n {
				t.Fatalf("a client that stopped reading was served all %d replies (err %v)", k, err)
			} else {
				t.Logf("stopped reader: closed after %d of %d replies (%v)", k, n, err)
			}
		})
	}
}
