package engine

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"sluice/engine/echo"
	"sluice/proto"
	"sluice/spool"
)

// nopBackend completes nothing by itself; the test plays the kernel.
type nopBackend struct{ sends int }

func (b *nopBackend) addListen(*lsock) error { return nil }
func (b *nopBackend) removeListen(*lsock)    {}
func (b *nopBackend) open(*conn) error       { return nil }
func (b *nopBackend) pauseRead(*conn)        {}
func (b *nopBackend) resumeRead(*conn)       {}
func (b *nopBackend) send(c *conn, p []byte) { b.sends++ }
func (b *nopBackend) teardown(*conn)         {}
func (b *nopBackend) detach(*conn)           {}
func (b *nopBackend) commit(spool.Batch)     {}
func (b *nopBackend) poll(int64) error       { return nil }
func (b *nopBackend) wake()                  {}
func (b *nopBackend) close()                 {}

func fakeConn(t *testing.T, f proto.Factory) (*worker, *conn, *nopBackend) {
	e := &Engine{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	w := newWorker(e, 0)
	nb := &nopBackend{}
	w.b = nb
	w.tick()
	w.wheel.init(w.nowNano)
	c := &conn{w: w, fd: -1, l: &listen{}, ctrs: new(ListenCounters), idle: 300e9}
	c.tl.slot = -1
	w.file(c)
	c.d.S = f.NewSession(&c.info, c)
	c.readOn = true
	return w, c, nb
}

// TestReadPathAllocs: a read, the session's reply and the send completion
// allocate nothing once the connection's output buffer exists.
func TestReadPathAllocs(t *testing.T) {
	w, c, nb := fakeConn(t, &echo.Factory{})
	line := []byte("MAIL FROM:<a@example.com>\r\n")
	round := func() {
		w.onRecv(c, line)
		w.onSent(c, len(c.d.Out)-c.sendOff, nil)
	}
	round()
	if n := testing.AllocsPerRun(1000, round); n != 0 {
		t.Fatalf("%.1f allocations per read/reply/send", n)
	}
	if nb.sends < 1000 || c.torn() {
		t.Fatalf("sends %d torn %v", nb.sends, c.torn())
	}
}

// stuck never consumes: it breaks the MaxUnconsumed rule.
type stuck struct{}

func (stuck) NewSession(*proto.ConnInfo, proto.Host) proto.Session { return stuckSession{} }
func (stuck) Refuse(_ *proto.ConnInfo, _ proto.RefuseReason, out []byte) []byte {
	return out
}

type stuckSession struct{}

func (stuckSession) Start(out []byte) ([]byte, proto.Action)            { return out, proto.Continue }
func (stuckSession) Feed(in, out []byte) (int, []byte, proto.Action)    { return 0, out, proto.Continue }
func (stuckSession) Resume(proto.Result, []byte) ([]byte, proto.Action) { return nil, proto.Continue }
func (stuckSession) Timeout() time.Duration                             { return 0 }
func (stuckSession) Closed(proto.CloseReason)                           {}

// TestInputBound: a session leaving more than proto.MaxUnconsumed bytes
// unconsumed is closed, and its buffered input never exceeds the bound by
// more than one read.
func TestInputBound(t *testing.T) {
	w, c, _ := fakeConn(t, stuck{})
	chunk := make([]byte, 4096)
	for i := 0; i < 100 && !c.torn(); i++ {
		w.onRecv(c, chunk)
	}
	if !c.torn() || c.reason != proto.CloseError || c.ctrs.InputOverflow.Load() != 1 {
		t.Fatalf("torn %v reason %v overflow %d", c.torn(), c.reason, c.ctrs.InputOverflow.Load())
	}
	if len(c.d.In) > proto.MaxUnconsumed+len(chunk) {
		t.Fatalf("kept %d bytes", len(c.d.In))
	}
}
