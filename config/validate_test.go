package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValueKindsRejectControls: CR, LF and other controls are refused by
// kind in a file and through Set (the console), with the option named.
func TestValueKindsRejectControls(t *testing.T) {
	bad := map[string]string{
		`Hostname = "a\r\nb"`: "Hostname: control character CR",
		`Hostname = "a b"`:    "Hostname: a host name",
		`Hostname = "a..b"`:   "Hostname: a host name",
		`ESMTP_Listener { Static_Banner = "evil\r\n250 injected" }`:     "Static_Banner: control character CR",
		`ESMTP_Listener { Static_Banner = "caf` + "\xc3\xa9" + `" }`:    "SMTP reply text",
		`ESMTP_Listener { Received_Hostname = "mx\r\nBcc: x@evil" }`:    "Received_Hostname: control character",
		`ESMTP_Listener { Relay_For_Sending_Domains = ( "a\nb" ) }`:     "Relay_For_Sending_Domains: control character LF",
		"ESMTP_Listener { AuthPlainParameters = [ uri = \"f\x00\" ] }":  "AuthPlainParameters: control character NUL",
		"ESMTP_Listener { TLS_Ciphers = \"a\x7fb\" }":                   "TLS_Ciphers: control character DEL",
		`ESMTP_Listener { Reconfig_Message = "4.3.2 a\nb" }`:            "Reconfig_Message: control character LF",
		`Spoolbase = "/var/x\r"`:                                        "Spoolbase: control character CR",
		`ESMTP_Listener { Pathway = "p` + "\x1b" + `[31m" }`:            "Pathway: control character 0x1b",
		`ESMTP_Listener { Banner_Hostname = "[192.0.2.1" }`:             "Banner_Hostname: a host name",
		`ESMTP_Listener { Banner_Hostname = "mx.example.com\tx" }`:      "Banner_Hostname: a host name",
		`ESMTP_Listener { Received_Hostname = "mx.example.com:25" }`:    "Received_Hostname: a host name",
		`Hostname = "` + strings.Repeat("a", 64) + `.example.com"`:      "Hostname: a host name",
		`ESMTP_Listener { Static_Banner = "x` + "\x01" + `" }`:          "control character 0x01",
		`ESMTP_Listener { Domain_For_Unqualified_Sender_Address = "" }`: "a host name",
	}
	for src, want := range bad {
		_, err := Parse("s.conf", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
	good := []string{
		`Hostname = "mx1.example.com"`, `Hostname = "mx1.example.com."`, `Hostname = "[192.0.2.1]"`,
		`Hostname = "[IPv6:2001:db8::1]"`, `Hostname = "_smtp.x-y.example"`,
		`ESMTP_Listener { Static_Banner = "mx.example.com ESMTP\tready" }`,
		`ESMTP_Listener { Context = [ k = "caf` + "\xc3\xa9" + `" ] }`,
		`Spoolbase = "/var/spool/caf` + "\xc3\xa9" + `"`,
	}
	for _, src := range good {
		if _, err := Parse("s.conf", []byte(src)); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// TestSetRejectsControls is the console path: Set types the value the same
// way, and the old generation is untouched.
func TestSetRejectsControls(t *testing.T) {
	c, err := Parse("s.conf", []byte("ESMTP_Listener { Listen \"127.0.0.1:2525\" { } }\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, val, want string }{
		{"esmtp_listener static_banner", `"evil\r\n250 injected"`, "control character CR"},
		{"esmtp_listener received_hostname", `"mx\r\nBcc: injected@evil.test"`, "control character CR"},
		{"hostname", `"a\nb"`, "control character LF"},
		{"esmtp_listener listen 127.0.0.1:2525 static_banner", `"x\ny"`, "control character LF"},
	} {
		if _, err := c.Set(words(tc.path), tc.val); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("set %s %s: %v, want %q", tc.path, tc.val, err, tc.want)
		}
	}
	if _, err := c.Set(words("esmtp_listener static_banner"), `"mx.example ready"`); err != nil {
		t.Fatalf("a clean banner: %v", err)
	}
}

// secret is planted in files; no redacted error may show it.
const secret = "QZsecretQZ"

// TestRedactedNeverEchoesContent loads files that put the secret in every
// place an error can quote (option, scope, value, include, Listen, Peer,
// first token of a shadow-like file) and checks the console form.
func TestRedactedNeverEchoesContent(t *testing.T) {
	dir := t.TempDir()
	s := secret
	srcs := []string{
		"root:" + s + ":19000:0:99999:7:::\n",
		s + " = 1\n", s + " { }\n", "Hostname = " + s + "x\x01\n",
		`ESMTP_Listener { Listen "[` + s + `]:25" { } }`, `ESMTP_Listener { Listen "` + s + `:99999" { } }`,
		`ESMTP_Listener { Listen "[127.0.0.1]:25" { } }`,
		`ESMTP_Listener { Peer "10.0.0.1/8" { } Peer "10.0.0.0/8" { } }`,
		`ESMTP_Listener { Listen "/` + strings.Repeat(s, 12) + `" { } }`,
		`ESMTP_Listener { Peer "` + s + `" { } }`,
		`include "` + s + `/x.conf"`, `include "` + s + `"`,
		`ESMTP_Listener { Max_Message_Size = ` + s + ` }`,
		`ESMTP_Listener { STARTTLS_Injection_Policy = ` + s + ` }`,
		"Hostname = \"" + s, "/* " + s, "Hostname = ( " + s + " ",
		`ESMTP_Listener ` + s + ` { }`, `ESMTP_Listener { Relay_Hosts = ( "` + s + `" ) }`,
	}
	for i, src := range srcs {
		p := filepath.Join(dir, "f.conf")
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		ce, ok := err.(*Errors)
		if !ok {
			t.Fatalf("%d %q: error %T %v", i, src, err, err)
		}
		if !strings.Contains(ce.Error(), "QZ") && !strings.Contains(src, "[127") && !strings.Contains(src, "10.0") {
			t.Logf("%d: full text does not quote the secret: %s", i, ce.Error())
		}
		red := ce.Redacted()
		if strings.Contains(red, "QZ") || strings.Contains(red, "secret") || strings.Contains(red, "127.0.0.1") || strings.Contains(red, "10.0.0") {
			t.Errorf("%d %q: redacted text shows file content: %s", i, src, red)
		}
		if !strings.Contains(red, "f.conf:") {
			t.Errorf("%d: redacted text lost the position: %s", i, red)
		}
	}
}

func TestMaskQuoted(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:                  `plain`,
		`unknown option "x"; y`:  `unknown option "…"; y`,
		`a "b\"c" d "e"`:         `a "…" d "…"`,
		`open "abc`:              `open "…"`,
		`esc "a\\" b "c"`:        `esc "…" b "…"`,
		`trailing backslash "a\`: `trailing backslash "…"`,
	} {
		if got := maskQuoted(in); got != want {
			t.Errorf("maskQuoted(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzValueCheck: checkOption never accepts a control character, and a
// host it accepts is made of host bytes only.
func FuzzValueCheck(f *testing.F) {
	for _, s := range []string{"mx.example.com", "[192.0.2.1]", "a\r\nb", "x\x00", "caf\xc3\xa9", "a..b", "\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range []string{"hostname", "static_banner", "tls_ciphers"} {
			why := checkOption(registry[name], s)
			if why != "" {
				continue
			}
			if strings.ContainsAny(s, "\r\n\x00\x7f") {
				t.Fatalf("%s accepted %q", name, s)
			}
			if name == "hostname" && strings.ContainsAny(s, " \t\"\\/@<>") {
				t.Fatalf("hostname accepted %q", s)
			}
		}
	})
}

// FuzzRedacted parses arbitrary files in which '@' stands for a secret and
// checks that the redacted errors never contain it.
func FuzzRedacted(f *testing.F) {
	f.Add("@ = 1")
	f.Add(`ESMTP_Listener { Listen "@" { } }`)
	f.Add(`include "@/x"`)
	f.Add(`Hostname = "@` + "\x01\"")
	f.Add(`ESMTP_Listener { Peer "10.0.0.1/8" { } } # @`)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src string) {
		src = strings.ReplaceAll(src, "@", secret)
		_, err := Parse(filepath.Join(dir, "f.conf"), []byte(src))
		if err == nil {
			return
		}
		if red := err.(*Errors).Redacted(); strings.Contains(red, "QZsec") {
			t.Fatalf("redacted text shows the secret:\n%s", red)
		}
	})
}
