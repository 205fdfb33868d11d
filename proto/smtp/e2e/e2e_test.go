// Package e2e runs the SMTP listener in the real engine with the real spool
// on both back ends, driven by Go's net/smtp.
package e2e_test

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	smtpl "sluice/proto/smtp"
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/engine"
	"sluice/engine/enginetest"
	"sluice/spool"
)

// TestEndToEnd runs the listener in the real engine with the real spool on
// each back end, and sends mail with Go's net/smtp over IPv4, IPv6 and a
// Unix socket: plain relay-domain mail, a refused relay, and AUTH PLAIN
// relaying. Every accepted message must be in the spool byte-exact after
// its Received header.
func TestEndToEnd(t *testing.T) {
	for _, backend := range []string{"epoll", "io_uring"} {
		t.Run(backend, func(t *testing.T) { endToEnd(t, backend) })
	}
}

func endToEnd(t *testing.T, backend string) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwd")
	if err := os.WriteFile(pw, []byte("user:secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := spool.Open(filepath.Join(dir, "spool"), 2, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // runs after the engine's shutdown below
	e := enginetest.Start(t, backend, engine.StoreSpool(st))
	p := config.NewPolicy("ESMTP_Listener", "", map[string]*config.Value{
		"smtp_extensions":     {Kind: config.KindArray, List: []string{"ENHANCEDSTATUSCODES", "AUTH PLAIN"}},
		"authplainparameters": {Kind: config.KindDict, Dict: map[string]string{"uri": "file://" + pw}},
		"relay_domains":       {Kind: config.KindArray, List: []string{"example.com"}},
	})
	f := smtpl.NewFactory(smtpl.FactoryOptions{Hostname: "e2e.test", Logger: log})
	peers := enginetest.Peers(p)
	sock := filepath.Join(dir, "smtp.sock")
	spec := func(key, network, addr string) engine.ListenSpec {
		return engine.ListenSpec{Socket: config.Socket{Network: network, Address: addr, NoDelay: true}, Key: key, Listener: "ESMTP_Listener", Service: "SMTP", Enabled: true, Peers: peers, Factory: f}
	}
	v6 := spec("v6", "tcp", "[::1]:0")
	v6.V6Only = true
	if err := e.Apply(&engine.Spec{Generation: 1, Listens: []engine.ListenSpec{
		spec("v4", "tcp", "127.0.0.1:0"), v6, spec("unix", "unix", sock)}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, l := range e.Listeners() {
		if l.State != "bound" {
			t.Logf("%s not bound: %s", l.Key, l.Reason)
			continue
		}
		network, host := "tcp", strings.Trim(strings.Split(l.Bound, "]:")[0], "[")
		if l.Key == "unix" {
			network, host = "unix", "localhost"
		} else if l.Key == "v4" {
			host = "127.0.0.1"
		}
		for i, rcpt := range []string{"r@example.com", "far@elsewhere.org"} {
			body := fmt.Sprintf("Subject: %s %d\r\n\r\n.dot line\r\nbody %s\r\n", l.Key, i, backend)
			auth := i == 1
			send(t, network, l.Bound, host, rcpt, body, auth)
			want[body] = true
		}
		c := dialSMTP(t, network, l.Bound, host)
		if err := c.Mail("s@x.org"); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("far@elsewhere.org"); err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "5.7.1 relaying denied") {
			t.Fatalf("%s: relay without auth: %v", l.Key, err)
		}
		c.Quit()
	}
	if len(want) < 4 {
		t.Fatalf("only %d messages sent; listeners %+v", len(want), e.Listeners())
	}
	deadline := time.Now().Add(5 * time.Second)
	for st.Len() < len(want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	err = st.Iter(func(r *spool.Record) error {
		data := string(r.Data)
		if !strings.HasPrefix(data, "Received: from client.test") {
			return fmt.Errorf("no Received header: %q", data)
		}
		_, body, _ := strings.Cut(data, "+0000\r\n")
		if !want[body] {
			return fmt.Errorf("unexpected stored message %q", data)
		}
		delete(want, body)
		return nil
	})
	if err != nil || len(want) != 0 {
		t.Fatalf("spool: %v, missing %v", err, want)
	}
}

func dialSMTP(t *testing.T, network, addr, host string) *smtp.Client {
	t.Helper()
	conn, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	return c
}

func send(t *testing.T, network, addr, host, rcpt, body string, auth bool) {
	t.Helper()
	c := dialSMTP(t, network, addr, host)
	defer c.Close()
	if auth {
		if err := c.Auth(smtp.PlainAuth("", "user", "secret", host)); err != nil {
			t.Fatalf("auth: %v", err)
		}
	}
	if err := c.Mail("s@x.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, body)
	if err := w.Close(); err != nil {
		t.Fatalf("end of data: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
}
