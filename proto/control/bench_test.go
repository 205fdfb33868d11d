package control

import (
	"testing"

	"sluice/proto"
	"sluice/proto/prototest"
)

// inlineBatch is answered without the Backend: parsing, refusals and
// inline answers.
var inlineBatch = []byte("pid\r\nversion\njson pid\njson version\nhelp config\njson help\nfrob x\n" +
	"config frob\nconfig set x ( a b\njson count x 999\ncount x y z\n\n")

// backendBatch is parsed fully (config set with an array) before it would
// reach the Backend.
var setLine = []byte(`config set esmtp_listener peer 10.0.0.0/8 smtp_extensions ( "AUTH LOGIN" 8BITMIME PIPELINING )`)

func TestInlineAnswersDoNotAllocate(t *testing.T) {
	s := newTestFactory(&fakeBackend{}).NewSession(unixConn(policy(nil), 0), prototest.NewHost())
	out := make([]byte, 0, 8192)
	feed := func() {
		n, o, a := s.Feed(inlineBatch, out[:0])
		if n != len(inlineBatch) || a != proto.Continue || len(o) == 0 {
			t.Fatalf("n=%d a=%v", n, a)
		}
	}
	feed()
	if n := testing.AllocsPerRun(100, feed); n != 0 {
		t.Fatalf("%.1f allocations per batch of inline commands", n)
	}
	var p parser
	parse := func() {
		if c, ok := p.parse(setLine); !ok || c.op != opConfigSet {
			t.Fatal(string(p.err))
		}
	}
	parse()
	if n := testing.AllocsPerRun(100, parse); n != 0 {
		t.Fatalf("%.1f allocations per config set parse", n)
	}
	// A denied client costs nothing either.
	d := newTestFactory(&fakeBackend{}).NewSession(unixConn(policy(nil), 1000), prototest.NewHost())
	denied := []byte("summary\nconfig reload\njson listeners\n")
	if n := testing.AllocsPerRun(100, func() { d.Feed(denied, out[:0]) }); n != 0 {
		t.Fatalf("%.1f allocations per refused batch", n)
	}
}

func BenchmarkParseConfigSet(b *testing.B) {
	var p parser
	b.ReportAllocs()
	b.SetBytes(int64(len(setLine)))
	for b.Loop() {
		p.parse(setLine)
	}
}

func BenchmarkFeedInline(b *testing.B) {
	s := newTestFactory(&fakeBackend{}).NewSession(unixConn(policy(nil), 0), prototest.NewHost())
	out := make([]byte, 0, 8192)
	b.ReportAllocs()
	b.SetBytes(int64(len(inlineBatch)))
	for b.Loop() {
		s.Feed(inlineBatch, out[:0])
	}
}

// BenchmarkBackendRoundTrip is one backend command through Go and Resume
// (prototest runs Go synchronously): copy-out, execute, JSON framing.
func BenchmarkBackendRoundTrip(b *testing.B) {
	f := newTestFactory(&fakeBackend{})
	in := []byte("json count esmtp 24\n")
	b.ReportAllocs()
	for b.Loop() {
		h := prototest.NewHost()
		s := f.NewSession(unixConn(policy(nil), 0), h)
		prototest.Run(s, h, in)
	}
}
