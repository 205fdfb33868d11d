package daemon

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/proto/control"
)

// banner reads the 220 line of a new SMTP connection to port.
func banner(t *testing.T, port int) string {
	t.Helper()
	c := waitDial(t, "tcp", addr(port))
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("banner: %v", err)
	}
	return line
}

// TestConsoleReloadPathDisclosure (issue 21 item 6), over the password TCP
// console: a path outside the config directory is refused without being
// read; a file inside that does not parse answers positions but none of its
// text; after "config reload PATH" a plain reload and Reload("") (SIGHUP)
// read the -config file again.
func TestConsoleReloadPathDisclosure(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			td, smtpPort, ctlPort := startConsole(t, be)
			c, err := control.Dial(addr(ctlPort), 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Login("admin", "s3cret"); err != nil {
				t.Fatal(err)
			}
			outside := filepath.Join(t.TempDir(), "shadow")
			secretLine := "root:$6$QZsecretQZ:19000:0:99999:7:::\n"
			os.WriteFile(outside, []byte(secretLine), 0o644)
			inside := filepath.Join(td.dir, "shadow.conf")
			os.WriteFile(inside, []byte(secretLine), 0o644)
			os.Symlink(outside, filepath.Join(td.dir, "link.conf"))
			for _, cmd := range []string{"config reload " + outside, "config reload ../" + filepath.Base(filepath.Dir(outside)) + "/shadow",
				"config reload link.conf", "config reload shadow.conf", "config reload " + inside, "config reload /etc/passwd"} {
				st, body, err := c.Do(cmd)
				if err != nil || st != control.StatusFailed {
					t.Fatalf("%s: %s %q %v", cmd, st, body, err)
				}
				if strings.Contains(string(body), "QZsecret") || strings.Contains(string(body), "root") {
					t.Fatalf("%s disclosed file content: %s", cmd, body)
				}
				t.Logf("%s -> %s", cmd, strings.ReplaceAll(string(body), "\n", " | "))
			}
			// An alternative config in the directory serves once.
			alt := strings.ReplaceAll(fmt.Sprintf(consoleConf, smtpPort, ctlPort), "ESMTP_Listener {",
				"ESMTP_Listener {\n  Static_Banner = \"alternative ready\"")
			os.WriteFile(filepath.Join(td.dir, "alt.conf"), []byte(strings.ReplaceAll(alt, "{{DIR}}", td.dir)), 0o644)
			do(t, c, "config reload alt.conf")
			if b := banner(t, smtpPort); !strings.Contains(b, "alternative ready") {
				t.Fatalf("after reload alt.conf: %q", b)
			}
			do(t, c, "config reload")
			if b := banner(t, smtpPort); strings.Contains(b, "alternative") {
				t.Fatalf("plain reload kept alt.conf: %q", b)
			}
			do(t, c, "config reload alt.conf")
			if _, err := td.Reload(""); err != nil { // what SIGHUP calls
				t.Fatal(err)
			}
			if b := banner(t, smtpPort); strings.Contains(b, "alternative") {
				t.Fatalf("SIGHUP reload kept alt.conf: %q", b)
			}
		})
	}
}

// TestConsoleSetRejectsInjection (issue 21 item 7): CR/LF in a banner or
// Received name set live is refused, and the banner stays one reply.
func TestConsoleSetRejectsInjection(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			td, smtpPort, _ := startConsole(t, be)
			c, err := control.Dial(td.dir+"/ctl.sock", 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for _, cmd := range []string{
				`config set esmtp_listener static_banner "evil\r\n250 injected"`,
				`config set esmtp_listener received_hostname "mx\r\nBcc: injected@evil.test"`,
				`config set hostname "a\r\nb"`,
			} {
				st, body, err := c.Do(cmd)
				if err != nil || st != control.StatusFailed || !strings.Contains(string(body), "control character") {
					t.Fatalf("%s: %s %q %v", cmd, st, body, err)
				}
			}
			do(t, c, `config set esmtp_listener static_banner "clean banner"`)
			cn := waitDial(t, "tcp", addr(smtpPort))
			defer cn.Close()
			r := bufio.NewReader(cn)
			cn.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := r.ReadString('\n')
			if !strings.HasPrefix(line, "220 ") || !strings.Contains(line, "clean banner") {
				t.Fatalf("banner %q", line)
			}
			fmt.Fprintf(cn, "QUIT\r\n")
			if line, _ = r.ReadString('\n'); !strings.HasPrefix(line, "221") {
				t.Fatalf("after banner: %q (a second banner line?)", line)
			}
		})
	}
}
