package smtp

import (
	"strings"
	"testing"
	"time"

	gm "github.com/d--j/go-milter"

	"sluice/filter/milter/miltertest"
	"sluice/proto/prototest"
)

const milterConv = "EHLO c.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n" +
	"DATA\r\nFrom: s@example.org\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n"

func TestMilterEdits(t *testing.T) {
	srv := miltertest.Start(t, miltertest.Behaviour{EOM: func(_ *miltertest.Seen, m gm.Modifier) (*gm.Response, error) {
		m.AddHeader("X-Spam-Status", "No, score=0.1")
		m.InsertHeader(0, "DKIM-Signature", "v=1; b=x")
		m.ChangeFrom("<bounce@example.org>", "")
		m.DeleteRecipient("<b@example.com>")
		m.AddRecipient("<c@example.com>", "")
		return gm.RespAccept, nil
	}})
	p := policy("milter", []string{srv.Service}, "milter_timeout", 2*time.Second)
	out, h, _ := run(t, p, milterConv)
	if len(h.Submitted) != 1 {
		t.Fatalf("%s", out)
	}
	m := h.Submitted[0]
	want := received("c.test", "ESMTP") + "DKIM-Signature: v=1; b=x\r\nFrom: s@example.org\r\nSubject: x\r\nX-Spam-Status: No, score=0.1\r\n\r\nbody\r\n"
	if string(m.Data) != want || m.Sender != "bounce@example.org" || strings.Join(m.Recipients, ",") != "a@example.com,c@example.com" {
		t.Fatalf("got %q %q %q", m.Data, m.Sender, m.Recipients)
	}
	if !strings.Contains(out, "250 OK MSGID0001\r\n") {
		t.Fatalf("no 250 after the commit: %s", out)
	}
	seen := srv.Seen()[0]
	if _, ok := seen.Header("Received"); ok {
		t.Fatal("the milter saw sluice's own Received header")
	}
}

func TestMilterRefusals(t *testing.T) {
	gtube, _ := gm.RejectWithCodeAndReason(554, "5.7.1 Gtube pattern")
	for _, tc := range []struct {
		resp *gm.Response
		want string
		n    int
	}{
		{gtube, "554 Gtube pattern\r\n", 0},
		{gm.RespTempFail, "451 Service unavailable - try again later\r\n", 0},
		{gm.RespDiscard, "250 OK discarded\r\n", 0},
	} {
		srv := miltertest.Start(t, miltertest.Behaviour{EOM: func(*miltertest.Seen, gm.Modifier) (*gm.Response, error) { return tc.resp, nil }})
		out, h, _ := run(t, policy("milter", []string{srv.Service}), milterConv)
		if !strings.Contains(out, tc.want) || len(h.Submitted) != tc.n {
			t.Errorf("%v: %s", tc.resp, out)
		}
	}
	srv := miltertest.Start(t, miltertest.Behaviour{EOM: func(_ *miltertest.Seen, m gm.Modifier) (*gm.Response, error) {
		m.Quarantine("looks odd")
		return gm.RespAccept, nil
	}})
	_, h, _ := run(t, policy("milter", []string{srv.Service}), milterConv)
	if len(h.Submitted) != 1 || !strings.HasPrefix(string(h.Submitted[0].Data), "X-Sluice-Quarantine: looks odd (milter "+srv.Service+")\r\n") {
		t.Fatalf("quarantine: %+v", h.Submitted)
	}
}

// TestMilterChain: two milters run in order, the second sees the first's
// edits; a dead one gets Milter_Default_Action.
func TestMilterChain(t *testing.T) {
	first := miltertest.Start(t, miltertest.Behaviour{EOM: func(_ *miltertest.Seen, m gm.Modifier) (*gm.Response, error) {
		m.AddHeader("X-First", "1")
		return gm.RespAccept, nil
	}})
	second := miltertest.Start(t, miltertest.Behaviour{})
	_, h, _ := run(t, policy("milter", []string{first.Service, second.Service}), milterConv)
	if len(h.Submitted) != 1 || !strings.Contains(string(h.Submitted[0].Data), "X-First: 1\r\n") {
		t.Fatalf("%+v", h.Submitted)
	}
	if v, ok := second.Seen()[0].Header("X-First"); !ok || v != "1" {
		t.Fatal("the second milter did not see the first one's header")
	}
	second.Stop()
	out, h, _ := run(t, policy("milter", []string{first.Service, second.Service}, "milter_connect_timeout", time.Second), milterConv)
	if !strings.Contains(out, "451 Service unavailable - try again later\r\n") || len(h.Submitted) != 0 {
		t.Fatalf("tempfail default: %s", out)
	}
	out, h, _ = run(t, policy("milter", []string{second.Service}, "milter_default_action", "accept"), milterConv)
	if len(h.Submitted) != 1 {
		t.Fatalf("accept default: %s", out)
	}
}

func TestMilterSplitEvery(t *testing.T) {
	srv := miltertest.Start(t, miltertest.Behaviour{EOM: func(_ *miltertest.Seen, m gm.Modifier) (*gm.Response, error) {
		m.AddHeader("X-Scanned", "yes")
		return gm.RespAccept, nil
	}})
	p := policy("milter", []string{srv.Service})
	if err := prototest.SplitEvery(mk(testFactory(), p, tRemote), []byte(milterConv)); err != nil {
		t.Fatal(err)
	}
}

// TestMilterPerRecipient: a milter refusing one RCPT refuses that one only,
// as under Postfix; two messages of one session share one milter
// connection; RSET aborts the milter's transaction.
func TestMilterPerRecipient(t *testing.T) {
	srv := miltertest.Start(t, miltertest.Behaviour{Rcpt: func(r string) *gm.Response {
		if strings.HasPrefix(r, "bad@") {
			resp, _ := gm.RejectWithCodeAndReason(550, "5.1.1 no such mailbox")
			return resp
		}
		return nil
	}})
	p := policy("milter", []string{srv.Service}, "smtp_extensions", []string{"ENHANCEDSTATUSCODES"})
	in := "EHLO c.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<bad@example.com>\r\nRCPT TO:<a@example.com>\r\n" +
		"DATA\r\nSubject: 1\r\n\r\none\r\n.\r\n" +
		"MAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nRSET\r\n" +
		"MAIL FROM:<s@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nSubject: 2\r\n\r\ntwo\r\n.\r\nQUIT\r\n"
	out, h, _ := run(t, p, in)
	if !strings.Contains(out, "550 5.1.1 no such mailbox\r\n") {
		t.Fatalf("no per-recipient refusal:\n%s", out)
	}
	if len(h.Submitted) != 2 || strings.Join(h.Submitted[0].Recipients, ",") != "a@example.com" ||
		strings.Join(h.Submitted[1].Recipients, ",") != "b@example.com" {
		t.Fatalf("%s\n%+v", out, h.Submitted)
	}
	if srv.Conns() != 1 || len(srv.Seen()) != 2 {
		t.Fatalf("milter connections %d, messages %d: want 1 and 2", srv.Conns(), len(srv.Seen()))
	}
}
