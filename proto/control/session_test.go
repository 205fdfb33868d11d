package control

import (
	"encoding/json"
	"strings"
	"testing"

	"sluice/proto"
	"sluice/proto/prototest"
)

// conversation is a whole pipelined console session with what it must answer.
var conversation = []struct{ in, out string }{
	{"config eval esmtp_listener listen :25 enable\n", frame("ok", `eval ["esmtp_listener" "listen" ":25" "enable"]`+"\n")},
	{"version\r\n", frame("ok", "sluice test\n")},
	{"\n", ""},
	{"  \r\n", ""},
	{"json pid\n", frame("ok", `{"pid":777}`+"\n")},
	{"json version\n", frame("ok", `{"version":"sluice test"}`+"\n")},
	{"config set esmtp_listener listen :25 enable false\n", frame("ok", `set ["esmtp_listener" "listen" ":25" "enable"] "false"`+"\n")},
	{"config set relay_hosts ( a \"b c\" )\n", frame("ok", `set ["relay_hosts"] ( "a" "b c" )`+"\n")},
	{"config get bad x\n", frame("failed", "no such scope 'bad'\n")},
	{"json config get bad x\n", frame("failed", `{"error":"no such scope 'bad'"}`+"\n")},
	{"frob\n", frame("failed", "Unknown command 'frob'; try 'help'\n")},
	{"json frob\n", frame("failed", `{"error":"Unknown command 'frob'; try 'help'"}`+"\n")},
	{"help version\n", frame("ok", "version          the daemon's version\n")},
	{"help nope\n", frame("failed", "No help for 'nope'; 'help' lists the commands\n")},
	{"json summary\n", frame("ok", `{"call":"summary"}`+"\n")},
	{"summary reset\n", frame("ok", "summary reset\n")},
	{"show inbound\n", frame("ok", "show inbound\n")},
	{"count esmtp 24\n", frame("ok", `count "esmtp" 24`+"\n")},
	{"listeners\n", frame("ok", "listeners\n")},
	{"peer esmtp_listener :25 ::ffff:192.0.2.7\n", frame("ok", `peer "esmtp_listener" ":25" 192.0.2.7`+"\n")},
	{"peer esmtp_listener :25 nope\n", frame("failed", "peer: \"nope\" is not an IP address\n")},
	{"config showrecurse\n", frame("ok", "show [] true\n")},
	{"config unset esmtp_listener listen :25\n", frame("ok", `unset ["esmtp_listener" "listen" ":25"]`+"\n")},
	{"config reload\n", frame("ok", `reload ""`+"\n")},
	{"auth login x eA==\n", frame("ok", "already authenticated\n")},
	{"shutdown\n", frame("ok", "shutdown\n")},
	{"quit\n", frame("ok", "bye\n")},
	{"summary\n", ""}, // after quit: never read
}

func joined() (in, out string) {
	var i, o strings.Builder
	for _, c := range conversation {
		i.WriteString(c.in)
		o.WriteString(c.out)
	}
	return i.String(), o.String()
}

func TestConversationWhole(t *testing.T) {
	in, want := joined()
	b := &fakeBackend{}
	res := run(newTestFactory(b), unixConn(policy(nil), 0), in)
	if string(res.Out) != want {
		t.Fatalf("output:\n got %q\nwant %q", res.Out, want)
	}
	if !res.Closed {
		t.Fatal("quit did not close")
	}
	if len(b.calls) != 15 {
		t.Fatalf("%d backend calls: %q", len(b.calls), b.calls)
	}
}

func TestConversationSplitEveryOffset(t *testing.T) {
	in, _ := joined()
	if err := prototest.SplitEvery(mk(newTestFactory(&fakeBackend{}), unixConn(policy(nil), 0)), []byte(in)); err != nil {
		t.Fatal(err)
	}
	s, h := mk(newTestFactory(&fakeBackend{}), unixConn(policy(nil), 0))()
	res, err := prototest.ByteAtATime(s, h, []byte(in))
	if _, want := joined(); err != nil || string(res.Out) != want {
		t.Fatalf("byte at a time: err=%v\n got %q\nwant %q", err, res.Out, want)
	}
}

// Every backend command suspends and is answered on Resume, one at a time.
func TestBackendRunsThroughGo(t *testing.T) {
	s := newTestFactory(&fakeBackend{}).NewSession(unixConn(policy(nil), 0), prototest.NewHost())
	n, out, a := s.Feed([]byte("summary\nversion\n"), nil)
	if a != proto.Suspend || n != len("summary\n") || len(out) != 0 {
		t.Fatalf("Feed: n=%d out=%q a=%v", n, out, a)
	}
	out, a = s.Resume(proto.Result{Text: "ok 3\nhi\n"}, nil)
	if a != proto.Continue || string(out) != "ok 3\nhi\n" {
		t.Fatalf("Resume: %q %v", out, a)
	}
	// An engine-side failure of Go is answered too.
	s.Feed([]byte("listeners\n"), nil)
	out, _ = s.Resume(proto.Result{Err: proto.ErrSpool}, nil)
	if string(out) != frame("failed", proto.ErrSpool.Error()+"\n") {
		t.Fatalf("got %q", out)
	}
}

// A backend that panics answers failed; the conversation goes on.
type panicky struct{ fakeBackend }

func (*panicky) Summary() Reply { panic("boom") }

func TestBackendPanicAnswersFailed(t *testing.T) {
	res := run(newTestFactory(&panicky{}), unixConn(policy(nil), 0), "summary\njson summary\npid\n")
	want := frame("failed", "control: internal error: boom\n") +
		frame("failed", `{"error":"control: internal error: boom"}`+"\n") + frame("ok", "777\n")
	if string(res.Out) != want {
		t.Fatalf("got %q\nwant %q", res.Out, want)
	}
}

func TestNoBackend(t *testing.T) {
	res := run(NewFactory(FactoryOptions{}), unixConn(policy(nil), 0), "summary\n")
	if !strings.HasPrefix(string(res.Out), "failed ") || !strings.Contains(string(res.Out), "no backend") {
		t.Fatalf("got %q", res.Out)
	}
}

func TestJSONBodiesAreValid(t *testing.T) {
	in := "json summary\njson config get bad\njson frob \"\x7f\"\njson help\njson pid\njson version\njson config set x \"\xff\xfe\"\njson help config\n"
	res := run(newTestFactory(&fakeBackend{}), unixConn(policy(nil), 0), in)
	rs := readAll(t, string(res.Out))
	if len(rs) != 8 {
		t.Fatalf("%d responses: %q", len(rs), res.Out)
	}
	for i, r := range rs {
		var v map[string]any
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Errorf("response %d %q: %v", i, r.Body, err)
		}
	}
}

func TestOverlongLine(t *testing.T) {
	long := "config show " + strings.Repeat("x", MaxLine) + "\n"
	in := long + "pid\n" + strings.Repeat("y", MaxLine+1) + "\r\npid\n"
	want := frame("failed", "command line too long (limit 16384 bytes)\n") + frame("ok", "777\n")
	want += want
	f := newTestFactory(&fakeBackend{})
	res := run(f, unixConn(policy(nil), 0), in)
	if string(res.Out) != want {
		t.Fatalf("got %q", res.Out)
	}
	// The limit is the same however the line arrives.
	for _, cut := range []int{1, MaxLine - 1, MaxLine, MaxLine + 1, MaxLine + 13, len(long) - 1} {
		s, h := mk(f, unixConn(policy(nil), 0))()
		res, err := prototest.Run(s, h, []byte(in[:cut]), []byte(in[cut:]))
		if err != nil || string(res.Out) != want {
			t.Fatalf("cut %d: err=%v got %q", cut, err, res.Out)
		}
	}
	// Exactly MaxLine bytes is accepted.
	line := "help " + strings.Repeat("z", MaxLine-5) + "\n"
	res = run(f, unixConn(policy(nil), 0), line)
	if !strings.Contains(string(res.Out), "No help for") {
		t.Fatalf("a MaxLine line was refused: %.80q", res.Out)
	}
}

func TestTimeoutFromPolicy(t *testing.T) {
	f := newTestFactory(nil)
	if d := f.NewSession(tcpConn(policy(nil)), prototest.NewHost()).Timeout(); d != DefaultTimeout {
		t.Fatalf("timeout %v", d)
	}
	p := policy(nil)
	v, _ := p.Value("timeout")
	v.Dur = 5e9
	if d := f.NewSession(tcpConn(p), prototest.NewHost()).Timeout(); d != 5e9 {
		t.Fatalf("timeout %v", d)
	}
	c := tcpConn(nil) // no policy at all: defaults
	if d := f.NewSession(c, prototest.NewHost()).Timeout(); d != DefaultTimeout {
		t.Fatalf("timeout %v", d)
	}
}
