package daemon

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/internal/membudget"
	"sluice/proto/ecstream/wire"
)

const memConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
Max_Inflight_Data = 16M
ESMTP_Listener {
  Max_Message_Size = 100M
  Listen "127.0.0.1:%d" { }
}
HTTP_Listener {
  Max_Message_Size = 100M
  Max_Request_Size = 100M
  Listen "127.0.0.1:%d" { }
}
ECStream_Listener {
  Max_Message_Size = 100M
  Listen "127.0.0.1:%d" { }
}
`

// rssMB is this process's resident set in MiB (the daemon runs in it).
func rssMB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			var kb float64
			fmt.Sscan(rest, &kb)
			return kb / 1024
		}
	}
	return 0
}

// TestMemoryBudgetUnderAttack (issue 21 item 1): 6 SMTP DATAs, 3 HTTP
// bodies and 3 ECStream frames of 10 MB each stream at once against
// Max_Inflight_Data = 16M. The budget's own counter never passes 16 MiB;
// sessions past it get 452 4.3.1 (SMTP), 503 (HTTP) or a 421 4.3.1 Error
// frame (ECStream) and nothing of theirs is stored; RSS is reported.
func TestMemoryBudgetUnderAttack(t *testing.T) {
	const size = 10 << 20
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			sp, hp, ep := freePort(t), freePort(t), freePort(t)
			start(t, be, fmt.Sprintf(memConf, sp, hp, ep))
			before := rssMB()
			refused0 := membudget.Refused()
			var peak atomic.Int64
			var peakRSS atomic.Int64
			stop := make(chan struct{})
			go func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
					}
					if u := membudget.Used(); u > peak.Load() {
						peak.Store(u)
					}
					if r := int64(rssMB()); r > peakRSS.Load() {
						peakRSS.Store(r)
					}
				}
			}()
			chunk := bytes.Repeat([]byte(strings.Repeat("x", 1022)+"\r\n"), 64)
			stream := func(c net.Conn) {
				for sent := 0; sent < size; sent += len(chunk) {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			}
			var wg sync.WaitGroup
			var smtpOK, smtp452, http503, ecs421 atomic.Int32
			for i := 0; i < 6; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := waitDial(t, "tcp", addr(sp))
					defer c.Close()
					fmt.Fprintf(c, "EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
					stream(c)
					fmt.Fprintf(c, ".\r\nQUIT\r\n")
					c.SetReadDeadline(time.Now().Add(60 * time.Second))
					out, _ := io.ReadAll(c)
					switch {
					case strings.Contains(string(out), "452 4.3.1"), strings.Contains(string(out), "452 Insufficient"):
						smtp452.Add(1)
					case strings.Contains(string(out), "250 OK"):
						smtpOK.Add(1)
					}
				}()
			}
			for i := 0; i < 3; i++ {
				wg.Add(2)
				go func() {
					defer wg.Done()
					c := waitDial(t, "tcp", addr(hp))
					defer c.Close()
					fmt.Fprintf(c, "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: message/rfc822\r\nX-MSYS-API: {}\r\nContent-Length: %d\r\n\r\n", size)
					go stream(c)
					c.SetReadDeadline(time.Now().Add(60 * time.Second))
					line, _ := bufio.NewReader(c).ReadString('\n')
					if strings.Contains(line, " 503 ") {
						http503.Add(1)
					}
				}()
				go func() {
					defer wg.Done()
					c := waitDial(t, "tcp", addr(ep))
					defer c.Close()
					r := bufio.NewReader(c)
					io.ReadFull(r, make([]byte, wire.HeaderLen+wire.GreetingLen))
					c.Write(wire.AppendHeader(wire.AppendHello(nil, wire.Version1), wire.Batch, size))
					go stream(c)
					c.SetReadDeadline(time.Now().Add(60 * time.Second))
					h := make([]byte, wire.HeaderLen)
					if _, err := io.ReadFull(r, h); err == nil {
						if typ, n, _ := wire.ParseHeader(h); typ == wire.Error {
							p := make([]byte, n)
							io.ReadFull(r, p)
							if _, text, _ := wire.ParseError(p); strings.Contains(string(text), "4.3.1") {
								ecs421.Add(1)
							}
						}
					}
				}()
			}
			wg.Wait()
			close(stop)
			t.Logf("RSS before %.0f MiB, peak during %d MiB, after %.0f MiB; budget 16 MiB, peak held %d KiB; "+
				"SMTP 250/452 %d/%d, HTTP 503 %d/3, ECStream 4.3.1 %d/3, refusals %d",
				before, peakRSS.Load(), rssMB(), peak.Load()>>10, smtpOK.Load(), smtp452.Load(),
				http503.Load(), ecs421.Load(), membudget.Refused()-refused0)
			if peak.Load() > 16<<20 {
				t.Fatalf("the budget held %d bytes, over its 16 MiB", peak.Load())
			}
			if membudget.Refused() == refused0 || smtp452.Load()+http503.Load()+ecs421.Load() == 0 {
				t.Fatal("120 MB in flight against a 16 MiB budget and nothing was refused")
			}
			if smtpOK.Load()+smtp452.Load() != 6 {
				t.Fatalf("SMTP sessions answered: %d 250, %d 452 of 6", smtpOK.Load(), smtp452.Load())
			}
		})
	}
}
