package handoff

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ht "sluice/handoff/handofftest"
)

// Dovecot's LMTP server: per-recipient replies after DATA; a known user
// gets the message byte for byte (behind Dovecot's Return-Path, Delivered-To
// and Received lines), an unknown one bounces with a DSN.
func TestLMTPTargetToDovecot(t *testing.T) {
	addr, mail := ht.StartDovecot(t, "alice", "bob", "sender")
	dir := t.TempDir()
	st, c := testSpool(t, dir)
	defer st.Close()
	defer c.Close()
	const n = 50
	for i := 0; i < n; i++ {
		rcpts := []string{"alice@local.test", "bob@local.test"}
		if i == 3 {
			rcpts = append(rcpts, "nobody-here@local.test")
		}
		put(t, st, "sender@local.test", rcpts, msg(i))
	}
	tg := TargetSpec{Name: "lmtp://" + addr, Connections: 2, Target: NewSMTP(SMTPOptions{LMTP: true, Network: "tcp", Addr: addr,
		HeloName: "sluice.test", MaxIdle: 2, Timeout: 20 * time.Second})}
	d := start(t, st, c, Options{Hostname: "sluice.test"}, tg)
	defer d.Close(context.Background())
	ht.WaitFor(t, "spool empty", 60*time.Second, func() bool { return st.Len() == 0 })
	for _, u := range []string{"alice", "bob"} {
		got := ht.ReadDir(t, filepath.Join(mail, u, "new"))
		if len(got) != n {
			t.Fatalf("%s has %d messages, want %d", u, len(got), n)
		}
		for i := 0; i < n; i++ {
			if !ht.HasBody(got, msg(i)) {
				t.Fatalf("%s: message %d not byte for byte", u, i)
			}
		}
	}
	dsn := ht.ReadDir(t, filepath.Join(mail, "sender", "new"))
	if len(dsn) != 1 || !strings.Contains(dsn[0], "Final-Recipient: rfc822; nobody-here@local.test") || !strings.Contains(dsn[0], "Status: 5.1.1") {
		t.Fatalf("DSN to the sender: %q", dsn)
	}
	if s := d.Status().Targets[0]; s.Delivered != 2*n+1 || s.Bounced != 1 {
		t.Errorf("counters %+v", s)
	}
}
