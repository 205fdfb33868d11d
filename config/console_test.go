package config

import (
	"fmt"
	"strings"
	"testing"
)

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
