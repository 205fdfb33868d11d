package daemon

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/internal/membudget"
	"sluice/internal/spill"
	"sluice/spool/spooltest"
)

const spillConf = `
Spoolbase = "{{DIR}}/spool"
Relay_Domains = ( "example.com" )
Max_Inflight_Data = 4M
ESMTP_Listener {
  Max_Message_Size = 100M
  Listen "127.0.0.1:%d" { }
}
`

// TestSpillLargeMessages (issue 21 item 1): six 10 MB SMTP messages at once
// against a 4 MiB message-data budget all get their 250, because each
// spills to a file past 1 MiB: the budget's counter stays under 4 MiB,
// every message is stored byte-exact, and no spill file is left open.
func TestSpillLargeMessages(t *testing.T) {
	const n, size = 6, 10 << 20
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			td := start(t, be, fmt.Sprintf(spillConf, port))
			spilled0 := spill.Spilled()
			before := rssMB()
			var peak, peakRSS atomic.Int64
			stop := make(chan struct{})
			go func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
					}
					peak.Store(max(peak.Load(), membudget.Used()))
					peakRSS.Store(max(peakRSS.Load(), int64(rssMB())))
				}
			}()
			bodies := make([]string, n)
			var ok atomic.Int32
			var wg sync.WaitGroup
			for i := range bodies {
				line := strings.Repeat(string(rune('a'+i)), 1022) + "\r\n"
				bodies[i] = fmt.Sprintf("Subject: big %d\r\n\r\n", i) + strings.Repeat(line, size/len(line))
				wg.Add(1)
				go func(body string) {
					defer wg.Done()
					c := waitDial(t, "tcp", addr(port))
					defer c.Close()
					fmt.Fprintf(c, "EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
					c.Write([]byte(body))
					fmt.Fprintf(c, ".\r\nQUIT\r\n")
					c.SetReadDeadline(time.Now().Add(60 * time.Second))
					if out, _ := io.ReadAll(c); strings.Contains(string(out), "250 OK") {
						ok.Add(1)
					} else {
						t.Errorf("no 250: %s", tail(out))
					}
				}(bodies[i])
			}
			wg.Wait()
			close(stop)
			got := spoolMessages(t, td.Store(), n)
			for i, want := range bodies {
				found := false
				for _, m := range got {
					if b, okb := spooltest.StripTrace(m); okb && bytes.Equal(b, []byte(want)) {
						found = true
					}
				}
				if !found {
					t.Fatalf("message %d (%d bytes) not stored byte-exact", i, len(want))
				}
			}
			t.Logf("%d × 10 MB at once, budget 4 MiB: %d answered 250, %d spilled; budget peak %d KiB; "+
				"RSS %.0f MiB before, %d MiB peak", n, ok.Load(), spill.Spilled()-spilled0, peak.Load()>>10, before, peakRSS.Load())
			if peak.Load() > 4<<20 || spill.Spilled()-spilled0 < n {
				t.Fatalf("budget peak %d, spilled %d", peak.Load(), spill.Spilled()-spilled0)
			}
			for i := 0; spill.Open() != 0 && i < 100; i++ {
				time.Sleep(10 * time.Millisecond)
			}
			if spill.Open() != 0 {
				t.Fatalf("%d spill files still open", spill.Open())
			}
		})
	}
}
