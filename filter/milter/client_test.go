package milter_test

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	gm "github.com/d--j/go-milter"

	"sluice/filter/milter"
	"sluice/filter/milter/miltertest"
)

const trace = "Received: from c.test ([192.0.2.7]:40000)\r\n\tby mx.test (sluice) with ESMTP;\r\n\tMon, 23 Nov 2026 12:00:00 +0000\r\n"
const msg = trace + "From: a@example.org\r\nSubject: hello\r\nX-Spam: old\r\n\r\nline 1\r\nline 2\r\n"

func env() *milter.Envelope {
	return &milter.Envelope{Client: netip.MustParseAddrPort("192.0.2.7:40000"), Local: netip.MustParseAddrPort("127.0.0.1:25"),
		Helo: "c.test", Sender: "a@example.org", Recipients: []string{"r1@example.com", "r2@example.com"}, QueueID: "Q1"}
}

func client(t *testing.T, svc, def string) *milter.Client {
	c, err := milter.New(milter.Options{Service: svc, Default: def, Timeout: time.Second, ConnectTimeout: time.Second, Hostname: "mx.test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRunSeesEverything: the milter gets the envelope, the headers without
// sluice's trace header, the body and the macros; accept leaves the message.
func TestRunSeesEverything(t *testing.T) {
	srv := miltertest.Start(t, miltertest.Behaviour{})
	c := client(t, srv.Service, "")
	v := c.Run(env(), []byte(msg), len(trace))
	if v.Err != nil || v.Kind != milter.Continue || v.Changed || string(v.Data) != msg {
		t.Fatalf("%+v", v)
	}
	s := srv.Seen()[0]
	if s.Helo != "c.test" || s.From != "a@example.org" || strings.Join(s.Rcpts, ",") != "r1@example.com,r2@example.com" {
		t.Errorf("envelope %+v", s)
	}
	if len(s.Headers) != 3 || s.Headers[0] != [2]string{"From", "a@example.org"} {
		t.Errorf("headers %q", s.Headers)
	}
	if string(s.Body) != "line 1\r\nline 2\r\n" {
		t.Errorf("body %q", s.Body)
	}
	if s.Macros["j"] != "mx.test" || s.Macros["{client_addr}"] != "192.0.2.7" {
		t.Errorf("macros %v", s.Macros)
	}
	if c.Stats.Calls.Load() != 1 || c.Stats.Decisions[milter.Continue].Load() != 1 {
		t.Errorf("stats")
	}
}

func TestRunModifications(t *testing.T) {
	srv := miltertest.Start(t, miltertest.Behaviour{EOM: func(_ *miltertest.Seen, m gm.Modifier) (*gm.Response, error) {
		m.InsertHeader(0, "DKIM-Signature", "v=1; a=rsa-sha256;\n\tb=abc")
		m.ChangeHeader(1, "X-Spam", "yes")
		m.AddHeader("X-Added", "1")
		m.ChangeFrom("<new@example.org>", "")
		m.AddRecipient("<r3@example.com>", "")
		m.DeleteRecipient("<r1@example.com>")
		return gm.RespAccept, nil
	}})
	v := client(t, srv.Service, "").Run(env(), []byte(msg), len(trace))
	want := trace + "DKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\nFrom: a@example.org\r\nSubject: hello\r\nX-Spam: yes\r\nX-Added: 1\r\n\r\nline 1\r\nline 2\r\n"
	if v.Err != nil || v.Kind != milter.Continue || !v.Changed || string(v.Data) != want {
		t.Fatalf("%+v\n%q", v, v.Data)
	}
	if v.Sender != "new@example.org" || strings.Join(v.Recipients, ",") != "r2@example.com,r3@example.com" {
		t.Fatalf("envelope %q %q", v.Sender, v.Recipients)
	}
	e := env()
	if e.Recipients[0] != "r1@example.com" {
		t.Fatal("input envelope modified")
	}
}

func TestRunBodyAndQuarantine(t *testing.T) {
	srv := miltertest.Start(t, miltertest.Behaviour{EOM: func(_ *miltertest.Seen, m gm.Modifier) (*gm.Response, error) {
		m.ReplaceBody(strings.NewReader("new body\r\n"))
		m.Quarantine("suspicious")
		return gm.RespContinue, nil
	}})
	v := client(t, srv.Service, "").Run(env(), []byte(msg), len(trace))
	if v.Quarantine != "suspicious" || !strings.HasSuffix(string(v.Data), "\r\n\r\nnew body\r\n") {
		t.Fatalf("%+v %q", v, v.Data)
	}
}

func TestRunVerdicts(t *testing.T) {
	code, _ := gm.RejectWithCodeAndReason(554, "5.7.1 Gtube pattern")
	for _, tc := range []struct {
		at    string
		resp  *gm.Response
		kind  milter.Kind
		reply string
	}{
		{"eom", code, milter.Reject, "554 5.7.1 Gtube pattern"},
		{"eom", gm.RespTempFail, milter.Tempfail, "451 4.7.1 Service unavailable - try again later"},
		{"eom", gm.RespDiscard, milter.Discard, ""},
		{"connect", gm.RespReject, milter.Reject, "550 5.7.1 Command rejected"},
		{"rcpt", gm.RespTempFail, milter.Tempfail, "451 4.7.1 Service unavailable - try again later"},
		{"header", gm.RespDiscard, milter.Discard, ""},
		{"body", gm.RespAccept, milter.Continue, ""},
	} {
		b := miltertest.Behaviour{RefuseAt: tc.at, Refuse: tc.resp}
		if tc.at == "eom" {
			b = miltertest.Behaviour{EOM: func(*miltertest.Seen, gm.Modifier) (*gm.Response, error) { return tc.resp, nil }}
		}
		srv := miltertest.Start(t, b)
		v := client(t, srv.Service, "").Run(env(), []byte(msg), len(trace))
		if v.Err != nil || v.Kind != tc.kind || v.Reply != tc.reply || v.Changed {
			t.Errorf("%s %v: %+v", tc.at, tc.resp, v)
		}
	}
}

// TestRunFailure: a dead milter gets the default action.
func TestRunFailure(t *testing.T) {
	srv := miltertest.Start(t, miltertest.Behaviour{})
	srv.Stop()
	for _, tc := range []struct {
		def  string
		kind milter.Kind
	}{{"", milter.Tempfail}, {"reject", milter.Reject}, {"accept", milter.Continue}} {
		c := client(t, srv.Service, tc.def)
		v := c.Run(env(), []byte(msg), len(trace))
		if v.Err == nil || v.Kind != tc.kind || string(v.Data) != msg || !strings.HasPrefix(v.Err.Error(), "milter: ") {
			t.Errorf("default %q: %+v", tc.def, v)
		}
		open := int64(0)
		if tc.kind == milter.Continue {
			open = 1
		}
		if c.Stats.Errors.Load() != 1 || c.Stats.FailOpen.Load() != open {
			t.Errorf("default %q: stats", tc.def)
		}
	}
}

func TestParseService(t *testing.T) {
	for _, tc := range []struct{ in, nw, addr string }{
		{"inet:127.0.0.1:11332", "tcp", "127.0.0.1:11332"},
		{"inet:8891@localhost", "tcp", "localhost:8891"},
		{"unix:/run/opendkim.sock", "unix", "/run/opendkim.sock"},
		{"local:/run/x", "unix", "/run/x"},
		{"127.0.0.1:1", "", ""},
	} {
		nw, addr, err := milter.ParseService(tc.in)
		if nw != tc.nw || addr != tc.addr || (err != nil) != (tc.nw == "") {
			t.Errorf("%q: %q %q %v", tc.in, nw, addr, err)
		}
	}
	if _, err := milter.New(milter.Options{Service: "inet:1.2.3.4:5", Default: "maybe"}); err == nil {
		t.Error("bad default accepted")
	}
}

// TestRunUnixSocket: a milter on a Unix socket ("unix:/path").
func TestRunUnixSocket(t *testing.T) {
	path := t.TempDir() + "/milter.sock"
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := gm.NewServer(gm.WithMilter(func() gm.Milter { return gm.NoOpMilter{} }))
	go srv.Serve(ln)
	defer srv.Close()
	defer ln.Close()
	v := client(t, "unix:"+path, "").Run(env(), []byte(msg), len(trace))
	if v.Err != nil || v.Kind != milter.Continue {
		t.Fatalf("%+v", v)
	}
}

// TestRunEditsBounded: a milter whose edits exceed MaxEdits is a failed
// milter (default action), so the stored message stays bounded.
func TestRunEditsBounded(t *testing.T) {
	srv := miltertest.Start(t, miltertest.Behaviour{EOM: func(_ *miltertest.Seen, m gm.Modifier) (*gm.Response, error) {
		m.ReplaceBody(strings.NewReader(strings.Repeat("x", 5000)))
		return gm.RespAccept, nil
	}})
	c, err := milter.New(milter.Options{Service: srv.Service, MaxEdits: 4096, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	v := c.Run(env(), []byte(msg), len(trace))
	if v.Err == nil || v.Kind != milter.Tempfail || !strings.Contains(v.Err.Error(), "edits larger than 4096") {
		t.Fatalf("%+v", v)
	}
}
