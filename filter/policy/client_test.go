package policy_test

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/filter/policy"
	"sluice/filter/policy/policytest"
)

func attrs(rcpt string) []policy.Attr {
	return []policy.Attr{{"protocol_state", "RCPT"}, {"recipient", rcpt}}
}

func TestClientDecisionsAndPooling(t *testing.T) {
	srv := policytest.Start(t, func(r map[string]string) string {
		if strings.HasPrefix(r["recipient"], "bad") {
			return "REJECT no such user"
		}
		return "DUNNO"
	})
	c, err := policy.New(policy.Options{Service: srv.Service, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 5; i++ {
		o := c.Check(attrs("good@x"))
		if o.Err != nil || o.Decision.Kind != policy.Dunno || o.Action != "DUNNO" {
			t.Fatalf("good: %+v", o)
		}
	}
	o := c.Check(attrs("bad@x"))
	if o.Decision.Kind != policy.Reject || o.Decision.Text != "no such user" {
		t.Fatalf("bad: %+v", o)
	}
	reqs := srv.Requests()
	if len(reqs) != 6 || reqs[0]["request"] != "smtpd_access_policy" || reqs[5]["recipient"] != "bad@x" {
		t.Fatalf("requests: %v", reqs)
	}
	if n := c.Stats.Calls.Load(); n != 6 {
		t.Fatalf("calls %d", n)
	}
	if n := c.Stats.Decisions[policy.Reject].Load(); n != 1 {
		t.Fatalf("reject decisions %d", n)
	}
}

// TestClientReusesConnection: sequential Checks use one connection.
func TestClientReusesConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	accepted := 0
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted++
			mu.Unlock()
			go func() {
				buf := make([]byte, 4096)
				for {
					n, err := conn.Read(buf)
					if err != nil {
						return
					}
					if strings.HasSuffix(string(buf[:n]), "\n\n") {
						conn.Write([]byte("action=OK\n\n"))
					}
				}
			}()
		}
	}()
	c, _ := policy.New(policy.Options{Service: "inet:" + ln.Addr().String()})
	defer c.Close()
	for i := 0; i < 10; i++ {
		if o := c.Check(attrs("a@b")); o.Err != nil || o.Decision.Kind != policy.Permit {
			t.Fatalf("%+v", o)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if accepted != 1 {
		t.Fatalf("%d connections for 10 sequential checks, want 1", accepted)
	}
}

// TestClientFailures: a dead service, a service that hangs and one that
// closes without answering all give the default decision, counted.
func TestClientFailures(t *testing.T) {
	defer450, _ := policy.ParseAction("451 4.3.5 Server configuration problem")
	hang, _ := net.Listen("tcp", "127.0.0.1:0")
	defer hang.Close()
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	silent := policytest.Start(t, func(map[string]string) string { return "" })
	dead := policytest.Start(t, func(map[string]string) string { return "OK" })
	dead.Stop()
	garbage := policytest.Start(t, func(map[string]string) string { return "check_sender_access hash:/x" })
	for _, tc := range []struct {
		name, service string
		def           policy.Decision
	}{
		{"dead/fail-closed", dead.Service, defer450},
		{"dead/fail-open", dead.Service, policy.Decision{Kind: policy.Dunno}},
		{"hang", "inet:" + hang.Addr().String(), defer450},
		{"silent", silent.Service, defer450},
		{"unknown action", garbage.Service, defer450},
	} {
		c, _ := policy.New(policy.Options{Service: tc.service, Timeout: 200 * time.Millisecond, Default: tc.def})
		o := c.Check(attrs("a@b"))
		if o.Err == nil || o.Decision != tc.def || !strings.HasPrefix(o.Err.Error(), "policy: ") {
			t.Errorf("%s: %+v", tc.name, o)
		}
		open := int64(0)
		if tc.def.Kind == policy.Dunno {
			open = 1
		}
		if c.Stats.Errors.Load() != 1 || c.Stats.FailOpen.Load() != open {
			t.Errorf("%s: errors %d fail-open %d", tc.name, c.Stats.Errors.Load(), c.Stats.FailOpen.Load())
		}
		c.Close()
	}
}

// TestClientStaleConnection: a server that closes every connection after
// one answer leaves a dead connection in the pool; the next Check retries on
// a new one, with no error.
func TestClientStaleConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				buf := make([]byte, 4096)
				got := ""
				for !strings.HasSuffix(got, "\n\n") {
					n, err := conn.Read(buf)
					if err != nil {
						return
					}
					got += string(buf[:n])
				}
				conn.Write([]byte("action=OK\n\n"))
			}()
		}
	}()
	c, _ := policy.New(policy.Options{Service: "inet:" + ln.Addr().String(), Timeout: time.Second})
	defer c.Close()
	for i := 0; i < 3; i++ {
		time.Sleep(20 * time.Millisecond) // let the server's close arrive
		if o := c.Check(attrs("a@b")); o.Err != nil || o.Decision.Kind != policy.Permit {
			t.Fatalf("check %d: %+v", i, o)
		}
	}
	if n := c.Stats.Errors.Load(); n != 0 {
		t.Fatalf("%d errors", n)
	}
}

func TestParseService(t *testing.T) {
	for _, tc := range []struct{ in, nw, addr string }{
		{"inet:127.0.0.1:10023", "tcp", "127.0.0.1:10023"},
		{"inet:[::1]:10023", "tcp", "[::1]:10023"},
		{"unix:/run/p.sock", "unix", "/run/p.sock"},
		{"127.0.0.1:10023", "", ""},
		{"inet:nohost", "", ""},
		{"unix:", "", ""},
	} {
		nw, addr, err := policy.ParseService(tc.in)
		if nw != tc.nw || addr != tc.addr || (err != nil) != (tc.nw == "") {
			t.Errorf("%q: %q %q %v", tc.in, nw, addr, err)
		}
	}
}

// TestClientUnixSocket: "unix:/path" services work like inet ones.
func TestClientUnixSocket(t *testing.T) {
	path := t.TempDir() + "/policy.sock"
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				buf := make([]byte, 4096)
				got := ""
				for {
					n, err := conn.Read(buf)
					if err != nil {
						return
					}
					got += string(buf[:n])
					if strings.HasSuffix(got, "\n\n") {
						conn.Write([]byte("action=REJECT via unix\n\n"))
						got = ""
					}
				}
			}()
		}
	}()
	c, err := policy.New(policy.Options{Service: "unix:" + path, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if o := c.Check(attrs("a@b")); o.Err != nil || o.Decision.Kind != policy.Reject || o.Decision.Text != "via unix" {
		t.Fatalf("%+v", o)
	}
}
