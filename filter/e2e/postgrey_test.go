package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluice/internal/extbin"
	"sluice/internal/testport"
)

// TestPostgrey: postgrey as the policy service. The first attempt gets a
// 450 with postgrey's text, a retry after the (2 s) delay is accepted and
// spooled with postgrey's X-Greylist header; after postgrey is killed the
// default action applies (451 fail-closed by default, accepted on a Listen
// set to DUNNO) and sluice keeps serving.
func TestPostgrey(t *testing.T) {
	bin := extbin.Need(t, "postgrey", "postgrey")
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) { postgrey(t, bin, backend) })
	}
}

func postgrey(t *testing.T, bin, backend string) {
	dir := t.TempDir()
	db := filepath.Join(dir, "pg")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	pgAddr := "127.0.0.1:" + strconv.Itoa(testport.Free(t))
	pg := start(t, dir, "postgrey", bin, "--inet="+pgAddr, "--dbdir="+db, "--delay=2",
		"--pidfile="+filepath.Join(db, "pid"), "--user=root", "--group=root")
	waitPort(t, pg, pgAddr, 30*time.Second)

	svc := "inet:" + pgAddr
	addr, sp, _ := sluice(t, backend, opts("policy_service", svc, "policy_timeout", 5*time.Second))
	open, openSp, _ := sluice(t, backend, opts("policy_service", svc, "policy_default_action", "DUNNO"))
	from := "sender-" + backend + "@example.org"
	rcpt := []string{"user@local.test"}
	body := "Subject: greylist " + backend + "\r\n\r\nhello\r\n"

	r := sendMail(t, addr, from, rcpt, body)
	if r.code != 450 || !contains(r.msg, "<user@local.test>: Recipient address rejected: Greylisted", "postgrey") {
		t.Fatalf("first attempt: %d %q, want 450 Greylisted", r.code, r.msg)
	}
	time.Sleep(3 * time.Second) // postgrey --delay=2
	if r := sendMail(t, addr, from, rcpt, body); r.code != 250 {
		t.Fatalf("retry after the delay: %d %q", r.code, r.msg)
	}
	waitSpooled(t, sp, 1)
	if m := lastMessage(sp); !strings.HasPrefix(m, "X-Greylist: delayed ") || !strings.Contains(m, "by postgrey") {
		t.Fatalf("spooled message lacks postgrey's header:\n%s", m)
	}

	pg.kill() // postgrey dies mid-run
	r = sendMail(t, addr, "other@example.org", rcpt, body)
	if r.code != 451 || !strings.Contains(r.msg, "Server configuration problem") {
		t.Fatalf("postgrey down, fail-closed default: %d %q", r.code, r.msg)
	}
	if r := sendMail(t, open, "other@example.org", rcpt, body); r.code != 250 {
		t.Fatalf("postgrey down, DUNNO default: %d %q", r.code, r.msg)
	}
	waitSpooled(t, openSp, 1)
}
