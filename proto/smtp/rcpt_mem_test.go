package smtp

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"sluice/proto"
)

// TestRecipientMemory measures the live heap a 20000-recipient transaction
// holds per byte of address while its message waits for the spool: the
// arena (about 1x), one string copy of it for the Message (1x) and 20
// bytes of offset and string header per recipient.
func TestRecipientMemory(t *testing.T) {
	const n = 20000
	var in bytes.Buffer
	in.WriteString("EHLO c.test\r\nMAIL FROM:<a@b.org>\r\n")
	addrBytes := 0
	for i := 0; i < n; i++ {
		a := fmt.Sprintf("recipient-number-%06d@example.com", i)
		addrBytes += len(a)
		fmt.Fprintf(&in, "RCPT TO:<%s>\r\n", a)
	}
	in.WriteString("DATA\r\nSubject: s\r\n\r\nx\r\n.\r\n")
	s, h := mk(testFactory(), policy("max_recipients_per_message", n), tRemote)()
	out, _ := s.Start(nil)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	// Feed up to the end of DATA, replies discarded: the message is
	// submitted, not resumed, so the session holds its envelope while the
	// heap is measured.
	for buf := in.Bytes(); len(buf) > 0; {
		n, o, a := s.Feed(buf, out[:0])
		out, buf = o, buf[n:]
		if a == proto.Suspend {
			break
		}
		if n == 0 {
			t.Fatalf("session stopped with %d bytes left", len(buf))
		}
	}
	if len(h.Submitted) != 1 || len(h.Submitted[0].Recipients) != n {
		t.Fatalf("%d messages submitted", len(h.Submitted))
	}
	h.Submitted = nil // the test host's own copy is not the session's
	runtime.GC()
	runtime.ReadMemStats(&m1)
	live := float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)-int64(cap(out))) / float64(addrBytes)
	churn := float64(m1.TotalAlloc-m0.TotalAlloc) / float64(addrBytes)
	runtime.KeepAlive(s)
	runtime.KeepAlive(&in)
	t.Logf("%d recipients, %d address bytes: %.2f live heap bytes per address byte (%.2f allocated)", n, addrBytes, live, churn)
	if live > 2.5 {
		t.Fatalf("%.2f live bytes per address byte (bound 2.5)", live)
	}
}
