package smtp

import (
	"strings"
	"testing"

	"sluice/proto/prototest"
)

const envelope = "EHLO c.test\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n"

// TestDataScanner checks what is stored, or refused, for DATA bodies: dot
// unstuffing, the end mark, smuggling attempts, lone CR/LF and line length
// policies and the size limit.
func TestDataScanner(t *testing.T) {
	allow := []any{"bare_newline_policy", "allow"} // Momentum's handling: RFC2822_Lone_LF_* decide
	cases := []struct {
		name  string
		pol   []any
		wire  string // after DATA, up to and including the end mark
		store string // stored body ("" with reply set: nothing stored)
		reply string // reply to the end of data when not accepted
	}{
		{"plain", nil, "Subject: x\r\n\r\nhello\r\n.\r\n", "Subject: x\r\n\r\nhello\r\n", ""},
		{"empty", nil, ".\r\n", "", ""},
		{"unstuff", nil, "a\r\n..b\r\n...\r\n.\r\n", "a\r\n.b\r\n..\r\n", ""},
		{"dot not at start", nil, "a.b\r\n a.\r\n.\r\n", "a.b\r\n a.\r\n", ""},
		{"smuggle lf.lf", allow, "S: x\r\n\r\na\r\n\n.\nMAIL FROM:<evil@x>\r\n.\r\n", "S: x\r\n\r\na\r\n\n.\nMAIL FROM:<evil@x>\r\n", ""},
		{"smuggle lf.crlf", allow, "S: x\r\n\r\na\n.\r\nMAIL FROM:<evil@x>\r\n.\r\n", "S: x\r\n\r\na\n.\r\nMAIL FROM:<evil@x>\r\n", ""},
		{"smuggle cr.cr", allow, "S: x\r\n\r\na\r.\rb\r\n.\r\n", "S: x\r\n\r\na\r.\rb\r\n", ""},
		{"smuggle crlf.lf", allow, "S: x\r\n\r\na\r\n.\nb\r\n.\r\n", "S: x\r\n\r\na\r\n\nb\r\n", ""},
		{"dot cr x", allow, "S: x\r\n\r\na\r\n.\rx\r\n.\r\n", "S: x\r\n\r\na\r\n\rx\r\n", ""},
		{"lone lf body ignore", allow, "S: x\r\n\r\na\nb\r\n.\r\n", "S: x\r\n\r\na\nb\r\n", ""},
		{"lone lf body fix", []any{"bare_newline_policy", "allow", "rfc2822_lone_lf_in_body", "fix"}, "S: x\r\n\r\na\nb\rc\r\n.\r\n", "S: x\r\n\r\na\r\nb\r\nc\r\n", ""},
		{"lone lf body pedantic", []any{"bare_newline_policy", "allow", "rfc2822_lone_lf_in_body", "pedantic"}, "S: x\r\n\r\na\nb\r\n.\r\n", "",
			"550 Lone CR or LF in body (see RFC2822 section 2.3)"},
		{"smuggle in headers refused", allow, "a\r\n\n.\nMAIL FROM:<evil@x>\r\n.\r\n", "", "550 Lone CR or LF in headers (see RFC2822 section 2.2)"},
		{"lone lf header pedantic", allow, "S: x\nT: y\r\n\r\nb\r\n.\r\n", "", "550 Lone CR or LF in headers (see RFC2822 section 2.2)"},
		{"lone lf header fix", []any{"bare_newline_policy", "allow", "rfc2822_lone_lf_in_headers", "fix"}, "S: x\nT: y\r\n\r\nb\r\n.\r\n", "S: x\r\nT: y\r\n\r\nb\r\n", ""},
		{"long line ignored", nil, strings.Repeat("x", 2000) + "\r\n.\r\n", strings.Repeat("x", 2000) + "\r\n", ""},
		{"long body line pedantic", []any{"rfc2822_max_line_length", "pedantic"}, "S: x\r\n\r\n" + strings.Repeat("x", 999) + "\r\n.\r\n", "",
			"550 Body line too long (see RFC2822 section 3.5)"},
		{"998 ok pedantic", []any{"rfc2822_max_line_length", "pedantic"}, "S: x\r\n\r\n" + strings.Repeat("x", 998) + "\r\n.\r\n",
			"S: x\r\n\r\n" + strings.Repeat("x", 998) + "\r\n", ""},
		{"long header line number reject", []any{"rfc2822_max_line_length", "10", "rfc2822_max_line_length_policy", "reject"},
			"Subject: 0123456789\r\n\r\nb\r\n.\r\n", "", "550 Header line too long (see RFC2822 section 3.5)"},
		{"long lines fixed", []any{"rfc2822_max_line_length", "4", "rfc2822_max_line_length_policy", "fix"},
			"S: abcd\r\n\r\n0123456789\r\n.\r\n", "S: a\r\n bcd\r\n\r\n0123\r\n4567\r\n89\r\n", ""},
		// Bare_Newline_Policy normalize (the default) and reject.
		{"normalize lf.lf", nil, "S: x\r\n\r\na\r\n\n.\nMAIL FROM:<evil@x>\r\n.\r\n", "S: x\r\n\r\na\r\n\r\n.\r\nMAIL FROM:<evil@x>\r\n", ""},
		{"normalize cr.cr", nil, "S: x\r\n\r\na\r.\rb\r\n.\r\n", "S: x\r\n\r\na\r\n.\r\nb\r\n", ""},
		{"normalize header lf", nil, "S: x\nT: y\n\nb\n.\r\n.\r\n", "S: x\r\nT: y\r\n\r\nb\r\n.\r\n", ""},
		{"normalize dot cr x", nil, "S: x\r\n\r\na\r\n.\rx\r\n.\r\n", "S: x\r\n\r\na\r\n\r\nx\r\n", ""},
		{"reject lf", []any{"bare_newline_policy", "reject"}, "S: x\r\n\r\na\nb\r\n.\r\n", "", "550 bare CR or LF received; end every line with CRLF"},
		{"reject cr", []any{"bare_newline_policy", "reject"}, "S: x\r\n\r\na\rb\r\n.\r\n", "", "550 bare CR or LF received; end every line with CRLF"},
		{"reject clean ok", []any{"bare_newline_policy", "reject"}, "S: x\r\n\r\na\r\n.\r\n", "S: x\r\n\r\na\r\n", ""},
		{"size ok", []any{"max_message_size", 6}, "hell\r\n.\r\n", "hell\r\n", ""},
		{"size over", []any{"max_message_size", 6}, "hello!\r\n.\r\n", "", "552 message size limit exceeded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := policy(c.pol...)
			in := envelope + c.wire + "NOOP\r\n"
			got, h, _ := run(t, p, in)
			head := ehloPlain + lines("250 MAIL FROM accepted", "250 RCPT TO accepted", `354 continue.  finished with "\r\n.\r\n"`)
			if _, ok := p.Value("max_message_size"); ok {
				head = strings.Replace(head, "250 8BITMIME", "250-8BITMIME\r\n250 SIZE 6", 1)
			}
			want := head + lines("250 OK MSGID0001", "250 OK")
			if c.reply != "" {
				want = head + lines(c.reply, "250 OK")
			}
			if got != want {
				t.Fatalf("replies\n got %q\nwant %q", got, want)
			}
			if c.reply != "" {
				if len(h.Submitted) != 0 {
					t.Fatalf("refused message was submitted")
				}
				return
			}
			if len(h.Submitted) != 1 {
				t.Fatalf("%d messages submitted", len(h.Submitted))
			}
			m := h.Submitted[0]
			if string(m.Data) != received("c.test", "ESMTP")+c.store {
				t.Fatalf("stored %q\nwant %q", m.Data, received("c.test", "ESMTP")+c.store)
			}
			if m.Sender != "a@b.org" || len(m.Recipients) != 1 || m.Recipients[0] != "x@example.com" || m.Protocol != "esmtp" {
				t.Fatalf("envelope %+v", m)
			}
			s, h := mk(testFactory(), p, tRemote)()
			res, err := prototest.ByteAtATime(s, h, []byte(in))
			if err != nil || string(res.Out[strings.Index(string(res.Out), "\r\n")+2:]) != want {
				t.Fatalf("byte at a time: %v %q", err, res.Out)
			}
		})
	}
}

// TestOversizeStreamsAndDiscards sends a body far over the limit and checks
// the session never buffers more than the limit.
func TestOversizeStreamsAndDiscards(t *testing.T) {
	p := policy("max_message_size", 1000)
	s, h := mk(testFactory(), p, tRemote)()
	d := prototest.NewDriver(s, h)
	if err := d.Feed([]byte(envelope)); err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("y", 78) + "\r\n")
	for range 20000 {
		if err := d.Feed(line); err != nil {
			t.Fatal(err)
		}
	}
	ss := s.(*session)
	if cap(ss.buf) > 4096 {
		t.Fatalf("message buffer grew to %d bytes for a 1000 byte limit", cap(ss.buf))
	}
	if err := d.Feed([]byte(".\r\nQUIT\r\n")); err != nil {
		t.Fatal(err)
	}
	res := d.Finish()
	if !strings.Contains(string(res.Out), "552 message size limit exceeded\r\n221 ") || len(h.Submitted) != 0 {
		t.Fatalf("got %q, %d submitted", res.Out, len(h.Submitted))
	}
}

func TestTraceHeaderOff(t *testing.T) {
	_, h, _ := run(t, policy("rfc2822_trace_headers", false), envelope+"x\r\n.\r\n")
	if len(h.Submitted) != 1 || string(h.Submitted[0].Data) != "x\r\n" {
		t.Fatalf("got %+v", h.Submitted)
	}
}
