package handoff

import (
	"context"
	"fmt"
	ht "sluice/handoff/handofftest"
	"strings"
	"testing"
	"time"

	"sluice/spool"
)

func sinkTarget(addr string, lmtp bool) TargetSpec {
	return TargetSpec{Name: "smtp://" + addr, Connections: 4,
		Target: NewSMTP(SMTPOptions{LMTP: lmtp, Network: "tcp", Addr: addr, HeloName: "sluice.test", MaxIdle: 4, Timeout: 10 * time.Second})}
}

// Messages go to smtp-sink over pooled, pipelined SMTP (and LMTP) sessions,
// arrive byte for byte, and are acked.
func TestSMTPTargetToSmtpSink(t *testing.T) {
	for _, lmtp := range []bool{false, true} {
		t.Run(fmt.Sprint("lmtp=", lmtp), func(t *testing.T) {
			sk := ht.StartSink(t, lmtp)
			st, c := testSpool(t, t.TempDir())
			defer st.Close()
			defer c.Close()
			var bodies []string
			for i := 0; i < 200; i++ {
				b := msg(i) + ".leading dot line\r\n..two\r\n"
				bodies = append(bodies, b)
				put(t, st, "s@example.com", []string{"a@example.org", "b@example.org"}, b)
			}
			tg := sinkTarget(sk.Addr, lmtp)
			d := start(t, st, c, Options{}, tg)
			eventually(t, "empty spool", func() bool { return st.Len() == 0 })
			if s := d.Status().Targets[0]; s.Open < 1 || s.Open > 4 {
				t.Errorf("open sessions %d, want 1..4 pooled", s.Open)
			}
			d.Close(context.Background())
			if n := tg.Target.(*SMTP).OpenSessions(); n != 0 {
				t.Errorf("%d sessions open after Close", n)
			}
			dumps := sk.Dumps(t)
			if len(dumps) != len(bodies) {
				t.Fatalf("%d transactions at the sink, want %d", len(dumps), len(bodies))
			}
			for _, b := range bodies {
				if !ht.Holds(dumps, b) {
					t.Fatalf("body %q not at the sink byte for byte", b)
				}
			}
			if n := tg.Target.(*SMTP).Dials(); n > 8 {
				t.Errorf("%d connections for 200 messages: sessions are not reused", n)
			}
		})
	}
}

// The sink answers 4xx to RCPT for a while (deferred, retried), then is
// restarted accepting: everything arrives, nothing is bounced.
func TestSMTPTargetTemporaryFailureThenRecovery(t *testing.T) {
	sk := ht.StartSink(t, false, "-r", "RCPT")
	st, c := testSpool(t, t.TempDir())
	defer st.Close()
	defer c.Close()
	for i := 0; i < 20; i++ {
		put(t, st, "s@example.com", []string{"a@example.org"}, msg(i))
	}
	d := start(t, st, c, Options{RetryInterval: 50 * time.Millisecond, MaxRetryInterval: 200 * time.Millisecond}, sinkTarget(sk.Addr, false))
	defer d.Close(context.Background())
	eventually(t, "deferrals", func() bool { return d.Status().Targets[0].Deferred >= 20 })
	if st.Len() != 20 || len(sk.Dumps(t)) != 0 {
		t.Fatalf("spool %d, sink %d during 4xx", st.Len(), len(sk.Dumps(t)))
	}
	sk.Restart(t, false)
	eventually(t, "delivery after recovery", func() bool { return st.Len() == 0 })
	if n := len(sk.Dumps(t)); n != 20 {
		t.Fatalf("%d at the sink, want 20", n)
	}
	if s := d.Status().Targets[0]; s.Bounced != 0 || s.Delivered != 20 {
		t.Fatalf("counters %+v", s)
	}
}

// A downstream that is killed and comes back: the circuit opens, mail
// waits in the spool, then flows again; nothing is lost.
func TestSMTPTargetDownstreamKilledAndRestarted(t *testing.T) {
	sk := ht.StartSink(t, false)
	st, c := testSpool(t, t.TempDir())
	defer st.Close()
	defer c.Close()
	d := start(t, st, c, Options{RetryInterval: 50 * time.Millisecond, MaxRetryInterval: 200 * time.Millisecond}, sinkTarget(sk.Addr, false))
	defer d.Close(context.Background())
	for i := 0; i < 50; i++ {
		put(t, st, "s@example.com", []string{"a@example.org"}, msg(i))
	}
	eventually(t, "first half", func() bool { return st.Len() == 0 })
	sk.Stop()
	for i := 50; i < 100; i++ {
		put(t, st, "s@example.com", []string{"a@example.org"}, msg(i))
	}
	eventually(t, "target down", func() bool { return d.Status().Targets[0].State == "down" })
	sk.Restart(t, false)
	eventually(t, "second half after restart", func() bool { return st.Len() == 0 })
	dumps := sk.Dumps(t)
	for i := 0; i < 100; i++ {
		if !ht.Holds(dumps, msg(i)) {
			t.Fatalf("message %d lost", i)
		}
	}
}

// Real Postfix downstream over STARTTLS: every message lands in its queue
// byte for byte behind Postfix's Received line; one recipient gets a 550
// from Postfix, so its sender gets a DSN (delivered to Postfix too) and the
// original is dead-lettered.
func TestSMTPTargetToPostfix(t *testing.T) {
	pf := ht.StartPostfix(t, "bad@local.test 550 5.1.1 no such user")
	dir := t.TempDir()
	st, c := testSpool(t, dir)
	defer st.Close()
	defer c.Close()
	const n = 100
	for i := 0; i < n; i++ {
		rcpts := []string{"a@local.test"}
		if i == 7 {
			rcpts = append(rcpts, "bad@local.test")
		}
		put(t, st, "sender@local.test", rcpts, msg(i))
	}
	tg := TargetSpec{Name: "smtp://" + pf.Addr, Connections: 4, Target: NewSMTP(SMTPOptions{Network: "tcp", Addr: pf.Addr,
		HeloName: "sluice.test", MaxIdle: 4, TLS: "opportunistic", Timeout: 20 * time.Second})}
	d := start(t, st, c, Options{Hostname: "sluice.test"}, tg)
	defer d.Close(context.Background())
	ht.WaitFor(t, "spool empty", 60*time.Second, func() bool { return st.Len() == 0 })
	ht.WaitFor(t, "postfix queue", 30*time.Second, func() bool { return len(pf.Queued(t)) == n+1 })
	var all strings.Builder
	for _, c := range pf.Contents(t) {
		all.WriteString(c)
	}
	for i := 0; i < n; i++ {
		if !ht.ContainsLF(all.String(), msg(i)) {
			t.Logf("queue sample:\n%q", ht.Tail(all.String(), 600))
			t.Fatalf("message %d not in Postfix's queue byte for byte", i)
		}
	}
	if !strings.Contains(all.String(), "Final-Recipient: rfc822; bad@local.test") {
		t.Fatal("no DSN for bad@local.test in Postfix's queue")
	}
	if dead, _ := spool.ListDead(dir); len(dead) != 1 {
		t.Fatalf("dead letters %v", dead)
	}
	if s := d.Status().Targets[0]; s.Delivered != n+1 || s.Bounced != 1 {
		t.Errorf("counters %+v", s)
	}
	if !strings.Contains(pf.Log(), "TLS connection established from localhost") {
		t.Error("no STARTTLS session in Postfix's log")
	}
	d.Close(context.Background()) // sessions QUIT: Postfix logs their command counts
	ht.WaitFor(t, "BDAT in Postfix's log (it offers CHUNKING: one write per message)", 10*time.Second,
		func() bool { return strings.Contains(pf.Log(), " bdat=") })
}

// Postfix answers 4xx for one recipient for a while (the other is
// delivered once, the message deferred and retried for that recipient
// only), then 5xx: that recipient bounces, the sender gets a DSN through
// the same hand-off, the original goes to the dead-letter area.
func TestSMTPTargetFourThenFive(t *testing.T) {
	pf := ht.StartPostfix(t, "bob@local.test 450 4.2.0 mailbox busy")
	dir := t.TempDir()
	st, c := testSpool(t, dir)
	defer st.Close()
	defer c.Close()
	const n = 10
	for i := 0; i < n; i++ {
		put(t, st, "sender@local.test", []string{"alice@local.test", "bob@local.test"}, msg(i))
	}
	tg := TargetSpec{Name: "smtp://" + pf.Addr, Connections: 2, Target: NewSMTP(SMTPOptions{Network: "tcp", Addr: pf.Addr,
		HeloName: "sluice.test", MaxIdle: 2, TLS: "off", Timeout: 20 * time.Second, IdleTime: 100 * time.Millisecond})}
	d := start(t, st, c, Options{Hostname: "sluice.test", RetryInterval: 100 * time.Millisecond, MaxRetryInterval: 300 * time.Millisecond}, tg)
	defer d.Close(context.Background())
	ht.WaitFor(t, "deferrals of bob", 30*time.Second, func() bool { return d.Status().Targets[0].Deferred >= 2*n })
	if st.Len() != n {
		t.Fatalf("%d records in the spool while bob is deferred, want %d", st.Len(), n)
	}
	pf.SetAccess(t, "bob@local.test 550 5.1.1 no such user")
	ht.WaitFor(t, "spool empty", 60*time.Second, func() bool { return st.Len() == 0 })
	ht.WaitFor(t, "postfix queue", 30*time.Second, func() bool { return len(pf.Queued(t)) == 2*n })
	alice, dsns := 0, 0
	for _, m := range pf.Contents(t) {
		switch {
		case strings.Contains(m, "Final-Recipient: rfc822; bob@local.test") && strings.Contains(m, "Status: 5.1.1"):
			dsns++
		case strings.Contains(m, "Subject: test"):
			alice++
		}
	}
	if alice != n || dsns != n {
		t.Fatalf("postfix holds %d originals (want %d, alice once each) and %d DSNs for bob (want %d)", alice, n, dsns, n)
	}
	if dead, _ := spool.ListDead(dir); len(dead) != n {
		t.Fatalf("%d dead letters, want %d", len(dead), n)
	}
	s := d.Status().Targets[0]
	if s.Delivered != 2*n || s.Bounced != n {
		t.Fatalf("counters %+v: want %d delivered (alice and the DSNs), %d bounced", s, 2*n, n)
	}
}
