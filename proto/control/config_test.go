package control

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"sluice/config"
	"sluice/proto/prototest"
)

const realConf = `
Control_Listener {
  Timeout = 30
  Listen "%DIR%/open.sock" {
    Peer "127.0.0.1/32" { Always_Allow = true }
  }
  Listen "%DIR%/strict.sock" { }
  Listen "127.0.0.1:2025" {
    Enable_Authentication = true
    AuthLoginParameters = [ uri = "file://%DIR%/console.passwd" ]
    Peer "10.1.0.0/16" { Always_Allow = true }
    Peer "10.9.0.0/16" { Always_Allow = true  Always_Deny = true }
  }
}
`

// policyFor resolves the policy a connection from remote to listen gets.
func policyFor(t *testing.T, c *config.Config, listen, remote string) *config.Policy {
	t.Helper()
	l := c.FindListen("Control_Listener", listen)
	if l == nil {
		t.Fatalf("no Listen %s", listen)
	}
	a := netip.MustParseAddr(remote)
	return c.Resolve(l, config.PeerChain(l, netip.PrefixFrom(a, a.BitLen())))
}

func TestRealConfigPolicies(t *testing.T) {
	dir := t.TempDir()
	writePasswd(t, dir, "admin:pw\n")
	c, err := config.Parse(filepath.Join(dir, "sluice.conf"), []byte(strings.ReplaceAll(realConf, "%DIR%", dir)))
	if err != nil {
		t.Fatal(err)
	}
	f := newTestFactory(&fakeBackend{})
	tests := []struct {
		name, listen, remote string
		uid                  int
		in, wantPrefix       string
	}{
		{"unix Peer Always_Allow", dir + "/open.sock", "127.0.0.1", 1000, "pid\n", "ok "},
		{"unix without Peer", dir + "/strict.sock", "127.0.0.1", 1000, "pid\n", "not-authorized "},
		{"unix daemon uid", dir + "/strict.sock", "127.0.0.1", testUID, "pid\n", "ok "},
		{"tcp needs login", "127.0.0.1:2025", "192.0.2.1", -1, "pid\n", "not-authenticated "},
		{"tcp login", "127.0.0.1:2025", "192.0.2.1", -1, login("admin", "pw") + "pid\n", "ok 23\nAuthenticated as admin\nok 4\n777\n"},
		{"tcp Peer Always_Allow", "127.0.0.1:2025", "10.1.2.3", -1, "pid\n", "ok "},
		{"tcp Peer Always_Deny beats Always_Allow", "127.0.0.1:2025", "10.9.2.3", -1, login("admin", "pw"), "not-authorized "},
	}
	for _, tt := range tests {
		p := policyFor(t, c, tt.listen, tt.remote)
		ci := prototest.Conn("Control_Listener", tt.listen, tt.remote+":5000", p)
		if tt.uid != -1 {
			ci.Unix, ci.PeerUID = true, tt.uid
		}
		s, h := mk(f, ci)()
		if s.Timeout() != 30e9 {
			t.Errorf("%s: timeout %v, want 30s from the config", tt.name, s.Timeout())
		}
		res, err := prototest.Run(s, h, []byte(tt.in))
		if err != nil || !strings.HasPrefix(string(res.Out), tt.wantPrefix) {
			t.Errorf("%s: err=%v got %q, want prefix %q", tt.name, err, res.Out, tt.wantPrefix)
		}
	}
}

// Value.ConfigText is accepted by config.Set for every value shape.
func TestValueConfigTextAcceptedByConfig(t *testing.T) {
	c, err := config.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	var p parser
	for _, tt := range []struct{ line, opt string }{
		{`config set esmtp_listener enable false`, "enable"},
		{`config set esmtp_listener smtp_extensions ( "AUTH LOGIN" 8BITMIME "a\"b" )`, "smtp_extensions"},
		{`config set control_listener AuthLoginParameters [ uri = "file:///x y" ]`, "authloginparameters"},
		{`config set esmtp_listener max_message_size = 1000`, "max_message_size"},
	} {
		cmd, ok := p.parse([]byte(tt.line))
		if !ok {
			t.Fatalf("%s: %s", tt.line, p.err)
		}
		s := &session{p: p, c: tcpConn(nil)}
		r := s.request(cmd, []byte(tt.line))
		c2, err := c.Set(r.args, r.val.ConfigText())
		if err != nil {
			t.Fatalf("%s: config.Set(%q): %v", tt.line, r.val.ConfigText(), err)
		}
		v, err := c2.Eval(r.args)
		if err != nil {
			t.Fatalf("%s: eval: %v", tt.line, err)
		}
		switch r.val.Kind {
		case ValueArray:
			if strings.Join(v.List, "|") != strings.Join(r.val.List, "|") {
				t.Errorf("%s: list %q, want %q", tt.line, v.List, r.val.List)
			}
		case ValueDict:
			if v.Dict["uri"] != "file:///x y" {
				t.Errorf("%s: dict %q", tt.line, v.Dict)
			}
		default:
			if v.Raw != r.val.Scalar && !(v.Kind == config.KindBool && !v.Bool) {
				t.Errorf("%s: raw %q, want %q", tt.line, v.Raw, r.val.Scalar)
			}
		}
	}
}
