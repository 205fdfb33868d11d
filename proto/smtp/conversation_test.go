package smtp

import (
	"crypto/tls"
	"encoding/base64"
	"strings"
	"testing"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/prototest"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// conversations are whole client transcripts; each is run whole and split
// at every byte offset, and must give the same replies and messages.
func conversations(t testing.TB) []struct {
	name string
	pol  *config.Policy
	in   string
} {
	pw := passwd(t, "# users\nalice:s3cret\nbob:pa:ss\n")
	auth := []any{"smtp_extensions", []string{"ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN", "CHUNKING"},
		"authplainparameters", map[string]string{"uri": "file://" + pw},
		"authloginparameters", map[string]string{"uri": "file://" + pw}}
	tlsPol := []any{"smtp_extensions", []string{"STARTTLS"}, "tls_certificate", "/c.pem", "tls_key", "/k.pem"}
	body := "From: a@b.org\r\nSubject: hi\r\n\r\nline one\r\n..dot\r\n.\r\n"
	return []struct {
		name string
		pol  *config.Policy
		in   string
	}{
		{"lockstep", policy(), "EHLO c.test\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n" + body +
			"MAIL FROM:<>\r\nRCPT TO:<y@example.com>\r\nRCPT TO:<postmaster>\r\nDATA\r\n" + body + "QUIT\r\n"},
		{"pipelined", policy(enh...), "EHLO c.test\r\nMAIL FROM:<a@b.org> BODY=8BITMIME\r\nRCPT TO:<x@example.com>\r\n" +
			"RCPT TO:<nope@elsewhere.org>\r\nRCPT TO:<z@example.com>\r\nDATA\r\n" + body + "RSET\r\nNOOP\r\nFOO\r\nQUIT\r\n"},
		{"errors and long line", policy(), "HELO x\r\nNOOP " + strings.Repeat("z", 700) + "\r\nDATA\r\nRCPT TO:<a@example.com>\r\n" +
			"MAIL FROM:<a@b.org>\r\nRCPT TO:<a@example.com>\r\nDATA\r\n\r\n.\r\nQUIT\r\n"},
		{"bdat", policy(auth...), "EHLO c.test\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nBDAT 12\r\nSubject: x\r\nBDAT 0\r\n" +
			"BDAT 11 LAST\r\n\r\nbody\r\n.\r\nBDAT 3\r\nabcMAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nBDAT 2 LAST\r\nokQUIT\r\n"},
		{"auth plain", policy(auth...), "EHLO c.test\r\nAUTH PLAIN " + b64("\x00alice\x00wrong") + "\r\nAUTH PLAIN " +
			b64("alice\x00alice\x00s3cret") + "\r\nEHLO c.test\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<far@elsewhere.org>\r\nDATA\r\n" + body + "QUIT\r\n"},
		{"auth plain challenge", policy(auth...), "EHLO c.test\r\nAUTH PLAIN\r\n" + b64("\x00bob\x00pa:ss") + "\r\nAUTH PLAIN\r\n"},
		{"auth login", policy(auth...), "EHLO c.test\r\nAUTH LOGIN\r\n" + b64("bob") + "\r\n" + b64("pa:ss") +
			"\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<far@elsewhere.org>\r\nQUIT\r\n"},
		{"auth login initial and cancel", policy(auth...), "EHLO c.test\r\nAUTH LOGIN " + b64("bob") + "\r\n*\r\nAUTH LOGIN\r\n%%%\r\nAUTH CRAM-MD5\r\n"},
		{"starttls", policy(tlsPol...), "EHLO c.test\r\nSTARTTLS\r\n"},
	}
}

func TestConversationsSplitEverywhere(t *testing.T) {
	f := testFactory()
	for _, c := range conversations(t) {
		t.Run(c.name, func(t *testing.T) {
			if err := prototest.SplitEvery(mk(f, c.pol, tRemote), []byte(c.in)); err != nil {
				t.Fatal(err)
			}
			s, h := mk(f, c.pol, tRemote)()
			whole, err := prototest.Run(s, h, []byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			s, h2 := mk(f, c.pol, tRemote)()
			bytewise, err := prototest.ByteAtATime(s, h2, []byte(c.in))
			if err != nil || string(bytewise.Out) != string(whole.Out) {
				t.Fatalf("byte at a time: %v\n got %q\nwant %q", err, bytewise.Out, whole.Out)
			}
			if err := prototest.SameMessages(h2.Submitted, h.Submitted); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestConversationOutputs pins what the conversations above answer.
func TestConversationOutputs(t *testing.T) {
	want := map[string]string{
		"pipelined": ehloPlain[:len(ehloPlain)-len("250 8BITMIME\r\n")] + "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n" +
			lines("250 2.0.0 MAIL FROM accepted", "250 2.0.0 RCPT TO accepted", "550 5.7.1 relaying denied",
				"250 2.0.0 RCPT TO accepted", `354 continue.  finished with "\r\n.\r\n"`, "250 2.0.0 OK MSGID0001",
				"250 2.0.0 OK", "250 2.0.0 OK", "500 5.5.2 unrecognized command", "221 2.3.0 mx.test closing connection"),
		"bdat": "250-mx.test says EHLO to 192.0.2.7:40000\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n" +
			"250-CHUNKING\r\n250 AUTH PLAIN LOGIN\r\n" + lines("250 2.0.0 MAIL FROM accepted", "250 2.0.0 RCPT TO accepted",
			"250 2.0.0 12 octets received", "250 2.0.0 0 octets received", "250 2.0.0 OK MSGID0001", "503 5.5.1 DATA without MAIL FROM",
			"250 2.0.0 MAIL FROM accepted", "250 2.0.0 RCPT TO accepted", "250 2.0.0 OK MSGID0002", "221 2.3.0 mx.test closing connection"),
		"auth plain challenge": "250-mx.test says EHLO to 192.0.2.7:40000\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n" +
			"250-CHUNKING\r\n250 AUTH PLAIN LOGIN\r\n334 \r\n" + lines("235 2.7.0 Authentication successful", "503 5.5.1 already authenticated"),
		"auth login initial and cancel": "250-mx.test says EHLO to 192.0.2.7:40000\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n" +
			"250-CHUNKING\r\n250 AUTH PLAIN LOGIN\r\n334 UGFzc3dvcmQ6\r\n" + lines("501 5.7.0 authentication cancelled", "334 VXNlcm5hbWU6",
			"501 5.5.2 invalid base64", "504 5.5.4 unrecognized authentication mechanism"),
		"starttls": ehloPlain[:len(ehloPlain)-len("250 8BITMIME\r\n")] + "250-8BITMIME\r\n250 STARTTLS\r\n220 Ready to start TLS\r\n",
	}
	for _, c := range conversations(t) {
		got, h, res := run(t, c.pol, c.in)
		switch c.name {
		case "lockstep":
			if len(h.Submitted) != 2 || h.Submitted[1].Sender != "" ||
				strings.Join(h.Submitted[1].Recipients, ",") != "y@example.com,postmaster" ||
				string(h.Submitted[0].Data) != received("c.test", "ESMTP")+"From: a@b.org\r\nSubject: hi\r\n\r\nline one\r\n.dot\r\n" {
				t.Fatalf("lockstep messages %+v", h.Submitted)
			}
		case "bdat":
			if len(h.Submitted) != 2 || string(h.Submitted[0].Data) != received("c.test", "ESMTP")+"Subject: x\r\n\r\nbody\r\n.\r\n" ||
				string(h.Submitted[1].Data) != received("c.test", "ESMTP")+"ok" {
				t.Fatalf("bdat messages %q", h.Submitted)
			}
		case "auth plain":
			if !strings.Contains(got, "535 5.7.8 authentication credentials invalid\r\n235 2.7.0") || len(h.Submitted) != 1 ||
				!strings.HasPrefix(string(h.Submitted[0].Data), received("c.test", "ESMTPA")) {
				t.Fatalf("auth plain: %q %q", got, h.Submitted)
			}
		case "auth login":
			if !strings.Contains(got, "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n250 2.0.0 MAIL FROM accepted\r\n250 2.0.0 RCPT TO accepted") {
				t.Fatalf("auth login: %q", got)
			}
		case "starttls":
			if res.Actions[len(res.Actions)-1] != proto.StartTLS {
				t.Fatalf("starttls actions %v", res.Actions)
			}
		}
		if w, ok := want[c.name]; ok && got != w {
			t.Fatalf("%s:\n got %q\nwant %q", c.name, got, w)
		}
	}
}

// TestPipelinedRepliesLeaveTogether: one Feed of a pipelined group returns
// every reply, so the engine writes them at once.
func TestPipelinedRepliesLeaveTogether(t *testing.T) {
	s, _ := mk(testFactory(), policy(), tRemote)()
	s.Start(nil)
	in := []byte("EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nRCPT TO:<y@example.com>\r\nDATA\r\n")
	n, out, a := s.Feed(in, nil)
	if n != len(in) || a != proto.Continue || strings.Count(string(out), "\r\n") != 7 || !strings.HasSuffix(string(out), `\r\n.\r\n"`+"\r\n") {
		t.Fatalf("n=%d a=%v out=%q", n, a, out)
	}
}

// TestStartTLSFlow: STARTTLS, the engine's switch, then a fresh EHLO
// without STARTTLS, and ESMTPS in the trace header.
func TestStartTLSFlow(t *testing.T) {
	p := policy("smtp_extensions", []string{"STARTTLS", "ENHANCEDSTATUSCODES"}, "tls_certificate", "/c", "tls_key", "/k")
	s, h := mk(testFactory(), p, tRemote)()
	d := prototest.NewDriver(s, h)
	if err := d.Feed([]byte("EHLO c\r\nMAIL FROM:<a@b.org>\r\nSTARTTLS\r\nRSET\r\nSTARTTLS\r\n")); err != nil {
		t.Fatal(err)
	}
	res := d.Finish()
	if res.Actions[len(res.Actions)-1] != proto.StartTLS || !strings.HasSuffix(string(res.Out), "503 5.5.1 bad sequence of commands\r\n250 2.0.0 OK\r\n220 2.0.0 Ready to start TLS\r\n") {
		t.Fatalf("before switch: %q %v", res.Out, res.Actions)
	}
	s.(interface{ TLSStarted(*tls.ConnectionState) }).TLSStarted(&tls.ConnectionState{})
	before := len(res.Out)
	if err := d.Feed([]byte("MAIL FROM:<a@b.org>\r\nEHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nDATA\r\nhi\r\n.\r\n")); err != nil {
		t.Fatal(err)
	}
	res = d.Finish()
	got := string(res.Out[before:])
	want := "250 2.0.0 MAIL FROM accepted\r\n250-mx.test says EHLO to 192.0.2.7:40000\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n" +
		"503 5.5.1 TLS already active\r\n250 2.0.0 MAIL FROM accepted\r\n250 2.0.0 RCPT TO accepted\r\n354 continue.  finished with \"\\r\\n.\\r\\n\"\r\n250 2.0.0 OK MSGID0001\r\n"
	if !strings.HasPrefix(got, "250 2.0.0 MAIL FROM accepted") {
		t.Fatalf("MAIL after TLS without EHLO should work (Require_EHLO off): %q", got)
	}
	// The MAIL sent before EHLO is forgotten by EHLO; the second one is fresh.
	if got != want || string(h.Submitted[0].Data) != received("c", "ESMTPS")+"hi\r\n" {
		t.Fatalf("after switch:\n got %q\nwant %q\n%q", got, want, h.Submitted)
	}
}

func TestStartTLSInjection(t *testing.T) {
	tlsPol := func(pol string) *config.Policy {
		return policy("smtp_extensions", []string{"STARTTLS"}, "tls_certificate", "/c", "tls_key", "/k", "starttls_injection_policy", pol)
	}
	got, _, res := run(t, tlsPol("reject"), "EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil@x.org>\r\n")
	if !strings.HasSuffix(got, "554 commands pipelined after STARTTLS, closing connection\r\n") || !res.Closed {
		t.Fatalf("reject: %q closed=%v", got, res.Closed)
	}
	s, h := mk(testFactory(), tlsPol("ignore"), tRemote)()
	s.Start(nil)
	in := []byte("EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil@x.org>\r\n")
	n, out, a := s.Feed(in, nil)
	if n != len(in) || a != proto.StartTLS || !strings.HasSuffix(string(out), "220 Ready to start TLS\r\n") {
		t.Fatalf("ignore: n=%d a=%v %q", n, a, out)
	}
	_ = h
	// Plaintext fed before TLSStarted is an engine error: the session closes.
	if _, _, a := s.Feed([]byte("NOOP\r\n"), nil); a != proto.Close {
		t.Fatalf("feed while waiting for TLS: %v", a)
	}
}
