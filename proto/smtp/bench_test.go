package smtp

import (
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
)

// nopHost is a Host that keeps nothing, for allocation tests and benchmarks.
type nopHost struct{ n int }

func (h *nopHost) Submit(*proto.Message)        { h.n++ }
func (h *nopHost) Generation() uint64           { return 1 }
func (h *nopHost) ShuttingDown() bool           { return false }
func (h *nopHost) Now() time.Time               { return time.Unix(1_800_000_000, 0).UTC() }
func (h *nopHost) Go(fn func() (string, error)) {}

func benchSession(p *config.Policy) (*session, *nopHost) {
	h := &nopHost{}
	c := &proto.ConnInfo{Listener: "ESMTP_Listener", Listen: tListen, Policy: p, Generation: 1}
	c.Remote = mustAddrPort(tRemote)
	s := testFactory().NewSession(c, h).(*session)
	s.Start(nil)
	return s, h
}

// benchTx is one kept-alive message: MAIL, RCPT, DATA with a 1 KiB
// body (the smtp-source -l 1024 shape), pipelined as one client write.
var benchTx = []byte("MAIL FROM:<sender@example.org> SIZE=1100\r\nRCPT TO:<rcpt@example.com>\r\nDATA\r\n" +
	"From: sender@example.org\r\nTo: rcpt@example.com\r\nSubject: bench\r\n\r\n" +
	strings.Repeat(strings.Repeat("x", 62)+"\r\n", 14) + "..dot\r\n.\r\n")

// runTx feeds one benchTx and resumes it; it fails the test on a
// wrong answer.
func runTx(tb testing.TB, s *session, out []byte) []byte {
	out = out[:0]
	n, out, a := s.Feed(benchTx, out)
	if a != proto.Suspend || n != len(benchTx) {
		tb.Fatalf("feed: n=%d a=%v out=%q", n, a, out)
	}
	out, _ = s.Resume(proto.Result{ID: "ID"}, out)
	return out
}

func TestAllocsCommands(t *testing.T) {
	s, _ := benchSession(policy(enh...))
	in := []byte("EHLO client.example.org\r\nMAIL FROM:<a.b@example.org> BODY=8BITMIME SIZE=100\r\n" +
		"RCPT TO:<x@example.com>\r\nRCPT TO:<\"q d\"@[192.0.2.1]>\r\nRCPT TO:<y@far.org>\r\nNOOP\r\nFOO\r\nVRFY x\r\nRSET\r\n")
	out := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(200, func() {
		n, o, a := s.Feed(in, out[:0])
		if n != len(in) || a != proto.Continue || len(o) == 0 {
			t.Fatalf("n=%d a=%v", n, a)
		}
	})
	if allocs != 0 {
		t.Fatalf("command parsing allocates %.1f per run", allocs)
	}
}

func TestAllocsDataScan(t *testing.T) {
	s, _ := benchSession(policy("rfc2822_max_line_length", "pedantic"))
	s.Feed([]byte("MAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n"), nil)
	chunk := []byte(strings.Repeat("Line of text with a .dot\r\n..stuffed\r\n\nlone\r\n", 100))
	s.buf = make([]byte, 0, 1<<20)
	allocs := testing.AllocsPerRun(10, func() {
		if n, _, a := s.Feed(chunk, nil); n != len(chunk) || a != proto.Continue {
			t.Fatalf("n=%d a=%v", n, a)
		}
	})
	if allocs != 0 {
		t.Fatalf("DATA scanning allocates %.1f per chunk", allocs)
	}
}

// TestAllocsTransaction: a whole kept-alive message costs one allocation
// (the envelope strings handed to the spool).
func TestAllocsTransaction(t *testing.T) {
	s, _ := benchSession(policy("max_message_size", 10<<20))
	out := make([]byte, 0, 4096)
	runTx(t, s, out)
	if allocs := testing.AllocsPerRun(100, func() { runTx(t, s, out) }); allocs > 1 {
		t.Fatalf("a benchTx allocates %.1f times", allocs)
	}
}

func BenchmarkTransaction(b *testing.B) {
	s, h := benchSession(policy("max_message_size", 10<<20))
	out := make([]byte, 0, 4096)
	b.SetBytes(int64(len(benchTx)))
	b.ReportAllocs()
	for b.Loop() {
		out = runTx(b, s, out)
	}
	if h.n == 0 {
		b.Fatal("nothing submitted")
	}
}

func BenchmarkDataScan(b *testing.B) {
	s, _ := benchSession(policy("max_message_size", 1<<30))
	s.Feed([]byte("MAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n"), nil)
	chunk := []byte(strings.Repeat(strings.Repeat("y", 76)+"\r\n", 840)) // ~64 KiB
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		s.buf = s.buf[:0]
		s.d.size = 0
		s.Feed(chunk, nil)
	}
}

func BenchmarkCommands(b *testing.B) {
	s, _ := benchSession(policy())
	in := []byte("MAIL FROM:<a.b@example.org> SIZE=100\r\nRCPT TO:<x@example.com>\r\nRSET\r\n")
	out := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		s.Feed(in, out[:0])
	}
}
