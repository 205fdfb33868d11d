package config

import (
	"net/netip"
	"strings"
	"testing"
)

// The nine spellings of one address from momentum-listeners-seed §15.4.5.
var nineSpellings = []string{
	"2001:db8:0:0:1:0:0:1", "2001:DB8:0:0:1:0:0:1", "2001:0DB8:0:0:1:0:0:1",
	"2001:db8::1:0:0:1", "2001:db8::0:1:0:0:1", "2001:0db8::1:0:0:1",
	"2001:db8:0:0:1::1", "2001:db8:0000:0:1::1", "2001:DB8:0:0:1::1",
}

func TestNineIPv6Spellings(t *testing.T) {
	for _, s := range nineSpellings {
		a, err := ParseListenAddr("["+s+"]:25", "")
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got := a.String(); got != "[2001:db8::1:0:0:1]:25" {
			t.Errorf("Listen [%s]:25 = %s", s, got)
		}
		p, err := ParsePeer(s)
		if err != nil || p.String() != "2001:db8::1:0:0:1/128" {
			t.Errorf("Peer %s = %v, %v", s, p, err)
		}
	}
	// One config naming the socket twice in two spellings is rejected.
	src := "ESMTP_Listener {\n Listen \"[" + nineSpellings[0] + "]:25\" {}\n Listen \"[" + nineSpellings[8] + "]:25\" {}\n}\n"
	if _, err := Parse("nine.conf", []byte(src)); err == nil || !strings.Contains(err.Error(), "nine.conf:3:2: ") || !strings.Contains(err.Error(), "nine.conf:2:2") {
		t.Errorf("duplicate socket in two spellings: %v", err)
	}
}

func TestParseListenAddr(t *testing.T) {
	cases := []struct {
		in, want string
		wild, v6 bool
	}{
		{"*:25", "0.0.0.0:25", true, false},
		{":25", "0.0.0.0:25", true, false},
		{"0.0.0.0:25", "0.0.0.0:25", true, false},
		{"127.0.0.1:25", "127.0.0.1:25", false, false},
		{"[*]:25", "[::]:25", true, true},
		{"[::]:25", "[::]:25", true, true},
		{"[0:0:0:0:0:0:0:0]:25", "[::]:25", true, true},
		{"[::1]:587", "[::1]:587", false, true},
		{"[::192.168.0.1]:25", "[::c0a8:1]:25", false, true},
		{"[fd82:7796:815b:af9d:230:48ff:fef2:aa4a]:587", "[fd82:7796:815b:af9d:230:48ff:fef2:aa4a]:587", false, true},
		{"127.0.0.1:0", "127.0.0.1:0", false, false},
	}
	for _, c := range cases {
		a, err := ParseListenAddr(c.in, "")
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if a.String() != c.want || a.Wildcard != c.wild || a.V6Only != c.v6 || a.Network != "tcp" {
			t.Errorf("%s = %+v (%s), want %s wild=%v v6=%v", c.in, a, a, c.want, c.wild, c.v6)
		}
	}
}

func TestParseListenAddrUnix(t *testing.T) {
	cases := []struct{ in, base, want string }{
		{"/tmp/2025", "/etc/sluice", "/tmp/2025"},
		{"var/control.sock", "/etc/sluice", "/etc/sluice/var/control.sock"},
		{"./a/../b.sock", "/srv", "/srv/b.sock"},
		{"sock", "/x/", "/x/sock"},
	}
	for _, c := range cases {
		a, err := ParseListenAddr(c.in, c.base)
		if err != nil || a.Network != "unix" || a.Path != c.want || a.String() != c.want {
			t.Errorf("%s in %s = %+v, %v; want %s", c.in, c.base, a, err, c.want)
		}
	}
}

func TestParseListenAddrErrors(t *testing.T) {
	cases := map[string]string{
		"":                             "empty",
		"2001:db8::1:25":               `needs brackets, as in "[2001:db8::1]:25"`,
		"::1:25":                       "needs brackets",
		"[::1]25":                      "[address]:port",
		"[::1":                         "[address]:port",
		"[127.0.0.1]:25":               "brackets are for IPv6",
		"localhost:25":                 "not an IP address",
		"1.2.3.4:65536":                "port",
		"1.2.3.4:-1":                   "port",
		"1.2.3.4:":                     "port",
		"/tmp/dir/":                    "must name a file",
		"/" + strings.Repeat("x", 120): "longer than 107",
	}
	for in, want := range cases {
		if _, err := ParseListenAddr(in, "/"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

func TestParsePeer(t *testing.T) {
	ok := map[string]string{
		"10.0.0.1":            "10.0.0.1/32",
		"10.0.0.0/16":         "10.0.0.0/16",
		"0.0.0.0/0":           "0.0.0.0/0",
		"2001:DB8::/32":       "2001:db8::/32",
		"[2001:db8::1]":       "2001:db8::1/128",
		"[2001:db8::]/32":     "2001:db8::/32",
		"::/0":                "::/0",
		"::ffff:10.0.0.1":     "10.0.0.1/32",
		"::ffff:10.0.0.0/104": "10.0.0.0/8",
	}
	for in, want := range ok {
		p, err := ParsePeer(in)
		if err != nil || p.String() != want {
			t.Errorf("%s = %v, %v; want %s", in, p, err, want)
		}
	}
	bad := map[string]string{
		"10.0.0.1/16":    `host bits set; the network is "10.0.0.0/16"`,
		"2001:db8::1/32": `the network is "2001:db8::/32"`,
		"10.0.0.0/33":    "not an IP address or CIDR",
		"example.com":    "not an IP address or CIDR",
		"fe80::1%eth0":   "zones",
		"":               "not an IP",
	}
	for in, want := range bad {
		if _, err := ParsePeer(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

// TestWildcardsCoexist: a v4 and a v6 wildcard on one port are two sockets.
func TestWildcardsCoexist(t *testing.T) {
	c, err := Parse("w.conf", []byte(`ESMTP_Listener { Listen "*:25" {} Listen "[*]:25" {} }`))
	if err != nil {
		t.Fatal(err)
	}
	ls := c.Listeners[0].Listens
	if len(ls) != 2 || ls[0].Addr.V6Only || !ls[1].Addr.V6Only || ls[0].Addr.IP != netip.IPv4Unspecified() || ls[1].Addr.IP != netip.IPv6Unspecified() {
		t.Fatalf("wildcards: %+v %+v", ls[0].Addr, ls[1].Addr)
	}
}
