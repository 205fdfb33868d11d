package config

import (
	"fmt"
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

func TestGetEval(t *testing.T) {
	c := mustParse(t, seedACL)
	cases := []struct{ path, get, eval string }{
		{"esmtp_listener listen :25 idle_time", "60", "60"},
		{"esmtp_listener listen *:25 max_message_size", "!Option 'max_message_size' is not set in scope 'ESMTP_Listener Listen 0.0.0.0:25'.", "1000"},
		{"ESMTP_LISTENER LISTEN 0.0.0.0:25 PEER 10.0.0.1 smtp_extensions", `( ENHANCEDSTATUSCODES "AUTH LOGIN" )`, `( ENHANCEDSTATUSCODES "AUTH LOGIN" )`},
		{"esmtp_listener listen :25 peer 10.0.0.1 open_relay", "!is not set", "true"},
		{"esmtp_listener listen :25 peer 10.0.0.1 max_message_size", "!is not set", "1000"},
		{"esmtp_listener peer 10.0.0.0/16 idle_time", "!is not set", "300"},
		{"esmtp_listener listen :25 enable", "!is not set", "true"},
		{"relay_hosts", `( "192.0.2.0/24" )`, `( "192.0.2.0/24" )`},
		{"spoolbase", "!Option 'spoolbase' is not set in scope ''.", `"var/spool"`},
		{"esmtp_listener listen :26 enable", "!no such scope: ESMTP_Listener Listen 0.0.0.0:26", "!no such scope"},
		{"esmtp_listener listen :25 listen_backlg", "!did you mean Listen_Backlog?", "!did you mean Listen_Backlog?"},
		{"esmtp_listener listen :25 peer 10.0.0.1 listen_backlog", "!not valid in scope", "500"},
		{"esmtp_listener disable_chunked", "!not valid", "!does not apply"},
		{"idle_time", "!not valid in scope ''", "!does not apply"},
	}
	for _, tc := range cases {
		check := func(what string, v *Value, err error, want string) {
			if strings.HasPrefix(want, "!") {
				if err == nil || !strings.Contains(err.Error(), want[1:]) {
					t.Errorf("%s %s: got %v, want error %q", what, tc.path, err, want[1:])
				}
				return
			}
			if err != nil {
				t.Errorf("%s %s: %v", what, tc.path, err)
			} else if formatValue(v) != want {
				t.Errorf("%s %s = %s, want %s", what, tc.path, formatValue(v), want)
			}
		}
		v, err := c.Get(words(tc.path))
		check("get", v, err, tc.get)
		v, err = c.Eval(words(tc.path))
		check("eval", v, err, tc.eval)
	}
}

func TestSetUnsetGenerations(t *testing.T) {
	c := mustParse(t, seedACL)
	c2, err := c.Set(words("esmtp_listener listen :25 enable"), "false")
	if err != nil {
		t.Fatal(err)
	}
	if c2.Generation <= c.Generation || c2 == c {
		t.Errorf("Set did not make a new generation: %d -> %d", c.Generation, c2.Generation)
	}
	if !c.Listeners[0].Listens[0].Enabled || c2.Listeners[0].Listens[0].Enabled {
		t.Errorf("enable: old %v new %v", c.Listeners[0].Listens[0].Enabled, c2.Listeners[0].Listens[0].Enabled)
	}
	c3, err := c2.Set(words("relay_domains"), "( a.example b.example )")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c3.Get(words("relay_domains")); strings.Join(v.List, ",") != "a.example,b.example" || v.Src.File != "<console>" {
		t.Errorf("relay_domains = %+v", v)
	}
	if _, err := c.Get(words("relay_domains")); err == nil {
		t.Error("Set changed the old generation")
	}
	// A Peer that does not exist yet is created.
	c4, err := c3.Set(words("esmtp_listener listen :25 peer 192.0.2.0/24 open_relay"), "yes")
	if err != nil {
		t.Fatal(err)
	}
	if len(c4.Listeners[0].Listens[0].Peers) != 2 {
		t.Errorf("Peer not created: %+v", c4.Listeners[0].Listens[0].Peers)
	}
	for _, bad := range []struct{ path, val, want string }{
		{"esmtp_listener listen :25 enable", "maybe", "wants a boolean"},
		{"esmtp_listener listen :25 enable", "true false", "unexpected"},
		{"esmtp_listener listen :25 nosuch", "1", "unknown option"},
		{"esmtp_listener listen :25 peer 10.0.0.1/8 enable", "1", "host bits"},
		{"esmtp_listener listen :25", "1", "names a scope"},
	} {
		if _, err := c.Set(words(bad.path), bad.val); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Set %s %s: %v, want %q", bad.path, bad.val, err, bad.want)
		}
	}
	c5, err := c4.Unset(words("esmtp_listener listen :25 enable"))
	if err != nil {
		t.Fatal(err)
	}
	if !c5.Listeners[0].Listens[0].Enabled {
		t.Error("Unset did not fall back to the default")
	}
	if _, err := c5.Unset(words("esmtp_listener listen :25 enable")); err == nil {
		t.Error("unset of an unset option succeeded")
	}
	c6, err := c5.Unset(words("esmtp_listener listen :25"))
	if err != nil || len(c6.Listeners[0].Listens) != 0 {
		t.Errorf("Unset of a Listen scope: %v", err)
	}
	if _, err := c.Unset(nil); err == nil {
		t.Error("the global scope was unset")
	}
}

func TestShow(t *testing.T) {
	c := mustParse(t, seedACL)
	s, err := c.Show(words("esmtp_listener"), false)
	if err != nil {
		t.Fatal(err)
	}
	want := "Max_Message_Size = 1000\nPeer \"10.0.0.0/16\" { ... }\nListen \":25\" { ... }\n"
	if s != want {
		t.Errorf("show:\n%s\nwant:\n%s", s, want)
	}
	s, _ = c.Show(words("esmtp_listener listen :25"), true)
	if !strings.Contains(s, "Peer \"10.0.0.1\" {\n  SMTP_Extensions = ( ENHANCEDSTATUSCODES \"AUTH LOGIN\" )\n}\n") {
		t.Errorf("showrecurse:\n%s", s)
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

func TestShowOptionAndErrors(t *testing.T) {
	c := mustParse(t, seedACL)
	if s, err := c.Show(words("esmtp_listener max_message_size"), false); err != nil || s != "Max_Message_Size = 1000\n" {
		t.Errorf("show option: %q %v", s, err)
	}
	for path, want := range map[string]string{
		"esmtp_listener idle_time":        "is not set in scope 'ESMTP_Listener'",
		"esmtp_listener listen :99":       "no such scope",
		"esmtp_listener nosuch":           "unknown option",
		"esmtp_listener listen :25 a b c": "cannot read the scope path",
	} {
		if _, err := c.Show(words(path), false); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("show %s: %v, want %q", path, err, want)
		}
	}
	s, err := c.Show(nil, true)
	if err != nil || s != string(Print(c)) {
		t.Errorf("show of the root differs from Print: %v", err)
	}
}

// TestSetReplaceAndDuplicateListen: Set replaces a value in place, and a
// console-created Listen that duplicates a socket is refused.
func TestSetReplaceAndDuplicateListen(t *testing.T) {
	c := mustParse(t, seedACL)
	c2, err := c.Set(words("esmtp_listener max_message_size"), "5K")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c2.Get(words("esmtp_listener max_message_size")); v.Int != 5<<10 {
		t.Errorf("replaced value %+v", v)
	}
	if len(c2.root.kids[0].opts) != len(c.root.kids[0].opts) {
		t.Error("Set appended instead of replacing")
	}
	if _, err := c.Set(words("http_listener listen 0.0.0.0:25 enable"), "true"); err == nil || !strings.Contains(err.Error(), "names the same socket") {
		t.Errorf("duplicate socket via console: %v", err)
	}
	c3, err := c.Set(words("http_listener listen [::1]:8080 idle_time"), "7")
	if err != nil {
		t.Fatal(err)
	}
	if l := c3.FindListen("HTTP_Listener", "[0:0:0:0:0:0:0:1]:8080"); l == nil || c3.ListenPolicy(l).Duration("idle_time").Seconds() != 7 {
		t.Error("console-created Listen not found by another spelling")
	}
}

// TestConcurrentReaders: readers of one generation race with Set building
// new ones (run with -race); the old generation never changes.
func TestConcurrentReaders(t *testing.T) {
	c := mustParse(t, seedACL)
	before := Dump(c)
	l := c.Listeners[0].Listens[0]
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				c.Resolve(l, l.Peers)
				if _, err := c.Eval(words("esmtp_listener listen :25 peer 10.0.0.1 open_relay")); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	cur := c
	for i := range 50 {
		next, err := cur.Set(words("esmtp_listener listen :25 peer 10.0.0.1 max_message_size"), fmt.Sprint(i+1))
		if err != nil {
			t.Fatal(err)
		}
		cur = next
	}
	for range 4 {
		<-done
	}
	if Dump(c) != before {
		t.Error("the original generation changed")
	}
}

func TestConsoleErrorText(t *testing.T) {
	c := mustParse(t, seedACL)
	_, err := c.Get(words("esmtp_listener listen :25 Open_Relay"))
	if err == nil || err.Error() != "Option 'Open_Relay' is not set in scope 'ESMTP_Listener Listen 0.0.0.0:25'." {
		t.Errorf("got %v", err)
	}
}
