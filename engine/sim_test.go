package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"sluice/engine/echo"
	"sluice/proto"
	"sluice/proto/prototest"
)

// simBackend is a fake back end with seeded faults, in the spirit of
// TigerBeetle's simulator: it plays the kernel for one connection and talks
// to the worker only through the completions interface. Sends complete with
// random short counts, input arrives in random chunk sizes, and a few
// chunks still arrive after reading was paused (as a multishot recv does
// before its cancel lands).
type simBackend struct {
	nopBackend
	flight   []byte // the send in flight
	received []byte // what the peer has read
	torn     bool
}

func (b *simBackend) send(c *conn, p []byte) { b.flight = p }
func (b *simBackend) teardown(c *conn)       { b.torn = true }

// TestSimulatedBackend runs the same pipelined echo conversation through
// the worker under many seeds and checks that the peer reads exactly what
// prototest's driver produces for it, and that QUIT closes after the flush.
func TestSimulatedBackend(t *testing.T) {
	var in bytes.Buffer
	for i := range 400 {
		fmt.Fprintf(&in, "line %d %s\n", i, bytes.Repeat([]byte("x"), i%97))
	}
	in.WriteString("QUIT\n")
	h := prototest.NewHost()
	want, err := prototest.Run((&echo.Factory{}).NewSession(&proto.ConnInfo{}, h), h, in.Bytes())
	if err != nil || !want.Closed {
		t.Fatalf("reference run: %v closed %v", err, want.Closed)
	}
	for seed := uint64(1); seed <= 40; seed++ {
		w, c, _ := fakeConn(t, &echo.Factory{})
		sb := &simBackend{}
		w.b = sb
		var k completions = w // the back end's only view of the worker
		r := rand.New(rand.NewPCG(seed, 7))
		pos := 0
		for steps := 0; !sb.torn; steps++ {
			if steps > 1e6 {
				t.Fatalf("seed %d: no progress (pos %d, phase %d)", seed, pos, c.phase)
			}
			canRead := pos < len(in.Bytes()) && (c.readOn || r.IntN(8) == 0)
			switch {
			case canRead && (sb.flight == nil || r.IntN(2) == 0):
				n := min(1+r.IntN(700), len(in.Bytes())-pos)
				k.onRecv(c, in.Bytes()[pos:pos+n])
				pos += n
			case sb.flight != nil:
				n := 1 + r.IntN(len(sb.flight))
				sb.received = append(sb.received, sb.flight[:n]...)
				sb.flight = nil
				k.onSent(c, n, nil)
			default:
				t.Fatalf("seed %d: stalled: nothing to send, reading off (pos %d of %d, phase %d)",
					seed, pos, len(in.Bytes()), c.phase)
			}
		}
		if !bytes.Equal(sb.received, want.Out) {
			t.Fatalf("seed %d: peer read %d bytes, want %d\n got tail %q\nwant tail %q", seed,
				len(sb.received), len(want.Out), tail(sb.received), tail(want.Out))
		}
		if c.reason != proto.CloseProtocol {
			t.Fatalf("seed %d: closed with %v", seed, c.reason)
		}
	}
}

func tail(b []byte) []byte { return b[max(0, len(b)-60):] }
