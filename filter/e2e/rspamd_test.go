package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluice/internal/extbin"
	"sluice/internal/testport"
)

// gtube is rspamd's (and SpamAssassin's) spam test pattern.
const gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

// TestRspamd: rspamd's proxy worker as a milter. GTUBE is refused with
// rspamd's reply, a clean message is spooled with the headers rspamd adds,
// and after rspamd is killed the default action applies (tempfail, or
// accept on a fail-open listener) while sluice keeps serving. One rspamd
// (its start takes 15-60 s on a busy machine) serves both back ends.
func TestRspamd(t *testing.T) {
	bin := extbin.Need(t, "rspamd", "rspamd")
	dir := t.TempDir()
	addr := "127.0.0.1:" + strconv.Itoa(testport.Free(t))
	rs := startRspamd(t, bin, dir, addr)
	svc := []string{"inet:" + addr}
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			sl, sp, _ := sluice(t, backend, opts("milter", svc, "milter_timeout", 60*time.Second))
			r := sendMail(t, sl, "spammer@example.org", []string{"user@local.test"},
				"From: spammer@example.org\r\nTo: user@local.test\r\nSubject: gtube\r\nMessage-ID: <g-"+backend+"@example.org>\r\n\r\n"+gtube+"\r\n")
			if r.code != 554 || !strings.Contains(r.msg, "Gtube pattern") {
				t.Fatalf("GTUBE: %d %q, want rspamd's 554 5.7.1 Gtube pattern", r.code, r.msg)
			}
			clean := "From: friend@example.org\r\nTo: user@local.test\r\nSubject: lunch " + backend +
				"\r\nDate: Sat, 28 Nov 2026 01:00:00 +0000\r\nMessage-ID: <c-" + backend + "@example.org>\r\n\r\nShall we meet at noon?\r\n"
			if r := sendMail(t, sl, "friend@example.org", []string{"user@local.test"}, clean); r.code != 250 {
				t.Fatalf("clean message: %d %q", r.code, r.msg)
			}
			waitSpooled(t, sp, 1)
			m := lastMessage(sp)
			t.Logf("spooled clean message:\n%s", m)
			if !contains(m, "X-Spamd-Result: ", "X-Spam-Status: No", "Authentication-Results: ", "Shall we meet at noon?") {
				t.Fatalf("spooled clean message lacks rspamd's headers:\n%s", m)
			}
		})
	}
	rs.kill() // rspamd dies mid-run
	for _, backend := range backends {
		t.Run(backend+"/killed", func(t *testing.T) {
			sl, _, _ := sluice(t, backend, opts("milter", svc, "milter_connect_timeout", 2*time.Second))
			body := "Subject: after\r\n\r\nhello\r\n"
			if r := sendMail(t, sl, "a@example.org", []string{"user@local.test"}, body); r.code != 451 {
				t.Fatalf("rspamd down, tempfail default: %d %q", r.code, r.msg)
			}
			open, sp, _ := sluice(t, backend, opts("milter", svc, "milter_default_action", "accept"))
			if r := sendMail(t, open, "a@example.org", []string{"user@local.test"}, body); r.code != 250 {
				t.Fatalf("rspamd down, accept default: %d %q", r.code, r.msg)
			}
			waitSpooled(t, sp, 1)
		})
	}
}

// startRspamd writes a private configuration (the recipe of
// test-servers.md) and starts rspamd in the foreground.
func startRspamd(t *testing.T, bin, dir, addr string) *daemon {
	local := filepath.Join(dir, "local")
	for _, d := range []string{filepath.Join(local, "local.d"), filepath.Join(dir, "db"), filepath.Join(dir, "run"), filepath.Join(dir, "log")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(local, "local.d", "fuzzy_check.conf"): "enabled = false;\n", // no public fuzzy servers
		filepath.Join(local, "local.d", "milter_headers.conf"): "use = [\"x-spamd-result\", \"x-rspamd-server\", \"x-rspamd-queue-id\", " +
			"\"authentication-results\", \"x-spam-level\", \"x-spam-status\"];\nextended_spam_headers = true;\nskip_local = false;\nskip_authenticated = false;\n",
		filepath.Join(dir, "rspamd.conf"): fmt.Sprintf(`.include "$CONFDIR/common.conf"
options { pidfile = "$RUNDIR/rspamd.pid"; .include "$CONFDIR/options.inc" }
logging { type = "console"; level = "notice"; }
worker "rspamd_proxy" {
    bind_socket = "%s";
    milter = yes;
    timeout = 120s;
    upstream "local" { default = yes; self_scan = yes; }
    count = 1;
}
`, addr),
	}
	for p, c := range files {
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := start(t, dir, "rspamd", bin, "-f", "-u", "root", "-g", "root", "-c", filepath.Join(dir, "rspamd.conf"),
		"--var=LOCAL_CONFDIR="+local, "--var=DBDIR="+filepath.Join(dir, "db"),
		"--var=RUNDIR="+filepath.Join(dir, "run"), "--var=LOGDIR="+filepath.Join(dir, "log"))
	waitPort(t, d, addr, 150*time.Second)
	return d
}
