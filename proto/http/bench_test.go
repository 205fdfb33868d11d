package http

import (
	"fmt"
	"testing"
	"time"

	"sluice/proto"
	"sluice/proto/prototest"
)

const typicalHead = "POST /api/v1/messages HTTP/1.1\r\nHost: mx.example:8081\r\nUser-Agent: curl/8.5.0\r\n" +
	"Accept: */*\r\nContent-Type: message/rfc822\r\nX-Mail-From: <a@example.com>\r\n" +
	"X-Rcpt-To: <b@example.org>\r\nX-Rcpt-To: <c@example.org>\r\nContent-Length: 61\r\n\r\n"

// TestHeadParserAllocs: scanning, parsing and routing a typical head does
// not allocate.
func TestHeadParserAllocs(t *testing.T) {
	in := []byte(typicalHead)
	var r request
	var env envelope
	allocs := testing.AllocsPerRun(100, func() {
		from := 0
		end, e := scanHead(in, &from)
		if e != nil || end != len(in) {
			t.Fatal("scan", e, end)
		}
		env.reset()
		if e := parseHead(in[:end], &r, &env); e != nil {
			t.Fatal(e.why)
		}
		if routeOf(r.path) != rMessages || r.clen != 61 || len(env.rcpts) != 2 {
			t.Fatal("parse")
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per head, want 0", allocs)
	}
}

// TestKeepAliveGetAllocs: a whole keep-alive GET /healthz through Feed,
// response included, does not allocate.
func TestKeepAliveGetAllocs(t *testing.T) {
	s, _ := mk(testFactory(), testPolicy(nil))()
	in := []byte("GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: probe\r\n\r\n")
	out := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		n, o, a := s.Feed(in, out[:0])
		if n != len(in) || a != proto.Continue || len(o) == 0 {
			t.Fatal("feed", n, a)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per request, want 0", allocs)
	}
}

// benchHost resumes every Submit at once with a fixed id.
type benchHost struct{ n int }

func (h *benchHost) Submit(*proto.Message)     { h.n++ }
func (h *benchHost) Generation() uint64        { return 1 }
func (h *benchHost) ShuttingDown() bool        { return false }
func (h *benchHost) Now() time.Time            { return time.Unix(1_800_000_000, 0) }
func (h *benchHost) Go(func() (string, error)) {}

// BenchmarkRawMessagePost: one keep-alive POST /api/v1/messages of a 4 KiB
// message through Feed, Submit, Resume and the 200 response.
func BenchmarkRawMessagePost(b *testing.B) {
	for _, size := range []int{1 << 10, 4 << 10, 64 << 10} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			msg := make([]byte, size)
			for i := range msg {
				msg[i] = 'a' + byte(i%26)
				if i%78 == 77 {
					msg[i-1], msg[i] = '\r', '\n'
				}
			}
			in := []byte(post("/api/v1/messages", string(msg), envHdrs...))
			h := &benchHost{}
			s := testFactory().NewSession(prototest.Conn("HTTP_Listener", "127.0.0.1:8081", "127.0.0.1:4000", testPolicy(nil)), h)
			out := make([]byte, 0, 1024)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				n, _, a := s.Feed(in, out[:0])
				if n != len(in) || a != proto.Suspend {
					b.Fatal("feed", n, a)
				}
				if _, a = s.Resume(proto.Result{ID: "ID"}, out[:0]); a != proto.Continue {
					b.Fatal("resume", a)
				}
			}
		})
	}
}

// BenchmarkHeadParse: scan + parse + route of a typical head.
func BenchmarkHeadParse(b *testing.B) {
	in := []byte(typicalHead)
	var r request
	var env envelope
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		from := 0
		end, _ := scanHead(in, &from)
		env.reset()
		parseHead(in[:end], &r, &env)
		routeOf(r.path)
	}
}
