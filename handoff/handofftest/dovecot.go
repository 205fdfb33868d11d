package handofftest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/internal/extbin"
	"sluice/internal/testport"
)

// StartDovecot runs a private Dovecot whose only service is LMTP on a
// loopback port, delivering to Maildirs under its directory for the users
// named (any other recipient gets Dovecot's own 550 "User doesn't exist").
func StartDovecot(t *testing.T, users ...string) (addr, mail string) {
	t.Helper()
	bin := extbin.Need(t, "dovecot", "dovecot-lmtpd")
	extbin.Need(t, "lmtp", "dovecot-lmtpd", "/usr/lib/dovecot")
	dir := WorldDir(t)
	mail = filepath.Join(dir, "mail")
	os.MkdirAll(mail, 0o755)
	uid, gid := Nobody(t)
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
	StartProc(t, bin, "-F", "-c", path)
	WaitPort(t, "tcp", addr)
	return addr, mail
}

func ReadDir(t *testing.T, dir string) []string {
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
func HasBody(msgs []string, body string) bool {
	want := strings.ReplaceAll(body, "\r\n", "\n")
	for _, m := range msgs {
		if strings.HasSuffix(strings.ReplaceAll(m, "\r\n", "\n"), "\n"+want) {
			return true
		}
	}
	return false
}
