package config

import (
	"net/netip"
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := Parse("/etc/sluice/test.conf", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return c
}

func words(s string) []string { return strings.Fields(s) }

// seedACL is the seed's Example 15.4 with values added so every step of the
// fallback rule is visible.
const seedACL = `
Relay_Hosts = ( 192.0.2.0/24 )
ESMTP_Listener {
  Max_Message_Size = 1000
  Peer "10.0.0.0/16" {
    SMTP_Extensions = ( "PIPELINING" )
    Max_Recipients_Per_Message = 50
    Open_Relay = true
  }
  Listen ":25" {
    Idle_Time = 60
    Peer "10.0.0.1" {
      SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "AUTH LOGIN" )
    }
  }
}
`

func TestFallbackSeedExample(t *testing.T) {
	c := mustParse(t, seedACL)
	l := c.FindListen("esmtp_listener", "*:25")
	if l == nil {
		t.Fatal("FindListen *:25 found nothing")
	}
	from := func(ip string) *Policy {
		a := netip.MustParseAddr(ip)
		return c.Resolve(l, PeerChain(l, netip.PrefixFrom(a, a.BitLen())))
	}
	one, other, outside := from("10.0.0.1"), from("10.0.9.9"), from("192.0.2.7")
	// 10.0.0.1: its own Peer wins for SMTP_Extensions...
	if got := one.List("smtp_extensions"); strings.Join(got, ",") != "ENHANCEDSTATUSCODES,AUTH LOGIN" {
		t.Errorf("10.0.0.1 SMTP_Extensions = %v", got)
	}
	// ...and the /16 fills in what it leaves unset.
	if one.Int("max_recipients_per_message") != 50 || !one.Bool("open_relay") {
		t.Errorf("10.0.0.1 did not fall back to the /16 Peer")
	}
	if one.Peer != netip.MustParsePrefix("10.0.0.1/32") || !strings.HasSuffix(one.PeerScope, "Peer 10.0.0.1/32") {
		t.Errorf("10.0.0.1 matched %v %q", one.Peer, one.PeerScope)
	}
	if got := other.List("smtp_extensions"); len(got) != 1 || got[0] != "PIPELINING" {
		t.Errorf("10.0.9.9 SMTP_Extensions = %v", got)
	}
	// Then the Listen, the listener, global, default.
	for _, p := range []*Policy{one, other, outside} {
		if p.Duration("idle_time").Seconds() != 60 || p.Int("max_message_size") != 1000 ||
			strings.Join(p.List("relay_hosts"), "") != "192.0.2.0/24" || p.Int("listen_backlog") != 500 {
			t.Errorf("Listen/listener/global/default fallback wrong for %s", p.PeerScope)
		}
	}
	if _, ok := outside.Value("smtp_extensions"); ok || outside.PeerScope != "" {
		t.Errorf("192.0.2.7 matches no Peer but got %v", outside.List("smtp_extensions"))
	}
	v, _ := one.Value("max_recipients_per_message")
	if v.Src.Line != 7 || v.Scope != "ESMTP_Listener Peer 10.0.0.0/16" {
		t.Errorf("source of the /16 value: %+v", v)
	}
	if v, _ := one.Value("listen_backlog"); !v.Src.IsDefault() || v.Scope != "" {
		t.Errorf("default has a source: %+v", v)
	}
}

// TestEqualPrefixListenFirst: on an equal prefix the Listen's own Peer wins.
func TestEqualPrefixListenFirst(t *testing.T) {
	c := mustParse(t, `ESMTP_Listener {
  Peer "10.0.0.1" { Idle_Time = 1  Max_Message_Size = 7 }
  Listen ":25" { Peer "10.0.0.1/32" { Idle_Time = 2 } }
}`)
	l := c.Listeners[0].Listens[0]
	chain := PeerChain(l, netip.MustParsePrefix("10.0.0.1/32"))
	if len(chain) != 2 || !chain[0].InListen {
		t.Fatalf("chain %+v", chain)
	}
	p := c.Resolve(l, chain)
	if p.Duration("idle_time").Seconds() != 2 || p.Int("max_message_size") != 7 {
		t.Errorf("idle %v size %d", p.Duration("idle_time"), p.Int("max_message_size"))
	}
}

func TestDiff(t *testing.T) {
	old := mustParse(t, `Spoolbase = a
ESMTP_Listener { Listen "*:25" {} Listen "127.0.0.1:26" {} Listen "127.0.0.1:27" {} }`)
	new := mustParse(t, `Spoolbase = b
Workers = 2
ESMTP_Listener { Listen ":25" {} Listen "127.0.0.1:26" { Listen_Backlog = 9 } Listen "[::1]:27" {}
  Idle_Time = 5 }`)
	d := Diff(old, new)
	keys := func(ls []*Listen) string {
		var s []string
		for _, l := range ls {
			s = append(s, l.Addr.String())
		}
		return strings.Join(s, ",")
	}
	if keys(d.Added) != "[::1]:27" || keys(d.Removed) != "127.0.0.1:27" || keys(d.Changed) != "127.0.0.1:26" {
		t.Errorf("added %s removed %s changed %s", keys(d.Added), keys(d.Removed), keys(d.Changed))
	}
	if strings.Join(d.Restart, "|") != "/etc/sluice/test.conf:1 Spoolbase|/etc/sluice/test.conf:2 Workers" {
		t.Errorf("restart: %q", d.Restart)
	}
	if d := Diff(nil, old); len(d.Added) != 3 {
		t.Errorf("Diff(nil, c) added %d", len(d.Added))
	}
	if d := Diff(old, old); len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.Restart) != 0 {
		t.Errorf("Diff(c, c) = %+v", d)
	}
	if !old.IsDynamic("idle_time") || old.IsDynamic("SPOOLBASE") || old.IsDynamic("nosuch") {
		t.Error("IsDynamic")
	}
}

func TestDefaultConfig(t *testing.T) {
	c, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("default config warns: %q", c.Warnings)
	}
	g := c.Global()
	if g.String("spoolbase") != "var/spool" || g.String("metrics_listen") != "127.0.0.1:9025" || g.Int("workers") != 0 {
		t.Errorf("globals: %q %q %d", g.String("spoolbase"), g.String("metrics_listen"), g.Int("workers"))
	}
	ctl := c.FindListen("Control_Listener", "127.0.0.1:2025")
	if ctl == nil {
		t.Fatal("no control TCP listen")
	}
	p := c.ListenPolicy(ctl)
	if !p.Bool("enable_authentication") || p.Dict("authloginparameters")["uri"] != "file://var/console.passwd" || p.Duration("timeout").Seconds() != 60 {
		t.Errorf("control policy: %v %v", p.Bool("enable_authentication"), p.Dict("authloginparameters"))
	}
	sock := c.Listeners[3].Listens[0]
	if sock.Addr.Network != "unix" || !strings.HasSuffix(sock.Addr.Path, "/var/control.sock") || c.ListenPolicy(sock).Int("file_mode") != 0o660 {
		t.Errorf("control socket %+v", sock.Addr)
	}
	if string(DefaultSource()) != string(defaultConf) {
		t.Error("DefaultSource differs from the embedded file")
	}
}
