package smtp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"sluice/proto"
	"sluice/proto/prototest"
)

const tx1 = "MAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nDATA\r\nhi\r\n.\r\n"

func TestSpoolFailureAnswers451(t *testing.T) {
	s, h := mk(testFactory(), policy(enh...), tRemote)()
	h.Fail = errors.New("disk full")
	res, err := prototest.Run(s, h, []byte(tx1+tx1))
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.Out)
	if strings.Count(out, "451 4.3.0 transaction failed\r\n") != 2 || strings.Contains(out, "250 2.0.0 OK ") {
		t.Fatalf("got %q", out)
	}
}

func TestNoAnswerBeforeResume(t *testing.T) {
	s, h := mk(testFactory(), policy(), tRemote)()
	s.Start(nil)
	in := []byte(tx1 + "NOOP\r\n")
	n, out, a := s.Feed(in, nil)
	if a != proto.Suspend || n != len(tx1) || strings.Contains(string(out), "250 OK ") || len(h.Submitted) != 1 {
		t.Fatalf("n=%d a=%v out=%q", n, a, out)
	}
	if k, _, a := s.Feed(in[n:], nil); k != 0 || a != proto.Continue {
		t.Fatalf("fed while suspended: %d %v", k, a)
	}
	out, a = s.Resume(proto.Result{ID: "ID1"}, nil)
	if string(out) != "250 OK ID1\r\n" || a != proto.Continue {
		t.Fatalf("resume %q %v", out, a)
	}
	if _, out, _ = s.Feed(in[n:], nil); string(out) != "250 OK\r\n" {
		t.Fatalf("after resume %q", out)
	}
}

func TestReloadAndShutdown(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		gen            uint64
		drain          bool
	}{
		{"reload at MAIL", "NOOP\r\n" + tx1, "250 OK\r\n421 4.3.2 Reconfiguration in progress\r\n", 2, false},
		{"reload at RSET", "RSET\r\nNOOP\r\n", "421 4.3.2 Reconfiguration in progress\r\n", 2, false},
		{"shutdown", "NOOP\r\nNOOP\r\n", "421 Service shutting down, closing connection\r\n", 1, true},
		{"shutdown quit", "QUIT\r\n", "221 mx.test closing connection\r\n", 1, true},
	} {
		s, h := mk(testFactory(), policy(), tRemote)()
		h.Gen, h.Draining = c.gen, c.drain
		res, err := prototest.Run(s, h, []byte(c.in))
		got := string(res.Out[strings.Index(string(res.Out), "\r\n")+2:])
		if err != nil || got != c.want || !res.Closed || len(h.Submitted) != 0 {
			t.Fatalf("%s: %v %q closed=%v", c.name, err, got, res.Closed)
		}
	}
	s, h := mk(testFactory(), policy("reconfig_message", "4.3.2 come back later"), tRemote)()
	h.Gen = 7
	res, _ := prototest.Run(s, h, []byte("RSET\r\n"))
	if !strings.HasSuffix(string(res.Out), "421 4.3.2 come back later\r\n") {
		t.Fatalf("reconfig message %q", res.Out)
	}
}

func TestReceptionsPerConnection(t *testing.T) {
	got, h, res := run(t, policy("max_receptions_per_connection", 2), tx1+tx1+tx1)
	if len(h.Submitted) != 2 || !res.Closed ||
		!strings.HasSuffix(got, "421 Service unavailable, receptions per connection limit reached\r\n") {
		t.Fatalf("%d submitted, %q", len(h.Submitted), got)
	}
}

func TestTimeoutIsIdleTime(t *testing.T) {
	s, _ := mk(testFactory(), policy("idle_time", 42*time.Second), tRemote)()
	if s.Timeout() != 42*time.Second {
		t.Fatalf("timeout %v", s.Timeout())
	}
}

func TestUnixSocketTraceAndRelay(t *testing.T) {
	f := testFactory()
	p := policy("relay_hosts", []string{"127.0.0.1"})
	c := prototest.Conn("ESMTP_Listener", "/run/smtp.sock", "127.0.0.1:0", p)
	c.Unix, c.Remote = true, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 0)
	h := prototest.NewHost()
	res, err := prototest.Run(f.NewSession(c, h), h, []byte("HELO local\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@far.org>\r\nDATA\r\nz\r\n.\r\n"))
	if err != nil || len(h.Submitted) != 1 {
		t.Fatalf("%v %q", err, res.Out)
	}
	want := "Received: from local (unix socket)\r\n\tby mx.test (sluice) with SMTP;\r\n\tMon, 23 Nov 2026 12:00:00 +0000\r\nz\r\n"
	if string(h.Submitted[0].Data) != want {
		t.Fatalf("got %q", h.Submitted[0].Data)
	}
}

// TestRelayHostsNotAskedForAuth: AUTH is advertised to strangers only.
func TestRelayHostsNotAskedForAuth(t *testing.T) {
	pw := passwd(t, "u:p\n")
	base := []any{"smtp_extensions", []string{"AUTH PLAIN"}, "authplainparameters", map[string]string{"uri": "file://" + pw}}
	stranger, _, _ := run(t, policy(base...), "EHLO c\r\n")
	trusted, _, _ := run(t, policy(append(base, "relay_hosts", []string{"192.0.2.0/24"})...), "EHLO c\r\n")
	if !strings.Contains(stranger, "250 AUTH PLAIN\r\n") || strings.Contains(trusted, "AUTH") {
		t.Fatalf("stranger %q\ntrusted %q", stranger, trusted)
	}
	missing, _, _ := run(t, policy("smtp_extensions", []string{"AUTH PLAIN"}, "authplainparameters",
		map[string]string{"uri": "file:///nonexistent/passwd"}), "EHLO c\r\nAUTH PLAIN\r\n")
	if strings.Contains(missing, "AUTH") || !strings.HasSuffix(missing, "500 unrecognized command\r\n") {
		t.Fatalf("unreadable password file: %q", missing)
	}
}

func TestTLSVerifiedPeerCanRelay(t *testing.T) {
	for _, allowed := range []bool{false, true} {
		p := policy("smtp_extensions", []string{"STARTTLS"}, "tls_certificate", "/c", "tls_key", "/k", "tls_verified_peer_can_relay", allowed)
		s, h := mk(testFactory(), p, tRemote)()
		d := prototest.NewDriver(s, h)
		_ = d.Feed([]byte("EHLO c\r\nSTARTTLS\r\n"))
		s.(*session).TLSStarted(&tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{}}})
		_ = d.Feed([]byte("EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@far.org>\r\n"))
		out := string(d.Finish().Out)
		if strings.HasSuffix(out, "250 RCPT TO accepted\r\n") != allowed {
			t.Fatalf("allowed=%v: %q", allowed, out)
		}
	}
}
