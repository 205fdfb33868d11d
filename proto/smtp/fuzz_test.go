package smtp

import (
	"bytes"
	"strings"
	"testing"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/prototest"
)

// fuzzPolicies: every feature on, with small limits so fuzzing reaches them.
func fuzzPolicies(pw string) (split, tlsOn *config.Policy) {
	kv := []any{"smtp_extensions", []string{"ENHANCEDSTATUSCODES", "CHUNKING", "SMTPUTF8", "AUTH PLAIN LOGIN"},
		"authplainparameters", map[string]string{"uri": "file://" + pw},
		"authloginparameters", map[string]string{"uri": "file://" + pw},
		"max_message_size", 300, "max_recipients_per_message", 3, "max_recipients_per_connection", 6,
		"max_receptions_per_connection", 4, "rfc2822_max_line_length", "40", "rfc2822_max_line_length_policy", "fix",
		"rfc2822_lone_lf_in_body", "fix"}
	split = policy(kv...)
	tlsOn = policy(append(kv, "smtp_extensions", []string{"STARTTLS", "CHUNKING"}, "tls_certificate", "/c", "tls_key", "/k",
		"require_ehlo", true)...)
	return split, tlsOn
}

// FuzzSession runs random client transcripts. The session must not panic,
// must keep less than proto.MaxUnconsumed unconsumed (the driver checks),
// must answer the same whatever the read boundaries (no pipelined command
// lost), and must submit only whole messages.
func FuzzSession(f *testing.F) {
	for _, c := range conversations(f) {
		f.Add([]byte(c.in), uint16(7))
	}
	f.Add([]byte(envelope+"a\r\n\n.\nMAIL FROM:<evil@x>\r\n.\r\nQUIT\r\n"), uint16(30))
	f.Add([]byte("EHLO x\r\nMAIL FROM:<a@b.org> SIZE=99999\r\nBDAT 400 LAST\r\n"+strings.Repeat("x", 400)), uint16(100))
	pw := passwd(f, "alice:s3cret\n")
	pSplit, pTLS := fuzzPolicies(pw)
	fac := testFactory()
	f.Fuzz(func(t *testing.T, in []byte, cut uint16) {
		s, h := mk(fac, pSplit, tRemote)()
		whole, err := prototest.Run(s, h, in)
		if err != nil {
			t.Fatal(err)
		}
		checkMessages(t, in, h.Submitted)
		i := int(cut) % (len(in) + 1)
		s2, h2 := mk(fac, pSplit, tRemote)()
		split, err := prototest.Run(s2, h2, in[:i], in[i:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(split.Out, whole.Out) {
			t.Fatalf("split at %d changes output:\n got %q\nwant %q", i, split.Out, whole.Out)
		}
		if err := prototest.SameMessages(h2.Submitted, h.Submitted); err != nil {
			t.Fatal(err)
		}
		s3, h3 := mk(fac, pTLS, tRemote)()
		if _, err := prototest.Run(s3, h3, in[:i], in[i:]); err != nil {
			t.Fatal(err)
		}
		checkMessages(t, in, h3.Submitted)
	})
}

// checkMessages: no more messages than end marks, each with its trace
// header, an envelope, and within the size limit.
func checkMessages(t *testing.T, in []byte, msgs []proto.Message) {
	ends := bytes.Count(in, []byte("\r\n.\r\n")) + bytes.Count(bytes.ToUpper(in), []byte(" LAST\r\n"))
	if len(msgs) > ends {
		t.Fatalf("%d messages from %d end marks", len(msgs), ends)
	}
	for _, m := range msgs {
		if !bytes.HasPrefix(m.Data, []byte("Received: from ")) || len(m.Recipients) == 0 || m.Protocol != "esmtp" {
			t.Fatalf("bad message %+v", m)
		}
		_, body, _ := bytes.Cut(m.Data, []byte("+0000\r\n"))
		if len(body) > 300 {
			t.Fatalf("message of %d bytes passed a 300 byte limit", len(body))
		}
	}
}
