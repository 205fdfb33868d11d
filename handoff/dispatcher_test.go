package handoff

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/spool"
)

// Every record reaches the Maildir byte for byte, is acked, and the spool's
// segments are reclaimed while running.
func TestMaildirDeliversAcksAndReclaims(t *testing.T) {
	dir := t.TempDir()
	st, c := testSpool(t, filepath.Join(dir, "spool"))
	defer st.Close()
	defer c.Close()
	md, err := NewMaildir(filepath.Join(dir, "mail"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := 0; i < 100; i++ { // some before the dispatcher starts, the rest after
		want[put(t, st, "s@example.com", []string{"r@example.org"}, msg(i)).String()] = msg(i)
	}
	d := start(t, st, c, Options{}, TargetSpec{Name: "maildir", Target: md, Connections: 4})
	for i := 100; i < 500; i++ {
		want[put(t, st, "s@example.com", []string{"r@example.org"}, msg(i)).String()] = msg(i)
	}
	eventually(t, "empty spool", func() bool { return st.Len() == 0 })
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "mail", "new"))
	if len(ents) != len(want) {
		t.Fatalf("%d files in new/, want %d", len(ents), len(want))
	}
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, "mail", "new", e.Name()))
		id := strings.Split(e.Name(), ".")[1]
		if want[id] != string(b) {
			t.Fatalf("%s: %q, want %q", e.Name(), b, want[id])
		}
	}
	if s := st.Stats(); s.Segments > 4 {
		t.Errorf("%d segments still open after everything was acked", s.Segments)
	}
	if s := d.Status(); len(s.Targets) != 0 && s.Targets[0].Delivered != 500 {
		t.Errorf("status after close: %+v", s)
	}
}

// 4xx for one recipient: the other is delivered once, the deferred one is
// retried with back-off until it is taken; then the record is acked.
func TestTemporaryFailureRetriesOnlyPendingRecipients(t *testing.T) {
	st, c := testSpool(t, t.TempDir())
	defer st.Close()
	defer c.Close()
	f := &fake{answer: func(m *Message, r string, try int) Status {
		if r == "b@x" && try < 3 {
			return Status{Code: 452, Enhanced: "4.2.2", Text: "mailbox full"}
		}
		return Delivered
	}}
	put(t, st, "s@x", []string{"a@x", "b@x"}, msg(1))
	d := start(t, st, c, Options{RetryInterval: 20 * time.Millisecond}, TargetSpec{Name: "fake", Target: f})
	defer d.Close(context.Background())
	eventually(t, "ack", func() bool { return st.Len() == 0 })
	got := f.delivered()
	if len(got) != 2 || got[0].Recipients[0] != "a@x" || got[1].Recipients[0] != "b@x" || f.tries["a@x"] != 1 || f.tries["b@x"] != 3 {
		t.Fatalf("deliveries %+v tries %v", got, f.tries)
	}
	s := d.Status().Targets[0]
	if s.Delivered != 2 || s.Deferred != 2 || s.Bounced != 0 {
		t.Fatalf("counters %+v", s)
	}
}

// 5xx for one recipient: the others are delivered, the sender gets a DSN
// (handed off like any message, with the null sender), the original goes
// to the dead-letter area; a null-sender message gets no DSN.
func TestPermanentFailureDSNAndDeadLetter(t *testing.T) {
	dir := t.TempDir()
	st, c := testSpool(t, dir)
	defer st.Close()
	defer c.Close()
	f := &fake{answer: func(m *Message, r string, try int) Status {
		if r == "nobody@x" {
			return Status{Code: 550, Enhanced: "5.1.1", Text: "no such user"}
		}
		return Delivered
	}}
	id := put(t, st, "sender@x", []string{"a@x", "nobody@x"}, msg(1))
	nullID := put(t, st, "", []string{"nobody@x"}, msg(2))
	d := start(t, st, c, Options{Hostname: "mx.test"}, TargetSpec{Name: "fake", Target: f})
	defer d.Close(context.Background())
	eventually(t, "DSN delivered and spool empty", func() bool { return st.Len() == 0 && len(f.delivered()) == 2 })
	got := f.delivered()
	var dsn *Message
	for i := range got {
		if got[i].Recipients[0] == "sender@x" {
			dsn = &got[i]
		}
	}
	if dsn == nil || dsn.Sender != "" {
		t.Fatalf("no DSN to the sender with the null sender: %+v", got)
	}
	body := string(dsn.Data)
	for _, want := range []string{"multipart/report; report-type=delivery-status", "Final-Recipient: rfc822; nobody@x",
		"Status: 5.1.1", "Action: failed", "Diagnostic-Code: smtp; 550 5.1.1 no such user", "Subject: test 1", "Reporting-MTA: dns; mx.test"} {
		if !strings.Contains(body, want) {
			t.Errorf("DSN lacks %q:\n%s", want, body)
		}
	}
	dead, _ := spool.ListDead(dir)
	if len(dead) != 2 || dead[0] != id || dead[1] != nullID {
		t.Fatalf("dead letters %v, want %v %v", dead, id, nullID)
	}
	dl, err := spool.ReadDead(dir, id)
	if err != nil || !strings.Contains(dl.Reason, "<nobody@x>: 550 5.1.1 no such user") {
		t.Fatalf("dead letter %+v %v", dl, err)
	}
}

// The retry schedule and per-recipient progress survive a restart.
func TestRetryStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	st, c := testSpool(t, dir)
	f := &fake{answer: func(m *Message, r string, try int) Status {
		if r == "b@x" {
			return Status{Code: 451, Text: "later"}
		}
		return Delivered
	}}
	put(t, st, "s@x", []string{"a@x", "b@x"}, msg(1))
	d := start(t, st, c, Options{RetryInterval: time.Hour}, TargetSpec{Name: "fake", Target: f})
	eventually(t, "first attempt", func() bool { return d.Status().Waiting == 1 })
	d.Close(context.Background())
	c.Close()
	st.Close()

	st, c = testSpool(t, dir)
	defer st.Close()
	defer c.Close()
	f2 := &fake{}
	d = start(t, st, c, Options{RetryInterval: time.Hour}, TargetSpec{Name: "fake", Target: f2})
	defer d.Close(context.Background())
	time.Sleep(100 * time.Millisecond)
	if s := d.Status(); s.Waiting != 1 || f2.calls != 0 {
		t.Fatalf("retried before its time after restart: %+v, calls %d", s, f2.calls)
	}
	if n := d.Flush(); n != 1 {
		t.Fatalf("flush woke %d", n)
	}
	eventually(t, "ack after flush", func() bool { return st.Len() == 0 })
	if got := f2.delivered(); len(got) != 1 || got[0].Recipients[0] != "b@x" {
		t.Fatalf("after restart delivered %+v, want only b@x", got)
	}
}

// A target that fails at the connection level is taken out of rotation;
// traffic moves to the other target. Pause and Resume work by name.
func TestCircuitBreakerAndPause(t *testing.T) {
	st, c := testSpool(t, t.TempDir())
	defer st.Close()
	defer c.Close()
	bad := &fake{fail: func(int) error { return errors.New("connection refused") }}
	good := &fake{}
	d := start(t, st, c, Options{RetryInterval: 10 * time.Millisecond},
		TargetSpec{Name: "bad", Target: bad, Weight: 5}, TargetSpec{Name: "good", Target: good})
	defer d.Close(context.Background())
	if err := d.Pause("good"); err != nil {
		t.Fatal(err)
	}
	if err := d.Pause("nope"); err == nil {
		t.Fatal("pause of an unknown target accepted")
	}
	for i := 0; i < 20; i++ {
		put(t, st, "s@x", []string{"r@x"}, msg(i))
	}
	eventually(t, "bad target down", func() bool { return d.Status().Targets[0].State == "down" })
	if len(good.delivered()) != 0 {
		t.Fatal("paused target got mail")
	}
	d.Resume("good")
	eventually(t, "all delivered by the good target", func() bool { return st.Len() == 0 })
	if n := len(good.delivered()); n != 20 {
		t.Fatalf("good target got %d", n)
	}
	if bad.calls > 10 {
		t.Errorf("open circuit still got %d calls", bad.calls)
	}
}

// Reconfigure swaps targets without losing a record.
func TestReconfigureSwapsTargets(t *testing.T) {
	st, c := testSpool(t, t.TempDir())
	defer st.Close()
	defer c.Close()
	a, b := &fake{}, &fake{}
	d := start(t, st, c, Options{}, TargetSpec{Name: "a", Target: a})
	defer d.Close(context.Background())
	for i := 0; i < 50; i++ {
		put(t, st, "s@x", []string{"r@x"}, msg(i))
		if i == 25 {
			d.Reconfigure(Options{Targets: []TargetSpec{{Name: "b", Target: b}}})
		}
	}
	eventually(t, "all delivered", func() bool { return st.Len() == 0 })
	if na, nb := len(a.delivered()), len(b.delivered()); na+nb < 50 || nb == 0 {
		t.Fatalf("a %d b %d", na, nb)
	}
	eventually(t, "old target closed", func() bool { a.mu.Lock(); defer a.mu.Unlock(); return a.closed })
}
