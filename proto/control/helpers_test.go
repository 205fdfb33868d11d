package control

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/prototest"
)

// fakeBackend answers every call with a line naming the call and its
// arguments, and records it. A path starting with "bad" fails.
type fakeBackend struct {
	mu    sync.Mutex
	calls []string
}

func (b *fakeBackend) rec(format string, a ...any) (Reply, error) {
	s := fmt.Sprintf(format, a...)
	b.mu.Lock()
	b.calls = append(b.calls, s)
	b.mu.Unlock()
	if strings.Contains(s, `["bad"`) {
		return Reply{}, errors.New("no such scope 'bad'")
	}
	return Reply{Text: s, Data: map[string]string{"call": s}}, nil
}

func (b *fakeBackend) last() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.calls) == 0 {
		return ""
	}
	return b.calls[len(b.calls)-1]
}

func (b *fakeBackend) ConfigGet(p []string) (Reply, error)  { return b.rec("get %q", p) }
func (b *fakeBackend) ConfigEval(p []string) (Reply, error) { return b.rec("eval %q", p) }
func (b *fakeBackend) ConfigSet(p []string, v Value) (Reply, error) {
	return b.rec("set %q %s", p, v.ConfigText())
}
func (b *fakeBackend) ConfigUnset(p []string) (Reply, error) { return b.rec("unset %q", p) }
func (b *fakeBackend) Upgrade() (Reply, error)               { return b.rec("upgrade") }
func (b *fakeBackend) ConfigCommit(cs []Change) (Reply, error) {
	return b.rec("commit %v", cs)
}
func (b *fakeBackend) ConfigShow(p []string, r bool) (Reply, error) {
	return b.rec("show %q %v", p, r)
}
func (b *fakeBackend) Reload(path string) (Reply, error) { return b.rec("reload %q", path) }
func (b *fakeBackend) Summary() Reply                    { r, _ := b.rec("summary"); return r }
func (b *fakeBackend) SummaryReset() Reply               { r, _ := b.rec("summary reset"); return r }
func (b *fakeBackend) ShowInbound() Reply                { r, _ := b.rec("show inbound"); return r }
func (b *fakeBackend) Count(svc string, bits int) (Reply, error) {
	return b.rec("count %q %d", svc, bits)
}
func (b *fakeBackend) Listeners() Reply { r, _ := b.rec("listeners"); return r }
func (b *fakeBackend) Peer(l, listen string, ip netip.Addr) (Reply, error) {
	return b.rec("peer %q %q %s", l, listen, ip)
}
func (b *fakeBackend) Shutdown() (Reply, error) { return b.rec("shutdown") }

// policy builds a Control_Listener policy with the defaults sessions read,
// overridden by extra.
func policy(extra map[string]*config.Value) *config.Policy {
	vals := map[string]*config.Value{
		"always_allow":          {Kind: config.KindBool},
		"always_deny":           {Kind: config.KindBool},
		"enable_authentication": {Kind: config.KindBool},
		"timeout":               {Kind: config.KindSeconds, Dur: 60 * time.Second},
	}
	for k, v := range extra {
		vals[k] = v
	}
	return config.NewPolicy("Control_Listener", "127.0.0.1:2025", vals)
}

func boolV(b bool) *config.Value { return &config.Value{Kind: config.KindBool, Bool: b} }

// tcpConn is a TCP console connection from 127.0.0.1.
func tcpConn(p *config.Policy) *proto.ConnInfo {
	return prototest.Conn("Control_Listener", "127.0.0.1:2025", "127.0.0.1:40000", p)
}

// unixConn is a Unix-socket console connection from uid.
func unixConn(p *config.Policy, uid int) *proto.ConnInfo {
	c := prototest.Conn("Control_Listener", "/run/sluice/control.sock", "127.0.0.1:0", p)
	c.Unix, c.PeerUID = true, uid
	return c
}

const testUID = 4242 // the fake daemon's uid

func newTestFactory(b Backend) *Factory {
	return NewFactory(FactoryOptions{Backend: b, DaemonUID: testUID, Version: "sluice test", PID: 777})
}

// mk returns a session maker for prototest.SplitEvery.
func mk(f *Factory, c *proto.ConnInfo) func() (proto.Session, *prototest.Host) {
	return func() (proto.Session, *prototest.Host) {
		h := prototest.NewHost()
		return f.NewSession(c, h), h
	}
}

// run drives a whole conversation in one read.
func run(f *Factory, c *proto.ConnInfo, in string) prototest.Result {
	s, h := mk(f, c)()
	res, err := prototest.Run(s, h, []byte(in))
	if err != nil {
		panic(err)
	}
	return res
}

// frame builds one expected response.
func frame(st, body string) string { return fmt.Sprintf("%s %d\n%s", st, len(body), body) }

// readAll splits a response stream with the client's reader.
func readAll(t testing.TB, s string) []Response {
	t.Helper()
	r := bufio.NewReader(strings.NewReader(s))
	var out []Response
	for r.Buffered() > 0 || len(out) == 0 {
		if _, err := r.Peek(1); err != nil {
			break
		}
		st, body, err := ReadResponse(r)
		if err != nil {
			t.Fatalf("response %d: %v in %q", len(out), err, s)
		}
		out = append(out, Response{st, body})
	}
	return out
}
