package handofftest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluice/internal/extbin"
	"sluice/internal/testport"
)

// Postfix is a private Postfix instance (its own config, queue and log
// under a temporary directory) accepting mail for local.test on a loopback
// port and keeping it in its queue (defer_transports), as a downstream MTA
// with its queue on disk. Recipients listed in access get its reply.
type Postfix struct {
	Conf, Dir, Addr string
}

func StartPostfix(t *testing.T, access string) *Postfix {
	t.Helper()
	bin := extbin.Need(t, "postfix", "postfix")
	dir := WorldDir(t)
	pf := &Postfix{Conf: filepath.Join(dir, "conf"), Dir: dir, Addr: fmt.Sprintf("127.0.0.1:%d", testport.Free(t))}
	os.MkdirAll(pf.Conf, 0o755)
	os.MkdirAll(filepath.Join(dir, "queue"), 0o755)
	os.MkdirAll(filepath.Join(dir, "data"), 0o700)
	exec.Command("chown", "postfix", filepath.Join(dir, "data")).Run()
	cert, key := "/etc/ssl/certs/ssl-cert-snakeoil.pem", "/etc/ssl/private/ssl-cert-snakeoil.key"
	tls := "smtpd_tls_security_level = none"
	if _, err := os.Stat(key); err == nil {
		tls = fmt.Sprintf("smtpd_tls_security_level = may\nsmtpd_tls_cert_file = %s\nsmtpd_tls_key_file = %s\nsmtpd_tls_loglevel = 1", cert, key)
	}
	main := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = pf.local.test
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
relay_domains = local.test
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = check_recipient_access texthash:%[2]s/access, permit_mynetworks, reject
defer_transports = smtp relay
maillog_file = %[1]s/pf.log
maillog_file_prefixes = %[1]s
smtpd_client_connection_count_limit = 0
%[3]s
`, dir, pf.Conf, tls)
	master := fmt.Sprintf(`%s inet n - n - - smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
`, pf.Addr)
	for name, text := range map[string]string{"main.cf": main, "master.cf": master, "access": access + "\n"} {
		if err := os.WriteFile(filepath.Join(pf.Conf, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"-c", pf.Conf, "set-permissions"}, {"-c", pf.Conf, "start"}} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			lg, _ := os.ReadFile(filepath.Join(dir, "pf.log"))
			t.Fatalf("postfix %v: %v\n%s\n%s", args, err, out, lg)
		}
	}
	t.Cleanup(func() {
		exec.Command(bin, "-c", pf.Conf, "stop").Run()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "pf.log"))
			t.Logf("postfix log (Tail):\n%s", Tail(string(b), 3000))
		}
	})
	WaitPort(t, "tcp", pf.Addr)
	return pf
}

func Tail(s string, n int) string { return s[max(0, len(s)-n):] }

// queued returns the ids of the messages in Postfix's queue.
func (pf *Postfix) Queued(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, q := range []string{"incoming", "active", "deferred"} {
		filepath.WalkDir(filepath.Join(pf.Dir, "queue", q), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				ids = append(ids, d.Name())
			}
			return nil
		})
	}
	return ids
}

// message is one queued message as postcat prints it (header and body).
func (pf *Postfix) Message(t *testing.T, id string) string {
	t.Helper()
	out, err := exec.Command("postcat", "-c", pf.Conf, "-bh", "-q", id).Output()
	if err != nil {
		t.Fatalf("postcat %s: %v", id, err)
	}
	return string(out)
}

func (pf *Postfix) Log() string {
	b, _ := os.ReadFile(filepath.Join(pf.Dir, "pf.log"))
	return string(b)
}

func WaitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// contains reports whether text Holds body with LF line ends (postcat
// prints records as lines).
func ContainsLF(text, body string) bool {
	return strings.Contains(text, strings.ReplaceAll(body, "\r\n", "\n"))
}

// Contents returns the message content (header and body, LF line ends) of
// every queued message, read straight from Postfix's queue files (record
// format: type byte, base-128 length, data; the content runs from the 'M'
// record to the 'X' record, 'N' lines and 'L' line pieces, 'p' records
// pointing elsewhere in the file). postcat per message would take minutes
// for 10,000.
func (pf *Postfix) Contents(t *testing.T) []string {
	t.Helper()
	// Postfix's queue manager moves files between these directories while
	// we walk them: a message moved from active to deferred after active was
	// read would be counted twice, and one moved under our feet cannot be
	// read where it was listed. The file name is the queue ID, unique per
	// message, so each is counted once, wherever it is found.
	var out []string
	seen := map[string]bool{}
	for _, q := range []string{"incoming", "active", "deferred"} {
		filepath.WalkDir(filepath.Join(pf.Dir, "queue", q), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || seen[d.Name()] {
				return nil
			}
			b, err := os.ReadFile(p)
			if os.IsNotExist(err) {
				return nil // moved on: found in a later directory or on the next poll
			}
			if err != nil {
				t.Fatal(err)
			}
			seen[d.Name()] = true
			c, ok := queueContent(b)
			if !ok {
				t.Fatalf("cannot parse queue file %s", p)
			}
			out = append(out, c)
			return nil
		})
	}
	return out
}

func queueContent(b []byte) (string, bool) {
	var sb strings.Builder
	in := false
	for pos, hops := 0, 0; pos < len(b) && hops < 1<<20; hops++ {
		typ := b[pos]
		pos++
		n, shift := 0, 0
		for pos < len(b) {
			c := b[pos]
			pos++
			n |= int(c&0x7f) << shift
			shift += 7
			if c&0x80 == 0 {
				break
			}
		}
		if pos+n > len(b) {
			return "", false
		}
		data := b[pos : pos+n]
		pos += n
		switch typ {
		case 'M':
			in = true
		case 'X', 'E':
			if in {
				return sb.String(), true
			}
		case 'N':
			if in {
				sb.Write(data)
				sb.WriteByte('\n')
			}
		case 'L':
			if in {
				sb.Write(data)
			}
		case 'p':
			if off, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && off > 0 {
				pos = off
			}
		}
	}
	return "", false
}

// SetAccess replaces the recipient access table and reloads Postfix, so
// new sessions answer by the new table.
func (pf *Postfix) SetAccess(t *testing.T, access string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(pf.Conf, "access"), []byte(access+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("postfix", "-c", pf.Conf, "reload").CombinedOutput(); err != nil {
		t.Fatalf("postfix reload: %v\n%s", err, out)
	}
}
