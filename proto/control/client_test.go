package control

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/proto"
)

// pipeHost is a tiny engine for one connection: it reads the conn, feeds
// the session, runs Go functions on their own goroutines and resumes the
// session with their results, as the real engine does.
type pipeHost struct {
	results chan proto.Result
}

func (h *pipeHost) Submit(*proto.Message) { panic("control never submits") }
func (h *pipeHost) Generation() uint64    { return 1 }
func (h *pipeHost) ShuttingDown() bool    { return false }
func (h *pipeHost) Now() time.Time        { return time.Now() }
func (h *pipeHost) Go(fn func() (string, error)) {
	go func() {
		text, err := fn()
		h.results <- proto.Result{Text: text, Err: err}
	}()
}

// servePipe runs s over conn until the session closes or the peer goes.
func servePipe(conn net.Conn, f *Factory, c *proto.ConnInfo) {
	defer conn.Close()
	h := &pipeHost{results: make(chan proto.Result, 1)}
	s := f.NewSession(c, h)
	out, a := s.Start(nil)
	var in []byte
	buf := make([]byte, 700) // small reads: lines arrive cut
	for {
		for a == proto.Suspend {
			if _, err := conn.Write(out); err != nil {
				return
			}
			out, a = s.Resume(<-h.results, out[:0])
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
		if len(in) > 0 {
			var n int
			n, out, a = s.Feed(in, out)
			in = append(in[:0], in[n:]...)
			if n > 0 || a != proto.Continue {
				continue
			}
		}
		n, err := conn.Read(buf)
		if err != nil {
			s.Closed(proto.CloseClient)
			return
		}
		in = append(in, buf[:n]...)
		n, out, a = s.Feed(in, out)
		in = append(in[:0], in[n:]...)
	}
}

func pipeClient(f *Factory, c *proto.ConnInfo) *Client {
	a, b := net.Pipe()
	go servePipe(b, f, c)
	return NewClient(a)
}

func TestClientSessionOverPipe(t *testing.T) {
	b := &fakeBackend{}
	cl := pipeClient(newTestFactory(b), unixConn(policy(nil), 0))
	defer cl.Close()
	st, body, err := cl.Do("config eval esmtp_listener listen :25 enable")
	if err != nil || st != StatusOK || string(body) != `eval ["esmtp_listener" "listen" ":25" "enable"]`+"\n" {
		t.Fatalf("Do: %v %v %q", st, err, body)
	}
	cmds := []string{"pid", "frob", "json summary", "config get bad", JoinArgs([]string{"config", "set", "banner", "hello \"world\""}), "help quit"}
	rs, err := cl.Pipeline(cmds...)
	if err != nil {
		t.Fatal(err)
	}
	want := []Response{
		{StatusOK, []byte("777\n")},
		{StatusFailed, []byte("Unknown command 'frob'; try 'help'\n")},
		{StatusOK, []byte(`{"call":"summary"}` + "\n")},
		{StatusFailed, []byte("no such scope 'bad'\n")},
		{StatusOK, []byte(`set ["banner"] "hello \"world\""` + "\n")},
		{StatusOK, []byte("quit             close this console connection (also: exit)\n")},
	}
	for i := range want {
		if rs[i].Status != want[i].Status || string(rs[i].Body) != string(want[i].Body) {
			t.Errorf("%s: got %v %q, want %v %q", cmds[i], rs[i].Status, rs[i].Body, want[i].Status, want[i].Body)
		}
	}
	if _, err := cl.Pipeline("a\nb"); err == nil {
		t.Fatal("a command with LF was sent")
	}
	if _, err := cl.Pipeline(" "); err == nil {
		t.Fatal("a blank command was sent")
	}
	if st, _, err := cl.Do("quit"); err != nil || st != StatusOK {
		t.Fatalf("quit: %v %v", st, err)
	}
	if _, _, err := cl.Do("pid"); !errors.Is(err, io.EOF) && err == nil {
		t.Fatalf("after quit: %v", err)
	}
}

func TestClientLoginOverPipe(t *testing.T) {
	dir := t.TempDir()
	path := writePasswd(t, dir, "admin:pa ss\n")
	f := newTestFactory(&fakeBackend{})
	cl := pipeClient(f, tcpConn(loginPolicy("file://"+path, nil)))
	defer cl.Close()
	if st, _, _ := cl.Do("summary"); st != StatusNotAuthenticated {
		t.Fatalf("before login: %v", st)
	}
	if err := cl.Login("admin", "wrong"); err == nil || !strings.Contains(err.Error(), "not-authenticated") {
		t.Fatalf("wrong password: %v", err)
	}
	if err := cl.Login("admin", "pa ss"); err != nil {
		t.Fatal(err)
	}
	if st, body, err := cl.Do("summary"); st != StatusOK || err != nil {
		t.Fatalf("after login: %v %q %v", st, body, err)
	}
	if err := cl.Login("bad user", "x"); err == nil {
		t.Fatal("a user name with a space was sent")
	}
}

// Many clients at once, each pipelining, share one Factory and Backend.
func TestManyClientsConcurrently(t *testing.T) {
	b := &fakeBackend{}
	f := newTestFactory(b)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := pipeClient(f, unixConn(policy(nil), 0))
			defer cl.Close()
			var cmds []string
			for j := range 20 {
				cmds = append(cmds, fmt.Sprintf("count svc%d %d", i, j), "pid")
			}
			rs, err := cl.Pipeline(cmds...)
			if err != nil {
				errs <- err
				return
			}
			for j := range 20 {
				want := fmt.Sprintf("count \"svc%d\" %d\n", i, j)
				if string(rs[2*j].Body) != want || string(rs[2*j+1].Body) != "777\n" {
					errs <- fmt.Errorf("client %d answer %d: %q %q", i, j, rs[2*j].Body, rs[2*j+1].Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(b.calls) != 50*20 {
		t.Fatalf("%d backend calls", len(b.calls))
	}
}

func TestReadResponseErrors(t *testing.T) {
	for _, in := range []string{"ok\n", "ok x\n", "yes 1\nx", "ok -1\n", "ok 5\nabc", "ok 999999999999\n", "ok 3"} {
		_, _, err := ReadResponse(bufio.NewReader(strings.NewReader(in)))
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("%q: %v", in, err)
		}
	}
	if _, _, err := ReadResponse(bufio.NewReader(strings.NewReader(""))); !errors.Is(err, io.EOF) {
		t.Errorf("empty: %v", err)
	}
}

func TestNetwork(t *testing.T) {
	for addr, want := range map[string]string{"/run/s.sock": "unix", "var/control.sock": "unix", "ctl": "unix",
		"127.0.0.1:2025": "tcp", "[::1]:2025": "tcp", "localhost:2025": "tcp"} {
		if got := Network(addr); got != want {
			t.Errorf("%s: %s", addr, got)
		}
	}
}
