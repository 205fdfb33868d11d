package config

import (
	"strings"
	"testing"
	"time"
)

func TestHandoffResolved(t *testing.T) {
	c, err := Load("testdata/valid/handoff.conf")
	if err != nil {
		t.Fatal(err)
	}
	h := c.Handoff()
	if h == nil || len(h.Targets) != 5 {
		t.Fatalf("handoff: %+v", h)
	}
	if h.RetryInterval != 10*time.Second || h.MaxRetryInterval != time.Hour || h.MaxRetryTime != 5*24*time.Hour || h.HighWater.Bytes != 20<<30 {
		t.Fatalf("scope options: %+v", h)
	}
	smtp, unix, lmtp, nats, md := h.Targets[0], h.Targets[1], h.Targets[2], h.Targets[3], h.Targets[4]
	if smtp.Scheme != "smtp" || smtp.Addr != "192.0.2.5:25" || smtp.Connections != 8 || smtp.Weight != 2 || smtp.TLS != "opportunistic" {
		t.Errorf("smtp target: %+v", smtp)
	}
	if unix.Network != "unix" || unix.Addr != "/run/dovecot/lmtp" || unix.Connections != 2 {
		t.Errorf("lmtp unix target: %+v", unix)
	}
	if lmtp.Addr != "192.0.2.6:24" || lmtp.Timeout != 30*time.Second {
		t.Errorf("lmtp target: %+v", lmtp)
	}
	if nats.Stream != "MAIL" || nats.Subject != "mail.in" || nats.Addr != "127.0.0.1:4222" {
		t.Errorf("nats target: %+v", nats)
	}
	if md.Path != "/var/mail/sluice" {
		t.Errorf("maildir target: %+v", md)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "Handoff") {
			t.Errorf("unexpected warning %q", w)
		}
	}
}

func TestHandoffMissingWarns(t *testing.T) {
	c, err := Parse("x.conf", []byte("ESMTP_Listener { Listen \"127.0.0.1:25\" { } }\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Handoff() != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "no Handoff scope") {
		t.Fatalf("warnings %q", c.Warnings)
	}
	c, err = Parse("x.conf", []byte("Handoff { }\n"))
	if err != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "no Target") {
		t.Fatalf("empty Handoff: %v %q", err, c.Warnings)
	}
}

func TestParseTargetURL(t *testing.T) {
	good := map[string]string{
		"smtp://h:2525":         "tcp h:2525",
		"smtp://h":              "tcp h:25",
		"lmtp://[::1]:24":       "tcp [::1]:24",
		"lmtp:rel/sock":         "unix /base/rel/sock",
		"nats://n:4222/S/sub.x": "tcp n:4222",
		"maildir:var/mail":      " ",
		"maildir:///abs/dir":    " ",
	}
	for in, want := range good {
		tg, err := ParseTargetURL(in, "/base")
		if err != nil || tg.Network+" "+tg.Addr != want {
			t.Errorf("%s: %+v %v, want %q", in, tg, err, want)
		}
	}
	for _, bad := range []string{"", "smtp", "smtp:/x", "smtp://h:0", "smtp://:25", "nats://h/S", "maildir:", "lmtp:", "x://y"} {
		if _, err := ParseTargetURL(bad, ""); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if hw, err := ParseHighWater("85.5%"); err != nil || hw.Percent != 85.5 {
		t.Errorf("85.5%%: %+v %v", hw, err)
	}
	for _, bad := range []string{"0%", "101%", "x", "-5G", ""} {
		if _, err := ParseHighWater(bad); err == nil {
			t.Errorf("high water %q accepted", bad)
		}
	}
}
