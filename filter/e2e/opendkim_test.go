package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluice/internal/extbin"
	"sluice/internal/testport"
)

// TestOpenDKIM: OpenDKIM in signing mode as a milter. The spooled message
// carries a DKIM-Signature for local.test that OpenDKIM's own verifier
// (opendkim -t, the public key given by TestPublicKeys since tests have no
// DNS) accepts, and that fails once the body is altered; after opendkim is
// killed the default action applies and sluice keeps serving.
func TestOpenDKIM(t *testing.T) {
	bin := extbin.Need(t, "opendkim", "opendkim")
	genkey := extbin.Need(t, "opendkim-genkey", "opendkim-tools")
	dir := t.TempDir()
	if out, err := exec.Command(genkey, "-D", dir, "-d", "local.test", "-s", "test").CombinedOutput(); err != nil {
		t.Fatalf("opendkim-genkey: %v %s", err, out)
	}
	addr := "127.0.0.1:" + strconv.Itoa(testport.Free(t))
	host, port, _ := strings.Cut(addr, ":")
	conf := filepath.Join(dir, "sign.conf")
	writeFile(t, conf, fmt.Sprintf("Syslog no\nMode s\nSocket inet:%s@%s\nDomain local.test\nSelector test\nKeyFile %s\n"+
		"PidFile %s\nCanonicalization relaxed/simple\nRequireSafeKeys no\n",
		port, host, filepath.Join(dir, "test.private"), filepath.Join(dir, "opendkim.pid")))
	dk := start(t, dir, "opendkim", bin, "-f", "-x", conf)
	waitPort(t, dk, addr, 30*time.Second)
	verify := verifier(t, bin, dir)

	svc := []string{"inet:" + port + "@" + host} // OpenDKIM's own spelling of the address
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			sl, sp, _ := sluice(t, backend, opts("milter", svc))
			body := "From: Alice <alice@local.test>\r\nTo: bob@example.com\r\nSubject: signed " + backend +
				"\r\nDate: Sat, 28 Nov 2026 01:00:00 +0000\r\nMessage-ID: <" + backend + "@local.test>\r\n\r\nHello Bob,\r\n\r\n.leading dot line\r\n"
			if r := sendMail(t, sl, "alice@local.test", []string{"bob@example.com"}, body); r.code != 250 {
				t.Fatalf("send: %d %q", r.code, r.msg)
			}
			waitSpooled(t, sp, 1)
			m := lastMessage(sp)
			if !regexp.MustCompile(`(?m)^DKIM-Signature: .*`).MatchString(m) || !strings.Contains(m, "d=local.test") || !strings.Contains(m, "s=test") {
				t.Fatalf("no DKIM-Signature for local.test:\n%s", m)
			}
			ok, out := verify(m)
			t.Logf("opendkim -t: %s", strings.TrimSpace(out))
			if !ok {
				t.Fatalf("signature does not verify: %s\n%s", out, m)
			}
			if ok, out := verify(strings.Replace(m, "Hello Bob", "Hello Eve", 1)); ok {
				t.Fatalf("altered message verifies: %s", out)
			}

			// The same through swaks, a client that is not Go's.
			swaks := extbin.Need(t, "swaks", "swaks")
			sw, err := exec.Command(swaks, "--server", sl, "--from", "carol@local.test", "--to", "bob@example.com",
				"--helo", "swaks.local.test", "--header", "Subject: via swaks "+backend, "--body", "Signed by OpenDKIM",
				"--timeout", "30").CombinedOutput()
			if err != nil || !strings.Contains(string(sw), "<-  250 2.0.0 OK ") {
				t.Fatalf("swaks: %v\n%s", err, sw)
			}
			waitSpooled(t, sp, 2)
			if ok, out := verify(lastMessage(sp)); !ok || !strings.Contains(lastMessage(sp), "Subject: via swaks") {
				t.Fatalf("swaks message does not verify: %s\n%s", out, lastMessage(sp))
			}
		})
	}
	dk.kill() // opendkim dies mid-run
	for _, backend := range backends {
		t.Run(backend+"/killed", func(t *testing.T) {
			sl, _, _ := sluice(t, backend, opts("milter", svc, "milter_connect_timeout", 2*time.Second))
			if r := sendMail(t, sl, "alice@local.test", []string{"bob@example.com"}, "Subject: x\r\n\r\ny\r\n"); r.code != 451 {
				t.Fatalf("opendkim down, tempfail default: %d %q", r.code, r.msg)
			}
			if r := sendMail(t, sl, "alice@local.test", []string{"bob@example.com"}, "Subject: x\r\n\r\ny\r\n"); r.code != 451 {
				t.Fatalf("sluice stopped serving: %d %q", r.code, r.msg)
			}
		})
	}
}

// verifier returns a function that runs OpenDKIM's verifier on a message.
func verifier(t *testing.T, bin, dir string) func(msg string) (bool, string) {
	txt, err := os.ReadFile(filepath.Join(dir, "test.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var key strings.Builder // the TXT record's strings, joined
	for _, m := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(string(txt), -1) {
		key.WriteString(m[1])
	}
	keys := filepath.Join(dir, "keys")
	writeFile(t, keys, "test._domainkey.local.test "+key.String()+"\n")
	conf := filepath.Join(dir, "verify.conf")
	writeFile(t, conf, "Syslog no\nMode v\nTestPublicKeys "+keys+"\nRequireSafeKeys no\n")
	n := 0
	return func(msg string) (bool, string) {
		n++
		f := filepath.Join(dir, fmt.Sprintf("msg%d.eml", n))
		writeFile(t, f, msg)
		out, err := exec.Command(bin, "-x", conf, "-t", f).CombinedOutput()
		return err == nil && strings.Contains(string(out), "verification") && strings.Contains(string(out), "succeeded"), string(out)
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
