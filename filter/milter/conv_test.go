package milter_test

import (
	"strings"
	"testing"

	gm "github.com/d--j/go-milter"

	"sluice/filter/milter"
	"sluice/filter/milter/miltertest"
)

// TestConvSession: one connection serves a session's transactions; a
// recipient the milter refuses is refused alone; a transaction ended
// without a message is aborted before the next MAIL.
func TestConvSession(t *testing.T) {
	srv := miltertest.Start(t, miltertest.Behaviour{Rcpt: func(r string) *gm.Response {
		if strings.HasPrefix(r, "bad@") {
			resp, _ := gm.RejectWithCodeAndReason(550, "5.1.1 no such user")
			return resp
		}
		return nil
	}})
	cv := client(t, srv.Service, "").NewConv()
	defer cv.Close()
	e := env()
	e.Recipients = nil
	for _, r := range []string{"ok@example.com", "bad@example.com", "ok2@example.com"} {
		v := cv.Rcpt(e, r)
		bad := strings.HasPrefix(r, "bad@")
		if bad != (v.Kind == milter.Reject) || (bad && v.Reply != "550 5.1.1 no such user") || v.Err != nil {
			t.Fatalf("%s: %+v", r, v)
		}
	}
	e.Recipients = []string{"ok@example.com", "ok2@example.com"}
	if v := cv.Message(e, []byte(msg), len(trace)); v.Kind != milter.Continue || v.Err != nil {
		t.Fatalf("message 1: %+v", v)
	}
	cv.Rcpt(e, "ok@example.com") // a second transaction, then RSET
	cv.EndTx()
	e.Recipients = []string{"ok2@example.com"}
	cv.Rcpt(e, "ok2@example.com")
	if v := cv.Message(e, []byte(msg), len(trace)); v.Kind != milter.Continue || v.Err != nil {
		t.Fatalf("message 2: %+v", v)
	}
	seen := srv.Seen() // the milter answered message 2, so it has read the ABORT before it

	// Two aborts: go-milter's server makes one itself when MAIL follows the
	// first message; the second is the ABORT sluice sent after EndTx (without
	// it the client could not send MAIL and message 2 would fail).
	if srv.Conns() != 1 || srv.Aborts() != 2 || len(seen) != 2 {
		t.Fatalf("conns %d aborts %d messages %d", srv.Conns(), srv.Aborts(), len(seen))
	}
	if got := strings.Join(seen[1].Rcpts, ","); got != "ok2@example.com" {
		t.Fatalf("second message's recipients %q", got)
	}
}

// TestConvReconnects: after the milter connection breaks, the next
// message reconnects and replays the envelope.
func TestConvReconnects(t *testing.T) {
	srv := miltertest.Start(t, miltertest.Behaviour{})
	c := client(t, srv.Service, "")
	cv := c.NewConv()
	defer cv.Close()
	e := env()
	cv.Rcpt(e, e.Recipients[0])
	srv.Stop()
	if v := cv.Rcpt(e, e.Recipients[1]); v.Err == nil || v.Kind != milter.Tempfail {
		t.Fatalf("broken milter: %+v", v)
	}
	srv2 := miltertest.Start(t, miltertest.Behaviour{})
	cv2 := client(t, srv2.Service, "").NewConv()
	defer cv2.Close()
	if v := cv2.Message(e, []byte(msg), len(trace)); v.Err != nil || v.Kind != milter.Continue {
		t.Fatalf("%+v", v)
	}
	if s := srv2.Seen(); len(s) != 1 || len(s[0].Rcpts) != 2 {
		t.Fatalf("replay: %+v", s)
	}
}
