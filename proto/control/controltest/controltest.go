// Package controltest serves console sessions over real sockets without
// the engine, for client tests (sluicectl): one goroutine per connection
// feeds a control session and runs its Host.Go calls on goroutines, the
// way the engine does. It is test support, not a server.
package controltest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/control"
)

// Serve accepts on ln until it is closed. info describes each accepted
// connection (nil: a TCP client with an open policy).
func Serve(ln net.Listener, f *control.Factory, info func(net.Conn) *proto.ConnInfo) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		ci := openInfo()
		if info != nil {
			ci = info(c)
		}
		go serveConn(c, f, ci)
	}
}

func openInfo() *proto.ConnInfo {
	return &proto.ConnInfo{Listener: "Control_Listener", Listen: "127.0.0.1:0", PeerUID: -1,
		Remote: netip.MustParseAddrPort("127.0.0.1:1"), Policy: config.NewPolicy("Control_Listener", "127.0.0.1:0", nil)}
}

type host struct{ results chan proto.Result }

func (h *host) Submit(*proto.Message) { panic("controltest: the console never submits") }
func (h *host) Generation() uint64    { return 1 }
func (h *host) ShuttingDown() bool    { return false }
func (h *host) Now() time.Time        { return time.Now() }
func (h *host) Go(fn func() (string, error)) {
	go func() {
		text, err := fn()
		h.results <- proto.Result{Text: text, Err: err}
	}()
}

func serveConn(conn net.Conn, f *control.Factory, ci *proto.ConnInfo) {
	defer conn.Close()
	h := &host{results: make(chan proto.Result, 1)}
	s := f.NewSession(ci, h)
	defer s.Closed(proto.CloseClient)
	out, a := s.Start(nil)
	var in []byte
	buf := make([]byte, 4096)
	for {
		for a == proto.Suspend {
			out, a = s.Resume(<-h.results, out)
		}
		if len(out) > 0 {
			if _, err := conn.Write(out); err != nil {
				return
			}
			out = out[:0]
		}
		if a == proto.Close || a == proto.CloseAfterFlush {
			return
		}
		if d := s.Timeout(); d > 0 {
			conn.SetReadDeadline(time.Now().Add(d))
		}
		if len(in) == 0 || a == proto.Continue && !hasLine(in) {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			in = append(in, buf[:n]...)
		}
		var n int
		n, out, a = s.Feed(in, out)
		in = append(in[:0], in[n:]...)
	}
}

func hasLine(b []byte) bool { return bytes.IndexByte(b, '\n') >= 0 }

// Backend answers every command with a line naming it and its arguments
// ("eval [a b]"), and records the calls. A path whose first word is "bad"
// fails with "no such scope 'bad'".
type Backend struct {
	mu    sync.Mutex
	Calls []string
}

func (b *Backend) rec(path []string, format string, a ...any) (control.Reply, error) {
	s := fmt.Sprintf(format, a...)
	b.mu.Lock()
	b.Calls = append(b.Calls, s)
	b.mu.Unlock()
	if len(path) > 0 && path[0] == "bad" {
		return control.Reply{}, errors.New("no such scope 'bad'")
	}
	return control.Reply{Text: s, Data: map[string]string{"call": s}}, nil
}

func (b *Backend) ConfigGet(p []string) (control.Reply, error)  { return b.rec(p, "get %v", p) }
func (b *Backend) ConfigEval(p []string) (control.Reply, error) { return b.rec(p, "eval %v", p) }
func (b *Backend) ConfigSet(p []string, v control.Value) (control.Reply, error) {
	return b.rec(p, "set %v %s", p, v.ConfigText())
}
func (b *Backend) ConfigUnset(p []string) (control.Reply, error) { return b.rec(p, "unset %v", p) }
func (b *Backend) Upgrade() (control.Reply, error)               { return b.rec(nil, "upgrade") }
func (b *Backend) ConfigCommit(cs []control.Change) (control.Reply, error) {
	return b.rec(nil, "commit %v", cs)
}
func (b *Backend) ConfigShow(p []string, r bool) (control.Reply, error) {
	return b.rec(p, "show %v %v", p, r)
}
func (b *Backend) Reload(path string) (control.Reply, error) { return b.rec(nil, "reload %q", path) }
func (b *Backend) Summary() control.Reply                    { r, _ := b.rec(nil, "summary"); return r }
func (b *Backend) SummaryReset() control.Reply               { r, _ := b.rec(nil, "summary reset"); return r }
func (b *Backend) ShowInbound() control.Reply                { r, _ := b.rec(nil, "show inbound"); return r }
func (b *Backend) Count(svc string, bits int) (control.Reply, error) {
	return b.rec(nil, "count %s %d", svc, bits)
}
func (b *Backend) Listeners() control.Reply { r, _ := b.rec(nil, "listeners"); return r }
func (b *Backend) Peer(l, listen string, ip netip.Addr) (control.Reply, error) {
	return b.rec(nil, "peer %s %s %s", l, listen, ip)
}
func (b *Backend) Shutdown() (control.Reply, error) { return b.rec(nil, "shutdown") }
