package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedExamples are every example config of momentum-listeners-seed.md and
// momentum-spec §3.2. The IPv6 example lists three alternative Listen lines
// ("equivalent to the previous entry"), so each is its own config, with the
// doc's "{...}" written as "{}".
var seedExamples = map[string]string{
	"basic": `ESMTP_Listener {
  Listen "*:25" {}
}`,
	"peer-acl": `ESMTP_Listener {
  Peer "10.0.0.0/16" {
    # general options for this netblock here
  }
  Listen ":25" {
    Peer "10.0.0.1" {
      # options for 10.0.0.1 here
      SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "AUTH LOGIN" )
    }
  }
}`,
	"enable": `ESMTP_Listener {
  Listen "*:25" {
  }
  Listen "*:587" {
    Enable = false
  }
}`,
	"tcpip": `ESMTP_Listener {
  Listen "*:25" {}
  Listen "127.0.0.1:25" {}
  Listen "[*]:25" {}
}`,
	"unix": `Control_Listener {
  Listen "/tmp/2025" {
    File_Mode = 0666
    Listen_Backlog = 500
  }
}`,
	"ipv6-any":      `ESMTP_Listener { Listen "[::]:25" {} }`,
	"ipv6-any-long": `ESMTP_Listener { Listen "[0:0:0:0:0:0:0:0]:25" {} }  # equivalent to the previous entry`,
	"ipv6-587":      `ESMTP_Listener { Listen "[fd82:7796:815b:af9d:230:48ff:fef2:aa4a]:587" {} }`,
	"spec-3.2-control": `Control_Listener {
  AuthDigestMD5Parameters = [ uri = "ecauth://" ]
  Enable_Authentication = "true"
  Enable_Authorization  = "false"
  AuthorizationParameters = [ uri = "ecauth://" ]
  Listen "/tmp/2025"      { Enable_Authentication = "false"  File_Mode = 0666 }
  Listen "127.0.0.1:2025" { }
}`,
}

func TestSeedExamplesValid(t *testing.T) {
	for name, src := range seedExamples {
		c, err := Parse(name+".conf", []byte(src))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkPrintStable(t, name, c)
	}
}

// checkPrintStable: print → parse → print gives the same text and the same
// effective tree.
func checkPrintStable(t *testing.T, name string, c *Config) {
	t.Helper()
	p1 := Print(c)
	c2, err := Parse(c.Path, p1)
	if err != nil {
		t.Errorf("%s: printed config does not parse: %v\n%s", name, err, p1)
		return
	}
	if p2 := Print(c2); string(p2) != string(p1) {
		t.Errorf("%s: print is not stable:\n%s\n---\n%s", name, p1, p2)
	}
	if Dump(c2) != Dump(c) && !strings.Contains(string(p1), "include") {
		// Sources move (lines differ); compare values only.
		if stripSources(Dump(c2)) != stripSources(Dump(c)) {
			t.Errorf("%s: printed config means something else:\n%s\n---\n%s", name, Dump(c), Dump(c2))
		}
	}
}

func stripSources(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, "  #"); i >= 0 {
			l = l[:i]
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func TestPrintStableTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.conf")
	for _, f := range files {
		c, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		checkPrintStable(t, f, c)
	}
	c, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	checkPrintStable(t, "default", c)
}

func TestSyntaxForms(t *testing.T) {
	cases := []struct{ src, want string }{
		{`ESMTP_Listener = { }`, "ESMTP_Listener {\n}\n"},
		{`esmtp_listener { listen "*:25" = { idle_time 5 } }`, "ESMTP_Listener {\n  Listen \"*:25\" {\n    Idle_Time = 5\n  }\n}\n"},
		{`esmtp_listener { listen :25 { } }`, "ESMTP_Listener {\n  Listen \":25\" {\n  }\n}\n"},
		{`Relay_Domains ( "a b", c, )`, "Relay_Domains = ( \"a b\" c )\n"},
		{`Relay_Domains = single`, "Relay_Domains = ( single )\n"},
		{`ESMTP_Listener { AuthPlainParameters [ uri "file:///x" , Realm = r ] }`, "ESMTP_Listener {\n  AuthPlainParameters = [ realm = r uri = \"file:///x\" ]\n}\n"},
		{`Spoolbase = "a\"b\\c"`, "Spoolbase = \"a\\\"b\\\\c\"\n"},
		{`ESMTP_Listener { Static_Banner = "220 x\ty" }`, "ESMTP_Listener {\n  Static_Banner = \"220 x\\ty\"\n}\n"},
		{"ESMTP_Listener {}\nESMTP_Listener { Idle_Time = 1 }", "ESMTP_Listener {\n  Idle_Time = 1\n}\n"},
		{"", ""},
	}
	for _, c := range cases {
		cfg, err := Parse("s.conf", []byte(c.src))
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if got := string(Print(cfg)); got != c.want {
			t.Errorf("%q printed\n%s\nwant\n%s", c.src, got, c.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	cases := map[string]string{
		`Hostname =`:                                        "s.conf:1:11: expected a value, found end of file",
		`= x`:                                               "s.conf:1:1: expected an option or scope name",
		`Relay_Domains = ( a`:                               "s.conf:1:17: array opened here is not closed",
		`ESMTP_Listener { Context = [ a = `:                 "s.conf:1:34: expected a value",
		`ESMTP_Listener { Context = [ ( ] }`:                "s.conf:1:30: expected a dictionary key",
		`Relay_Domains = ( ( a ) )`:                         "array elements must be plain values",
		`ESMTP_Listener { Listen {} }`:                      "Listen needs an address",
		`ESMTP_Listener { Peer {} }`:                        "Peer needs an IP address",
		`Bad-Name = 1`:                                      "s.conf:1:1: expected an option or scope name (letters, digits, _), found \"Bad-Name\"",
		`Hostname { }`:                                      "Hostname is an option, not a scope",
		`ESMTP_Listener = 1`:                                "ESMTP_Listener is a scope",
		`ESMTP_Listener { ESMTP_Listener { } }`:             "must be at the top level",
		`ESMTP_Listener { Listen ":1" { Listen ":2" {} } }`: "Listen is not valid in the Listen scope",
		`Hostname = ( a )`:                                  "wants a string, not an array",
		`ESMTP_Listener { Context = x }`:                    "wants a dictionary",
		`include ( a )`:                                     "wants a file or directory name",
		`ESMTP_Listener { Context = [ a = ( b ) ] }`:        "dictionary values must be plain values",
		strings.Repeat("ESMTP_Listener { ", 100):            "nested deeper than 64",
		"Relay_Domains = " + strings.Repeat("( ", 100):      "nested deeper than 64",
	}
	for src, want := range cases {
		_, err := Parse("s.conf", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
}

func TestErrorsCapped(t *testing.T) {
	src := strings.Repeat("Nosuch = 1\n", 500)
	_, err := Parse("s.conf", []byte(src))
	if e, ok := err.(*Errors); !ok || len(e.List) != maxErrors {
		t.Fatalf("got %v", err)
	}
}

func TestIncludeDirectory(t *testing.T) {
	dir := t.TempDir()
	must := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "d", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	must("main.conf", "ESMTP_Listener { include d }\n")
	must("d/b.conf", `Listen ":26" {}`)
	must("d/a.conf", `Listen ":25" {}`)
	must("d/.skip", `garbage {`)
	must("d/sub/c.conf", `garbage {`)
	c, err := Load(filepath.Join(dir, "main.conf"))
	if err != nil {
		t.Fatal(err)
	}
	ls := c.Listeners[0].Listens
	if len(ls) != 2 || ls[0].Addr.Port != 25 || ls[1].Addr.Port != 26 || !strings.HasSuffix(ls[0].Src.File, "d/a.conf") {
		t.Fatalf("listens %+v", ls)
	}
	must("self.conf", "include self.conf\n")
	if _, err := Load(filepath.Join(dir, "self.conf")); err == nil || !strings.Contains(err.Error(), "include cycle") {
		t.Errorf("self include: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.conf")); err == nil || !strings.Contains(err.Error(), "cannot read configuration") {
		t.Errorf("missing file: %v", err)
	}
}

// TestEveryPrefix: every prefix of every valid file either parses or fails
// with positioned errors; none panics.
func TestEveryPrefix(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.conf")
	srcs := [][]byte{defaultConf}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, b)
	}
	for _, src := range srcs {
		for i := 0; i <= len(src); i++ {
			_, err := parse("/nonexistent/p.conf", "/nonexistent", src[:i], nil)
			if err == nil {
				continue
			}
			e, ok := err.(*Errors)
			if !ok || len(e.List) == 0 {
				t.Fatalf("prefix %d: error %T %v", i, err, err)
			}
			for _, x := range e.List {
				if x.Src.Line < 1 {
					t.Fatalf("prefix %d of %q: error without position: %v", i, src[:20], x)
				}
			}
		}
	}
}
