package smtp

import (
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	cases := []struct {
		in, mailbox, domain, rest string
		ok, null, pm, lit, utf    bool
		ws                        bool
	}{
		{in: "<a@b.org>", mailbox: "a@b.org", domain: "b.org", ok: true},
		{in: "<a@b.org> SIZE=1", mailbox: "a@b.org", domain: "b.org", rest: " SIZE=1", ok: true},
		{in: "<>", ok: true, null: true},
		{in: "<a.b+c@x-y.z9.org>", mailbox: "a.b+c@x-y.z9.org", domain: "x-y.z9.org", ok: true},
		{in: "<\"a b\"@b.org>", mailbox: "\"a b\"@b.org", domain: "b.org", ok: true},
		{in: "<\"a\\\"b\"@b.org>", mailbox: "\"a\\\"b\"@b.org", domain: "b.org", ok: true},
		{in: "<@r1.org,@r2.org:a@b.org>", mailbox: "a@b.org", domain: "b.org", ok: true},
		{in: "<a@[192.0.2.1]>", mailbox: "a@[192.0.2.1]", domain: "[192.0.2.1]", ok: true, lit: true},
		{in: "<a@[IPv6:2001:db8::1]>", mailbox: "a@[IPv6:2001:db8::1]", domain: "[IPv6:2001:db8::1]", ok: true, lit: true},
		{in: "<postmaster>", mailbox: "postmaster", ok: true, pm: true},
		{in: "<PostMaster>", mailbox: "PostMaster", ok: true, pm: true},
		{in: "<j\xc3\xb6rg@b.org>", mailbox: "j\xc3\xb6rg@b.org", domain: "b.org", ok: true, utf: true},
		{in: "< a@b.org >", mailbox: "a@b.org", domain: "b.org", ok: true, ws: true},
		{in: "< a@b.org >"},
		{in: "<a@b.org"},
		{in: "a@b.org"},
		{in: "<a@b.org.>"},
		{in: "<a@-b.org>"},
		{in: "<a@b-.org>"},
		{in: "<a@b..org>"},
		{in: "<.a@b.org>"},
		{in: "<a.@b.org>"},
		{in: "<a..b@b.org>"},
		{in: "<a@>"},
		{in: "<@b.org>"},
		{in: "<a>"},
		{in: "<a b@c.org>"},
		{in: "<\"a@b.org>"},
		{in: "<a@[192.0.2.300]>"},
		{in: "<a@[2001:db8::1]>"},
		{in: "<a@[IPv6:192.0.2.1]>"},
		{in: "<a@[tag:x]>"},
		{in: "<a@b_c.org>"},
		{in: "<\xff@b.org>"},
		{in: "<@r1.org a@b.org>"},
		{in: "<" + strings.Repeat("a", 65) + "@b.org>"},
		{in: "<a@" + strings.Repeat("b", 64) + ".org>"},
	}
	for _, c := range cases {
		p, rest, ok := parsePath([]byte(c.in), c.ws)
		if ok != c.ok {
			t.Errorf("%q: ok=%v", c.in, ok)
			continue
		}
		if !ok {
			continue
		}
		if string(p.mailbox) != c.mailbox || string(p.domain) != c.domain || string(rest) != c.rest ||
			p.null != c.null || p.postmaster != c.pm || p.ipLit != c.lit || p.nonASCII != c.utf {
			t.Errorf("%q: got %+v rest %q", c.in, p, rest)
		}
	}
}

func TestValidHelo(t *testing.T) {
	for in, want := range map[string]bool{
		"mx.example.org": true, "localhost": true, "[127.0.0.1]": true, "[IPv6:::1]": true, "host_name": true,
		"": false, "a b": false, "[1.2.3]": false, "x<y": false, "[127.0.0.1]x": false, "b\xc3\xa4r.de": true, "\xff": false,
	} {
		if validHelo([]byte(in)) != want {
			t.Errorf("validHelo(%q) = %v", in, !want)
		}
	}
}

func TestDomainIn(t *testing.T) {
	pats := []string{"example.com", "*.example.net"}
	for d, want := range map[string]bool{
		"example.com": true, "EXAMPLE.COM": true, "a.example.com": false, "example.net": false,
		"a.example.net": true, "a.b.Example.NET": true, "xexample.net": false, "": false,
	} {
		if domainIn(pats, []byte(d)) != want {
			t.Errorf("domainIn(%q) = %v", d, !want)
		}
	}
	if !domainIn([]string{"*"}, []byte("any.org")) {
		t.Error("* matches everything")
	}
}

func TestSplitVerb(t *testing.T) {
	for in, want := range map[string]uint32{
		"MAIL FROM:<>": vMAIL, "mail": vMAIL, "StartTLS": vSTLS, "STARTTLS x": vSTLS, "MAILX": 0, "MAI": 0,
		"STARTTLSX": 0, "": 0, "rcpt TO:<a@b>": vRCPT,
	} {
		if v, _ := splitVerb([]byte(in)); v != want {
			t.Errorf("splitVerb(%q) = %x, want %x", in, v, want)
		}
	}
}

func TestAllocsParsePath(t *testing.T) {
	in := []byte("<@relay.example:first.last+tag@sub.example.org> SIZE=123 BODY=8BITMIME")
	if a := testing.AllocsPerRun(100, func() {
		if _, _, ok := parsePath(in, false); !ok {
			t.Fatal("parse failed")
		}
	}); a != 0 {
		t.Fatalf("parsePath allocates %.1f", a)
	}
}
