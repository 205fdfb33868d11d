package smtp

import (
	"strings"
	"testing"

	"sluice/config"
	"sluice/proto"
)

const ehloPlain = "250-mx.test says EHLO to 192.0.2.7:40000\r\n250-PIPELINING\r\n250 8BITMIME\r\n"

var enh = []any{"smtp_extensions", []string{"ENHANCEDSTATUSCODES"}}

type replyCase struct {
	name  string
	pol   []any
	in    string
	want  string
	close bool
}

// TestReplies checks the reply to every command and error path, with and
// without ENHANCEDSTATUSCODES.
func TestReplies(t *testing.T) {
	cases := []replyCase{
		{"ehlo", nil, "EHLO client.test\r\n", ehloPlain, false},
		{"helo", nil, "HELO client.test\r\n", lines("250 mx.test says HELO to 192.0.2.7:40000"), false},
		{"helo literal", nil, "HELO [192.0.2.7]\r\n", lines("250 mx.test says HELO to 192.0.2.7:40000"), false},
		{"ehlo no arg", nil, "EHLO\r\n", lines("501 invalid EHLO"), false},
		{"helo bad", nil, "HELO a b\r\n", lines("501 invalid HELO"), false},
		{"ehlo bad literal", nil, "EHLO [300.1.1.1]\r\n", lines("501 invalid EHLO"), false},
		{"mail rcpt", nil, "HELO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\n",
			lines("250 mx.test says HELO to 192.0.2.7:40000", "250 MAIL FROM accepted", "250 RCPT TO accepted"), false},
		{"mail rcpt enhanced", enh, "MAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\n",
			lines("250 2.0.0 MAIL FROM accepted", "250 2.0.0 RCPT TO accepted"), false},
		{"lower case verbs", nil, "mail from:<a@b.org>\r\nrcpt to:<x@example.com>\r\n",
			lines("250 MAIL FROM accepted", "250 RCPT TO accepted"), false},
		{"null sender", nil, "MAIL FROM:<>\r\n", lines("250 MAIL FROM accepted"), false},
		{"null sender refused", []any{"allow_null_envelope_sender", false}, "MAIL FROM:<>\r\n",
			lines("501 null sender not allowed"), false},
		{"ip literal", nil, "MAIL FROM:<a@[192.0.2.1]>\r\nMAIL FROM:<a@[IPv6:2001:db8::1]>\r\n",
			lines("250 MAIL FROM accepted", "501 MAIL FROM already established"), false},
		{"ip literal refused", []any{"allow_ip_literal", false}, "MAIL FROM:<a@[192.0.2.1]>\r\n",
			lines("501 IP literal not allowed"), false},
		{"mail syntax", enh, "MAIL FROM: <a@b.org>\r\nMAIL FROM:a@b.org\r\nMAIL TO:<a@b.org>\r\nMAIL FROM:<a@b..org>\r\n",
			strings.Repeat("501 5.5.2 MAIL FROM syntax error\r\n", 4), false},
		{"envelope whitespace option", []any{"rfc2821_allow_whitespace_in_envelope", true}, "MAIL FROM: < a@b.org >\r\n",
			lines("250 MAIL FROM accepted"), false},
		{"trailing whitespace refused", nil, "MAIL FROM:<a@b.org> \r\n", lines("501 MAIL FROM syntax error"), false},
		{"trailing whitespace option", []any{"allow_trailing_whitespace_in_commands", true}, "MAIL FROM:<a@b.org> \r\n",
			lines("250 MAIL FROM accepted"), false},
		{"source route", nil, "MAIL FROM:<@relay.org,@r2.org:a@b.org>\r\n", lines("250 MAIL FROM accepted"), false},
		{"quoted local", nil, "MAIL FROM:<\"a b\\\"c\"@b.org>\r\n", lines("250 MAIL FROM accepted"), false},
		{"second mail", enh, "MAIL FROM:<a@b.org>\r\nMAIL FROM:<a@b.org>\r\n",
			lines("250 2.0.0 MAIL FROM accepted", "501 5.5.1 MAIL FROM already established"), false},
		{"rcpt without mail", enh, "RCPT TO:<x@example.com>\r\n", lines("503 5.5.1 RCPT TO without MAIL FROM"), false},
		{"rcpt syntax", enh, "MAIL FROM:<a@b.org>\r\nRCPT TO:<>\r\nRCPT TO:<x@>\r\n",
			lines("250 2.0.0 MAIL FROM accepted", "501 5.5.2 RCPT TO syntax error", "501 5.5.2 RCPT TO syntax error"), false},
		{"rcpt postmaster", nil, "MAIL FROM:<a@b.org>\r\nRCPT TO:<Postmaster>\r\n",
			lines("250 MAIL FROM accepted", "250 RCPT TO accepted"), false},
		{"relay denied", enh, "MAIL FROM:<a@b.org>\r\nRCPT TO:<x@elsewhere.org>\r\nRCPT TO:<x@a.example.net>\r\nRCPT TO:<x@example.net>\r\n",
			lines("250 2.0.0 MAIL FROM accepted", "550 5.7.1 relaying denied", "250 2.0.0 RCPT TO accepted", "550 5.7.1 relaying denied"), false},
		{"open relay", []any{"open_relay", true}, "MAIL FROM:<a@b.org>\r\nRCPT TO:<x@elsewhere.org>\r\n",
			lines("250 MAIL FROM accepted", "250 RCPT TO accepted"), false},
		{"relay hosts", []any{"relay_hosts", []string{"10.0.0.0/8", "192.0.2.0/24"}}, "MAIL FROM:<a@b.org>\r\nRCPT TO:<x@elsewhere.org>\r\n",
			lines("250 MAIL FROM accepted", "250 RCPT TO accepted"), false},
		{"relay for sending domains", []any{"relay_for_sending_domains", []string{"*.b.org"}}, "MAIL FROM:<a@x.b.org>\r\nRCPT TO:<x@elsewhere.org>\r\n",
			lines("250 MAIL FROM accepted", "250 RCPT TO accepted"), false},
		{"rcpt param", enh, "MAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com> NOTIFY=NEVER\r\n",
			lines("250 2.0.0 MAIL FROM accepted", "555 5.5.4 unsupported parameter"), false},
		{"mail params", nil, "MAIL FROM:<a@b.org> BODY=8BITMIME\r\nRSET\r\nMAIL FROM:<a@b.org> BODY=BINARYMIME\r\nMAIL FROM:<a@b.org> FOO=1\r\nMAIL FROM:<a@b.org> SIZE=10\r\n",
			lines("250 MAIL FROM accepted", "250 OK", "555 unsupported parameter", "555 unsupported parameter", "555 unsupported parameter"), false},
		{"size", []any{"max_message_size", 100}, "MAIL FROM:<a@b.org> SIZE=101\r\nMAIL FROM:<a@b.org> size=100\r\n",
			lines("552 message size limit exceeded", "250 MAIL FROM accepted"), false},
		{"utf8 needs smtputf8", enh, "MAIL FROM:<j\xc3\xb6rg@b.org>\r\n", lines("553 5.6.7 non-ASCII address requires SMTPUTF8"), false},
		{"smtputf8", []any{"smtp_extensions", []string{"SMTPUTF8"}}, "MAIL FROM:<j\xc3\xb6rg@b\xc3\xa4.org> SMTPUTF8\r\nRCPT TO:<\xc3\xa9@example.com>\r\n",
			lines("250 MAIL FROM accepted", "250 RCPT TO accepted"), false},
		{"smtputf8 not offered", nil, "MAIL FROM:<a@b.org> SMTPUTF8\r\n", lines("555 unsupported parameter"), false},
		{"data without mail", enh, "DATA\r\n", lines("503 5.5.1 DATA without MAIL FROM"), false},
		{"data without rcpt", enh, "MAIL FROM:<a@b.org>\r\nDATA\r\n", lines("250 2.0.0 MAIL FROM accepted", "503 5.5.1 DATA without RCPT TO"), false},
		{"data args", enh, "DATA x\r\n", lines("501 5.5.4 unexpected argument to DATA"), false},
		{"rset", enh, "RSET\r\nRSET x\r\n", lines("250 2.0.0 OK", "501 5.5.4 invalid arguments to RSET"), false},
		{"noop", enh, "NOOP\r\nNOOP anything\r\n", lines("250 2.0.0 OK", "250 2.0.0 OK"), false},
		{"vrfy", nil, "VRFY bob\r\n", lines("252 Cannot VRFY user, but will accept message and attempt delivery"), false},
		{"help", enh, "HELP\r\n", lines("214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH"), false},
		{"quit", enh, "QUIT\r\nNOOP\r\n", lines("221 2.3.0 mx.test closing connection"), true},
		{"quit args", enh, "QUIT now\r\n", lines("501 5.5.4 Syntax error (no parameters allowed)"), false},
		{"unknown", enh, "FOO\r\nMAILX\r\n\r\nEXPN x\r\n", strings.Repeat("500 5.5.2 unrecognized command\r\n", 4), false},
		{"bdat not offered", nil, "BDAT 3 LAST\r\n", lines("500 unrecognized command"), false},
		{"starttls not offered", nil, "STARTTLS\r\n", lines("500 unrecognized command"), false},
		{"auth not offered", nil, "AUTH PLAIN\r\n", lines("500 unrecognized command"), false},
		{"bare lf in command", enh, "NOOP\nNOOP\r\n", lines("500 5.5.2 bare CR or LF in command"), false},
		{"long line", enh, "NOOP " + strings.Repeat("x", 600) + "\r\nNOOP\r\n",
			lines("500 5.5.2 line too long", "250 2.0.0 OK"), false},
		{"longest line", nil, "NOOP " + strings.Repeat("x", 505) + "\r\n", lines("250 OK"), false},
		{"one over", nil, "NOOP " + strings.Repeat("x", 506) + "\r\n", lines("500 line too long"), false},
		{"require ehlo", []any{"require_ehlo", true, "smtp_extensions", []string{"ENHANCEDSTATUSCODES"}},
			"MAIL FROM:<a@b.org>\r\nNOOP\r\n", lines("550 5.5.1 RFC2821 HELO/EHLO needed", "250 2.0.0 OK"), false},
		{"ten bad", enh, strings.Repeat("FOO\r\n", 11), strings.Repeat("500 5.5.2 unrecognized command\r\n", 10) +
			"421 4.7.0 too many bad commands, closing connection\r\n", true},
		{"nine bad then good", enh, strings.Repeat("FOO\r\n", 9) + "NOOP\r\n" + strings.Repeat("FOO\r\n", 9),
			strings.Repeat("500 5.5.2 unrecognized command\r\n", 9) + "250 2.0.0 OK\r\n" + strings.Repeat("500 5.5.2 unrecognized command\r\n", 9), false},
		{"recipients per message", []any{"max_recipients_per_message", 1}, "MAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nRCPT TO:<y@example.com>\r\n",
			lines("250 MAIL FROM accepted", "250 RCPT TO accepted", "452 Service unavailable, recipients per message limit reached"), false},
		{"recipients per connection", []any{"max_recipients_per_connection", 1, "smtp_extensions", []string{"ENHANCEDSTATUSCODES"}},
			"MAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nRSET\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<y@example.com>\r\n",
			lines("250 2.0.0 MAIL FROM accepted", "250 2.0.0 RCPT TO accepted", "250 2.0.0 OK", "250 2.0.0 MAIL FROM accepted",
				"452 4.5.3 Service unavailable, recipients per connection limit reached"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, res := run(t, policy(c.pol...), c.in)
			if got != c.want {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
			if res.Closed != c.close {
				t.Fatalf("closed = %v, want %v", res.Closed, c.close)
			}
		})
	}
}

func TestBannerAndRefuse(t *testing.T) {
	f := testFactory()
	for _, c := range []struct {
		p    *config.Policy
		want string
	}{
		{policy(), "220 mx.test ESMTP sluice\r\n"},
		{policy("banner_hostname", "edge.example"), "220 edge.example ESMTP sluice\r\n"},
		{policy("static_banner", "220 hello there"), "220 hello there\r\n"},
		{policy("static_banner", "no code"), "220 no code\r\n"},
	} {
		s, h := mk(f, c.p, tRemote)()
		out, a := s.Start(nil)
		if string(out) != c.want || a != proto.Continue {
			t.Fatalf("banner %q %v, want %q", out, a, c.want)
		}
		_ = h
	}
	ci := &proto.ConnInfo{Policy: policy()}
	if got := string(f.Refuse(ci, proto.RefuseSessionCap, nil)); got != "421 4.4.5 Service unavailable, concurrency limit reached.\r\n" {
		t.Fatalf("refuse: %q", got)
	}
	if got := string(f.Refuse(ci, proto.RefuseShutdown, nil)); got != "421 Service shutting down, closing connection\r\n" {
		t.Fatalf("refuse shutdown: %q", got)
	}
	if got := f.Refuse(ci, proto.RefuseACL, nil); len(got) != 0 {
		t.Fatalf("refuse acl: %q", got)
	}
}
