package daemon

import (
	"fmt"
	"strings"
	"testing"
)

const liveConf = `
Spoolbase = "{{DIR}}/spool"
ESMTP_Listener {
  Listen "127.0.0.1:%[1]d" { }
  Listen "127.0.0.1:%[2]d" { }
}
`

// TestEnableFalseThenTrue: "config set esmtp_listener listen :P enable false"
// closes that socket at once while an open session on it carries on;
// "enable true" binds it again. The other Listen is untouched.
func TestEnableFalseThenTrue(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			p1, p2 := freePort(t), freePort(t)
			td := start(t, be, fmt.Sprintf(liveConf, p1, p2))
			open := waitDial(t, "tcp", addr(p1))
			defer open.Close()
			readLine(t, open) // banner
			// Any spelling of the address names the same stanza.
			if _, err := td.Set([]string{"esmtp_listener", "listen", addr(p1), "enable"}, "false"); err != nil {
				t.Fatal(err)
			}
			if !refused("tcp", addr(p1)) {
				t.Fatal("a connect after enable false was accepted")
			}
			if refused("tcp", addr(p2)) {
				t.Fatal("the other Listen stopped accepting")
			}
			fmt.Fprintf(open, "NOOP\r\n")
			if l := readLine(t, open); !strings.HasPrefix(l, "250") {
				t.Fatalf("the open session died with its socket: %q", l)
			}
			if _, err := td.Set([]string{"esmtp_listener", "listen", addr(p1), "enable"}, "true"); err != nil {
				t.Fatal(err)
			}
			c := waitDial(t, "tcp", addr(p1))
			c.Close()
		})
	}
}

// TestReloadSwapsWildcardAndSpecificInOneStep: Momentum needs two reloads;
// sluice one, in both directions.
func TestReloadSwapsWildcardAndSpecificInOneStep(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			p := freePort(t)
			specific := fmt.Sprintf("Spoolbase = \"{{DIR}}/spool\"\nESMTP_Listener { Listen \"127.0.0.1:%d\" { } }\n", p)
			wildcard := fmt.Sprintf("Spoolbase = \"{{DIR}}/spool\"\nESMTP_Listener { Listen \"*:%d\" { } }\n", p)
			td := start(t, be, specific)
			waitDial(t, "tcp", addr(p)).Close()
			for i, conf := range []string{wildcard, specific, wildcard} {
				td.rewrite(t, conf)
				if _, err := td.Reload(""); err != nil {
					t.Fatalf("reload %d: %v", i, err)
				}
				for _, l := range td.Engine().Listeners() {
					if l.State != "bound" {
						t.Fatalf("reload %d: %s is %s (%s) after ONE reload", i, l.Key, l.State, l.Reason)
					}
				}
				waitDial(t, "tcp", addr(p)).Close()
			}
		})
	}
}

// TestInvalidReloadKeepsServing: a broken file answers FILE:LINE:COL errors
// and the old generation keeps serving untouched.
func TestInvalidReloadKeepsServing(t *testing.T) {
	p := freePort(t)
	td := start(t, "epoll", fmt.Sprintf(liveConf, p, freePort(t)))
	gen := td.Config().Generation
	td.rewrite(t, "ESMTP_Listener {\n  Listen_Backlg = 5\n  Listen \"127.0.0.1:1\" { }\n}\n")
	_, err := td.Reload("")
	if err == nil || !strings.Contains(err.Error(), "sluice.conf:2:3") {
		t.Fatalf("want a FILE:LINE:COL error, got %v", err)
	}
	if !strings.Contains(err.Error(), "Listen_Backlog") {
		t.Fatalf("want a did-you-mean hint, got %v", err)
	}
	if td.Config().Generation != gen {
		t.Fatal("an invalid reload replaced the generation")
	}
	waitDial(t, "tcp", addr(p)).Close()
}

// TestGetAgainstEval: get shows the exact scope only, eval the effective
// value through Peer fallback and defaults.
func TestGetAgainstEval(t *testing.T) {
	p := freePort(t)
	conf := fmt.Sprintf(`Spoolbase = "{{DIR}}/spool"
ESMTP_Listener {
  Max_Recipients_Per_Message = 50
  Peer "10.0.0.0/16" { Open_Relay = true }
  Listen ":%d" {
    Peer "10.0.0.1" { SMTP_Extensions = ( "ENHANCEDSTATUSCODES" ) }
  }
}
`, p)
	td := start(t, "epoll", conf)
	c := td.Config()
	listen := []string{"esmtp_listener", "listen", fmt.Sprintf("*:%d", p)}
	path := func(extra ...string) []string { return append(append([]string(nil), listen...), extra...) }
	// Set option: get and eval agree.
	if v, err := c.Get([]string{"esmtp_listener", "max_recipients_per_message"}); err != nil || v.Raw != "50" {
		t.Fatalf("get set option: %v %v", v, err)
	}
	// Unset here: get says not set, eval falls back to the listener.
	if _, err := c.Get(path("max_recipients_per_message")); err == nil ||
		!strings.Contains(err.Error(), "is not set in scope") {
		t.Fatalf("get on an unset option: %v", err)
	}
	if v, err := c.Eval(path("max_recipients_per_message")); err != nil || v.Raw != "50" {
		t.Fatalf("eval falls back to the listener: %v %v", v, err)
	}
	// Inherited from the listener-level Peer 10.0.0.0/16 by Peer 10.0.0.1.
	if v, err := c.Eval(path("peer", "10.0.0.1", "open_relay")); err != nil || !v.Bool {
		t.Fatalf("eval through the less specific Peer: %v %v", v, err)
	}
	if _, err := c.Get(path("peer", "10.0.0.1", "open_relay")); err == nil {
		t.Fatal("get must not see an inherited value")
	}
}

// TestDynamicPeerOptionAppliesToNextConnection: a console set of a Peer's
// SMTP_Extensions changes what the next connection from that Peer sees,
// while the socket stays bound.
func TestDynamicPeerOptionAppliesToNextConnection(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			td := start(t, be, fmt.Sprintf(smtpConf, port))
			if before := ehloFrom(t, "127.0.0.2", addr(port)); strings.Contains(before, "CHUNKING") {
				t.Fatalf("CHUNKING advertised before it was set:\n%s", before)
			}
			path := []string{"esmtp_listener", "listen", addr(port), "peer", "127.0.0.2", "smtp_extensions"}
			if _, err := td.Set(path, `( "ENHANCEDSTATUSCODES" "CHUNKING" )`); err != nil {
				t.Fatal(err)
			}
			after := ehloFrom(t, "127.0.0.2", addr(port))
			if !strings.Contains(after, "CHUNKING") {
				t.Fatalf("the next connection did not get the new set:\n%s", after)
			}
			if other := ehloFrom(t, "127.0.0.1", addr(port)); strings.Contains(other, "CHUNKING") {
				t.Fatalf("another Peer's connection changed too:\n%s", other)
			}
		})
	}
}
