package handoff

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/internal/extbin"
	"sluice/internal/testport"
)

// startDovecot runs a private Dovecot whose only service is LMTP on a
// loopback port, delivering to Maildirs under its directory for the users
// named (any other recipient gets Dovecot's own 550 "User doesn't exist").
func startDovecot(t *testing.T, users ...string) (addr, mail string) {
	t.Helper()
	bin := extbin.Need(t, "dovecot", "dovecot-lmtpd")
	extbin.Need(t, "lmtp", "dovecot-lmtpd", "/usr/lib/dovecot")
	dir := worldDir(t)
	mail = filepath.Join(dir, "mail")
	os.MkdirAll(mail, 0o755)
	uid, gid := nobody(t)
	os.Chown(mail, uid, gid)
	var pw strings.Builder
	for _, u := range users {
		fmt.Fprintf(&pw, "%s::%d:%d::%s/%s::\n", u, uid, gid, mail, u)
	}
	os.WriteFile(filepath.Join(dir, "users"), []byte(pw.String()), 0o644)
	port := testport.Free(t)
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	conf := fmt.Sprintf(`instance_name = sluice-test-%[3]d
base_dir = %[1]s/run
state_dir = %[1]s/state
protocols = lmtp
listen = 127.0.0.1
ssl = no
log_path = /dev/stderr
mail_location = maildir:%[2]s/%%n
lmtp_save_to_detail_mailbox = no
passdb {
  driver = passwd-file
  args = username_format=%%n %[1]s/users
}
userdb {
  driver = passwd-file
  args = username_format=%%n %[1]s/users
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = %[3]d
  }
}
service anvil {
  chroot =
}
`, dir, mail, port)
	path := filepath.Join(dir, "dovecot.conf")
	os.WriteFile(path, []byte(conf), 0o644)
	startProc(t, bin, "-F", "-c", path)
	waitPort(t, "tcp", addr)
	return addr, mail
}

// Dovecot's LMTP server: per-recipient replies after DATA; a known user
// gets the message byte for byte (behind Dovecot's Return-Path, Delivered-To
// and Received lines), an unknown one bounces with a DSN.
func TestLMTPTargetToDovecot(t *testing.T) {
	addr, mail := startDovecot(t, "alice", "bob", "sender")
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
	waitFor(t, "spool empty", 60*time.Second, func() bool { return st.Len() == 0 })
	for _, u := range []string{"alice", "bob"} {
		got := readDir(t, filepath.Join(mail, u, "new"))
		if len(got) != n {
			t.Fatalf("%s has %d messages, want %d", u, len(got), n)
		}
		for i := 0; i < n; i++ {
			if !hasBody(got, msg(i)) {
				t.Fatalf("%s: message %d not byte for byte", u, i)
			}
		}
	}
	dsn := readDir(t, filepath.Join(mail, "sender", "new"))
	if len(dsn) != 1 || !strings.Contains(dsn[0], "Final-Recipient: rfc822; nobody-here@local.test") || !strings.Contains(dsn[0], "Status: 5.1.1") {
		t.Fatalf("DSN to the sender: %q", dsn)
	}
	if s := d.Status().Targets[0]; s.Delivered != 2*n+1 || s.Bounced != 1 {
		t.Errorf("counters %+v", s)
	}
}

func readDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// hasBody: Dovecot stores with LF line ends and prepends its own lines.
func hasBody(msgs []string, body string) bool {
	want := strings.ReplaceAll(body, "\r\n", "\n")
	for _, m := range msgs {
		if strings.HasSuffix(strings.ReplaceAll(m, "\r\n", "\n"), "\n"+want) {
			return true
		}
	}
	return false
}
